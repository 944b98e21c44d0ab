"""Cost and usage: ``usage_cost``, caller-given and tiered prices, and ``client.usage`` running totals."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from openai.types import CompletionUsage
from pydantic import BaseModel

from kimi_openai import (
    AsyncKimiOpenAI,
    KimiOpenAI,
    KimiValidationError,
    TieredPrices,
    TokenPrices,
    usage_cost,
)
from kimi_openai._compat import httpx
from kimi_openai._rules.model_specs import Price, get_model_spec
from kimi_openai.testing import MoonshotEmulator, StreamUsagePlacement, Usage

MODEL = "kimi-k2.6"
UNPRICED = "my-finetune"  # an id the spec table has no price for
HELLO: Any = [{"role": "user", "content": "Hello"}]


def _usage(prompt: int, completion: int, cached: int = 0) -> CompletionUsage:
    return CompletionUsage.model_validate(
        {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "cached_tokens": cached,
        }
    )


def _listed(model: str, currency: str) -> Price:
    return next(p for p in get_model_spec(model).prices if p.currency == currency)


# -- usage_cost -------------------------------------------------------------------------------


def test_list_price_of_one_usage_bills_cache_hits_apart() -> None:
    price = _listed(MODEL, "USD")
    assert price.cache_hit is not None
    expected = (400 * price.cache_hit + 600 * price.cache_miss + 50 * price.output) / 1_000_000
    assert usage_cost(_usage(1_000, 50, cached=400), model=MODEL) == pytest.approx(expected)
    assert usage_cost(_usage(1_000, 50, cached=400), model=MODEL, currency="USD") == pytest.approx(expected)


def test_no_listed_price_is_none_and_caller_prices_fill_in() -> None:
    usage = _usage(2_000_000, 1_000_000, cached=1_000_000)
    assert usage_cost(usage, model=UNPRICED) is None
    flat = TokenPrices(input=2.0, output=8.0, cached_input=0.5, currency="EUR")
    assert usage_cost(usage, model=UNPRICED, prices=flat) == pytest.approx(0.5 + 2.0 + 8.0)
    as_mapping = {"input": 2.0, "output": 8.0}  # no cached price: cache hits at the input price
    assert usage_cost(usage, model=UNPRICED, prices=as_mapping) == pytest.approx(4.0 + 8.0)
    by_model = {UNPRICED: flat, "other": {"input": 99.0, "output": 99.0}}
    assert usage_cost(usage, model=UNPRICED, prices=by_model) == pytest.approx(10.5)
    row = Price("CNY", 1.0, 4.0, 16.0, None, "https://example.invalid")
    assert usage_cost(usage, model=UNPRICED, prices=row) == pytest.approx(1.0 + 4.0 + 16.0)


def test_a_completion_is_priced_for_its_own_model(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("Hi.", usage=Usage(1_000, 100))
    completion = kimi_emulator_client.chat.completions.create(model=MODEL, messages=HELLO)
    price = _listed(MODEL, "USD")
    assert usage_cost(completion) == pytest.approx(
        (1_000 * price.cache_miss + 100 * price.output) / 1_000_000
    )


def test_tiered_prices_bill_a_whole_request_at_the_tier_of_its_prompt() -> None:
    tiered = TieredPrices(
        TokenPrices(1.0, 10.0), above={128_000: TokenPrices(2.0, 20.0), 256_000: TokenPrices(4.0, 40.0)}
    )
    assert usage_cost(_usage(128_000, 1_000), model=UNPRICED, prices=tiered) == pytest.approx(0.128 + 0.01)
    assert usage_cost(_usage(128_001, 1_000), model=UNPRICED, prices=tiered) == pytest.approx(
        2 * 0.128001 + 0.02
    )
    assert usage_cost(_usage(300_000, 0), model=UNPRICED, prices=tiered) == pytest.approx(1.2)
    as_mapping = {"input": 1.0, "output": 10.0, "above": {128_000: {"input": 2.0, "output": 20.0}}}
    assert usage_cost(_usage(200_000, 0), model=UNPRICED, prices=as_mapping) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ({"input": 1.0}, "give 'input' and 'output' per million tokens"),
        ({"input": 1.0, "output": 2.0, "cache": 0.1}, "give 'input' and 'output'"),
        ({"prompt": 1.0, "output": 2.0}, "give 'input' and 'output'"),
        ({UNPRICED: 3.5}, "is not a price: pass TokenPrices"),
        ("0.6/3.0", "is not a price: pass TokenPrices"),
        ({"input": "cheap", "output": 2.0}, r"TokenPrices\(input='cheap'\) is not allowed"),
        ({"input": -1, "output": 2.0}, "a number of 0 or more"),
        (
            {"input": 1.0, "output": 2.0, "above": {0: {"input": 1, "output": 1}}},
            "a whole number of 1 or more",
        ),
        ({"input": 1.0, "output": 2.0, "above": [1, 2]}, "map prompt-size thresholds to prices"),
    ],
)
def test_prices_in_the_wrong_shape_are_refused_saying_what_to_pass(prices: Any, message: str) -> None:
    with pytest.raises(KimiValidationError, match=message):
        usage_cost(_usage(10, 10), model=UNPRICED, prices=prices)


def test_tiers_in_another_currency_are_refused() -> None:
    with pytest.raises(KimiValidationError, match="in the base's currency"):
        TieredPrices(TokenPrices(1.0, 2.0, currency="USD"), above={10: TokenPrices(1.0, 2.0, currency="CNY")})


# -- client.usage -------------------------------------------------------------------------------


def test_every_request_of_a_client_and_its_copies_is_counted(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("One.", usage=Usage(1_000, 100, cached_tokens=600))
    kimi_emulator.queue_text("Two.", usage=Usage(500, 50))
    kimi_emulator.queue_text("Three.", usage=Usage(200, 20, cached_tokens=200))
    kimi_emulator_client.chat.completions.create(model=MODEL, messages=HELLO)
    kimi_emulator_client.with_options(timeout=5).chat.completions.create(model=MODEL, messages=HELLO)
    kimi_emulator_client.copy(max_retries=0).chat.completions.with_raw_response.create(
        model=MODEL, messages=HELLO
    ).parse()
    usage = kimi_emulator_client.usage
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens) == (3, 1_700, 170)
    assert (usage.total_tokens, usage.cached_tokens) == (1_870, 800)
    assert usage.cache_hit_ratio == pytest.approx(800 / 1_700)
    assert usage.by_model[MODEL].requests == 3
    price = _listed(MODEL, "USD")
    assert price.cache_hit is not None
    expected = (800 * price.cache_hit + 900 * price.cache_miss + 170 * price.output) / 1_000_000
    assert usage.currency == "USD"
    assert usage.cost() == pytest.approx(expected)
    assert usage.cost(prices={"input": 1.0, "output": 1.0}) == pytest.approx(1_870 / 1_000_000)
    usage.reset()
    assert (usage.requests, usage.total_tokens, usage.cache_hit_ratio) == (0, 0, None)
    assert usage.cost() == 0


def test_separate_clients_keep_separate_totals(kimi_emulator: MoonshotEmulator) -> None:
    first = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=kimi_emulator.transport()))
    second = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=kimi_emulator.transport()))
    first.chat.completions.create(model=MODEL, messages=HELLO)
    assert (first.usage.requests, second.usage.requests) == (1, 0)


@pytest.mark.parametrize("placement", ["choice", "top", "include_usage"])
def test_a_finished_stream_counts_with_the_usage_of_its_final_chunk(placement: StreamUsagePlacement) -> None:
    emulator = MoonshotEmulator(stream_usage=placement)
    client = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=emulator.transport()))
    emulator.queue_text("Streamed answer.", usage=Usage(300, 30, cached_tokens=100))
    stream = client.chat.completions.create(
        model=MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    assert client.usage.requests == 0  # counted once the stream has finished
    for _ in stream:
        pass
    assert (client.usage.requests, client.usage.prompt_tokens, client.usage.cached_tokens) == (1, 300, 100)


def test_the_cost_is_in_the_currency_of_the_clients_platform(kimi_emulator: MoonshotEmulator) -> None:
    china = KimiOpenAI(
        api_key="sk-test", region="cn", http_client=httpx.Client(transport=kimi_emulator.transport())
    )
    assert china.usage.currency == "CNY"
    kimi_emulator.queue_text("Hi.", usage=Usage(1_000, 100))
    china.chat.completions.create(model=MODEL, messages=HELLO)
    listed = next((p for p in get_model_spec(MODEL).prices if p.currency == "CNY"), None)
    expected = None if listed is None else (1_000 * listed.cache_miss + 100 * listed.output) / 1_000_000
    assert china.usage.cost() == pytest.approx(expected)  # None while the table has no CNY price
    assert china.usage.cost(prices={MODEL: TokenPrices(1.0, 2.0, currency="CNY")}) == pytest.approx(
        (1_000 + 200) / 1_000_000
    )


def test_tiered_prices_on_running_totals_are_refused(kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator_client.chat.completions.create(model=MODEL, messages=HELLO)
    with pytest.raises(KimiValidationError, match=r"tiered prices for 'kimi-k2\.6' are chosen per request"):
        kimi_emulator_client.usage.cost(prices=TieredPrices(TokenPrices(1, 1), above={10: TokenPrices(2, 2)}))


def test_threads_counting_at_once_lose_nothing(kimi_emulator_client: KimiOpenAI) -> None:
    totals = kimi_emulator_client.usage
    usage = _usage(3, 2, cached=1)

    def count() -> None:
        for _ in range(2_000):
            totals.add(MODEL, usage)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (totals.requests, totals.prompt_tokens, totals.completion_tokens, totals.cached_tokens) == (
        16_000,
        48_000,
        32_000,
        16_000,
    )


@pytest.mark.anyio
async def test_concurrent_async_requests_are_all_counted(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    for _ in range(10):
        kimi_emulator.queue_text("Hi.", usage=Usage(10, 5))
    copy = async_kimi_emulator_client.with_options(timeout=5)
    await asyncio.gather(
        *(
            (copy if i % 2 else async_kimi_emulator_client).chat.completions.create(
                model=MODEL, messages=HELLO
            )
            for i in range(10)
        )
    )
    assert (async_kimi_emulator_client.usage.requests, async_kimi_emulator_client.usage.total_tokens) == (
        10,
        150,
    )


class Answer(BaseModel):
    a: int


def test_the_stream_helper_and_parse_count_once_each(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("Hi.", usage=Usage(10, 5))
    kimi_emulator.queue_text('{"a": 1}', usage=Usage(20, 7))
    with kimi_emulator_client.chat.completions.stream(model=MODEL, messages=HELLO) as stream:
        for _ in stream:
            pass
        stream.get_final_completion()
    kimi_emulator_client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=Answer)
    usage = kimi_emulator_client.usage
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens) == (2, 30, 12)
