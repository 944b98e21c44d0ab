"""What requests cost: prices per million tokens, the cost of one usage, and a client's running totals.

Moonshot bills the input tokens served from the prompt cache at the cache-hit price, the rest of
the input at the cache-miss price and every output token (reasoning included) at the output
price, all per million tokens (https://platform.kimi.ai/docs/pricing/chat). The spec table
(``ModelSpec.prices``) holds list prices in CNY (platform.moonshot.cn) and USD
(platform.moonshot.ai); a caller may price with their own figures instead:

* :class:`TokenPrices`: flat prices, or a mapping ``{"input": ..., "output": ..., "cached_input": ...}``;
* :class:`TieredPrices`: prices that change above a prompt size. A request whose prompt has more
  tokens than a tier's threshold is billed, all of its tokens, at that tier (the way tiered
  context pricing is stated per request, not per cumulative token);
* a mapping from model id to either, for usage spread over several models.

:class:`UsageTotals` is what ``client.usage`` answers: requests, tokens, cache hits and cost of
every chat request a client and its copies made, kept under a lock so threads and tasks may
share it; counting one request costs a dictionary lookup and four additions.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias, cast

from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ._errors import KimiValidationError
from ._rules.model_specs import PLATFORM_CURRENCY, Price, get_model_spec
from .types.balance import Currency

__all__ = [
    "Prices",
    "TieredPrices",
    "TokenCounts",
    "TokenPrices",
    "UsageTotals",
    "cached_tokens",
    "chunk_usage",
    "resolve_prices",
    "stream_usage",
    "usage_cost",
]

_PER_MILLION: Final = 1_000_000
_PRICE_KEYS: Final = frozenset({"input", "output", "cached_input", "currency", "above"})


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """Prices per million tokens, in ``currency``."""

    input: float
    """Input tokens not served from the prompt cache."""
    output: float
    """Output tokens, reasoning included."""
    cached_input: float | None = None
    """Input tokens served from the prompt cache; ``None``: the ``input`` price."""
    currency: str = "USD"
    """The currency of the figures (the cost comes out in it)."""

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input"):
            value: object = getattr(self, name)
            if value is None and name == "cached_input":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise KimiValidationError(
                    f"TokenPrices({name}={value!r}) is not allowed: pass a price per million tokens, "
                    "a number of 0 or more."
                )

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int) -> float:
        """The cost of these tokens at these prices."""
        hit = self.input if self.cached_input is None else self.cached_input
        missed = prompt_tokens - cached_tokens
        return (cached_tokens * hit + missed * self.input + completion_tokens * self.output) / _PER_MILLION


@dataclass(frozen=True, slots=True)
class TieredPrices:
    """Prices that change with the prompt's size: ``base`` up to the first threshold, then each tier above its own.

    ``TieredPrices(TokenPrices(0.6, 2.5), above={128_000: TokenPrices(1.2, 5.0)})`` bills a
    request with a prompt of more than 128,000 tokens at the second prices, all its tokens.
    """

    base: TokenPrices
    above: Mapping[int, TokenPrices] = field(default_factory=dict[int, TokenPrices])

    def __post_init__(self) -> None:
        if not isinstance(self.base, TokenPrices):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KimiValidationError(
                f"TieredPrices(base={self.base!r}): pass TokenPrices(input=..., output=...)."
            )
        for threshold, tier in self.above.items():
            if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
                raise KimiValidationError(
                    f"TieredPrices(above={{{threshold!r}: ...}}): a threshold is a prompt size in tokens, "
                    "a whole number of 1 or more."
                )
            if not isinstance(tier, TokenPrices) or tier.currency != self.base.currency:  # pyright: ignore[reportUnnecessaryIsInstance]
                raise KimiValidationError(
                    f"TieredPrices(above={{{threshold}: {tier!r}}}): pass TokenPrices in the base's currency "
                    f"({self.base.currency!r})."
                )

    @property
    def currency(self) -> str:
        return self.base.currency

    def for_prompt(self, prompt_tokens: int) -> TokenPrices:
        """The prices a request with a prompt of this size is billed at."""
        above = [threshold for threshold in self.above if prompt_tokens > threshold]
        return self.above[max(above)] if above else self.base

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int) -> float:
        """The cost of one request's tokens (the tier is chosen by its prompt)."""
        return self.for_prompt(prompt_tokens).cost(prompt_tokens, completion_tokens, cached_tokens)


Prices: TypeAlias = "TokenPrices | TieredPrices | Price | Mapping[str, Any]"
"""What ``prices=`` takes: prices for every model, or a mapping from model id to prices."""


def _from_mapping(given: Mapping[str, Any]) -> TokenPrices | TieredPrices:
    unknown = set(given) - _PRICE_KEYS
    if unknown or "input" not in given or "output" not in given:
        raise KimiValidationError(
            f"prices={dict(given)!r} is not a price: give 'input' and 'output' per million tokens "
            "(and optionally 'cached_input', 'currency', 'above': {threshold: {...}}), or map model ids "
            "to such prices, or pass TokenPrices / TieredPrices."
        )
    flat = {key: value for key, value in given.items() if key != "above"}
    base = TokenPrices(**flat)
    above = cast("Mapping[int, Any]", given.get("above") or {})
    if not isinstance(above, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise KimiValidationError(f"prices 'above'={above!r}: map prompt-size thresholds to prices.")
    tiers = {
        k: _one(v if isinstance(v, TokenPrices) else {"currency": base.currency, **v})
        for k, v in above.items()
    }
    return TieredPrices(base, cast("dict[int, TokenPrices]", tiers)) if tiers else base


def _one(given: object) -> TokenPrices | TieredPrices:
    if isinstance(given, TokenPrices | TieredPrices):
        return given
    if isinstance(given, Price):
        return TokenPrices(given.cache_miss, given.output, given.cache_hit, given.currency)
    if isinstance(given, Mapping):
        return _from_mapping(cast("Mapping[str, Any]", given))
    raise KimiValidationError(
        f"prices={given!r} is not a price: pass TokenPrices(input=..., output=..., cached_input=...), "
        "TieredPrices(...), a ModelSpec Price, a mapping {'input': ..., 'output': ...}, or a mapping "
        "from model id to one of these."
    )


def resolve_prices(model: str, currency: str, prices: Prices | None) -> TokenPrices | TieredPrices | None:
    """The prices of ``model``: the caller's (for every model, or by model id), else the spec table's in ``currency``.

    ``None`` when neither has one.
    """
    if isinstance(prices, Mapping) and not _PRICE_KEYS & set(prices):
        by_model = cast("Mapping[str, object]", prices)
        if model in by_model:
            return _one(by_model[model])
        prices = None  # a model the caller did not price: the table's figure
    if prices is not None:
        return _one(prices)
    listed = next((p for p in get_model_spec(model).prices if p.currency == currency), None)
    return None if listed is None else _one(listed)


def cached_tokens(usage: CompletionUsage) -> int:
    """Prompt tokens served from the cache: Moonshot's top-level ``cached_tokens``, else openai's place.

    Documented at the top level, seen live inside ``prompt_tokens_details`` too
    (https://platform.kimi.ai/docs/api/chat; AstrBotDevs/AstrBot #6614): top level first.
    """
    extra = (
        usage.model_extra
    )  # the extra field read directly: getattr on a missing one raises inside pydantic
    top = None if extra is None else extra.get("cached_tokens")
    if isinstance(top, int):
        return top
    details = usage.prompt_tokens_details
    nested = details.cached_tokens if details is not None else None
    return nested if isinstance(nested, int) else 0


def usage_cost(
    usage: CompletionUsage | ChatCompletion,
    *,
    model: str | None = None,
    currency: Currency | None = None,
    prices: Prices | None = None,
) -> float | None:
    """The cost of one request's usage, at list prices or at ``prices``.

    Args:
        usage: a completion (its ``usage`` and ``model`` are read) or its ``usage``.
        model: the model that served it (default: the completion's).
        currency: the spec table's currency to price in (``"USD"`` default, or ``"CNY"``);
            with ``prices=`` the cost is in theirs.
        prices: figures to use instead of the table's (see :data:`Prices`).

    Returns:
        The cost, or ``None`` when the table lists no price for the model in ``currency``
        (and no ``prices`` were given), or the completion carries no usage.

    Raises:
        KimiValidationError: ``prices`` in a shape this does not read, or without a model.
    """
    if isinstance(usage, ChatCompletion):
        model = model or usage.model
        if usage.usage is None:
            return None
        usage = usage.usage
    if not model:
        raise KimiValidationError("usage_cost(usage, model=...): name the model the usage is for.")
    found = resolve_prices(model, currency or "USD", prices)
    if found is None:
        return None
    return found.cost(usage.prompt_tokens, usage.completion_tokens, cached_tokens(usage))


@dataclass(slots=True)
class TokenCounts:
    """Tokens billed for the requests of one model."""

    requests: int = 0
    prompt_tokens: int = 0
    """Input tokens, cache hits included (Moonshot counts them in ``prompt_tokens``)."""
    completion_tokens: int = 0
    """Output tokens, reasoning included."""
    cached_tokens: int = 0
    """Input tokens served from the prompt cache (billed at the cache-hit price)."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def chunk_usage(chunk: object) -> CompletionUsage | None:
    """The usage a chat chunk carries, or ``None``.

    Usage comes in the final chunk, top level as openai's ``include_usage`` puts it, or inside
    ``choices[0]`` where Moonshot's legacy streams put it (moonshot-api.md §6).
    """
    usage: object = getattr(chunk, "usage", None)
    for choice in getattr(chunk, "choices", None) or ():
        usage = usage or getattr(choice, "usage", None)
    if isinstance(usage, CompletionUsage):
        return usage
    if isinstance(usage, Mapping):
        return CompletionUsage.model_validate(usage)
    return None


def stream_usage(first: object, last_with_usage: object) -> tuple[str, CompletionUsage | None] | None:
    """The model and usage of a finished chat stream, or ``None`` for another stream.

    ``first`` is the stream's first chunk, ``last_with_usage`` the last one that carried a
    usage (``None`` when none did): the usage and the model are read from it.
    """
    if not isinstance(first, ChatCompletionChunk):
        return None
    usage = None if last_with_usage is None else chunk_usage(last_with_usage)
    if usage is None:
        return str(first.model), None
    return str(getattr(last_with_usage, "model", first.model)), usage


class UsageTotals:
    """Running totals of a client's chat requests: ``client.usage``. Shared by the client's copies.

    Requests are counted as their answers are read: a completion once parsed, a stream once
    ``[DONE]`` arrived (its usage from the final chunk). A stream cut off before ``[DONE]`` and
    a ``with_raw_response`` answer never parsed are not counted.
    """

    def __init__(self, currency: Currency = "USD") -> None:
        self.currency: Currency = currency
        """The currency :meth:`cost` prices in by default: the one the client's platform bills in."""
        self._lock = threading.Lock()
        self._by_model: dict[str, TokenCounts] = {}

    @classmethod
    def for_platform(cls, region: str | None) -> UsageTotals:
        """Totals priced in the platform's currency (USD where none is known, a self-hosted engine)."""
        return cls(PLATFORM_CURRENCY.get(region, "USD"))

    def add(self, model: str, usage: CompletionUsage | None) -> None:
        """Count one request (an answer without usage counts with zero tokens)."""
        with self._lock:
            counts = self._by_model.get(model)
            if counts is None:
                counts = self._by_model[model] = TokenCounts()
            counts.requests += 1
            if usage is not None:
                counts.prompt_tokens += usage.prompt_tokens
                counts.completion_tokens += usage.completion_tokens
                counts.cached_tokens += cached_tokens(usage)

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._by_model = {}

    @property
    def by_model(self) -> dict[str, TokenCounts]:
        """A snapshot of the counts, per model id (as the answers named it)."""
        with self._lock:
            return {
                model: TokenCounts(c.requests, c.prompt_tokens, c.completion_tokens, c.cached_tokens)
                for model, c in self._by_model.items()
            }

    def _sum(self, name: str) -> int:
        return sum(getattr(counts, name) for counts in self.by_model.values())

    @property
    def requests(self) -> int:
        return self._sum("requests")

    @property
    def prompt_tokens(self) -> int:
        return self._sum("prompt_tokens")

    @property
    def completion_tokens(self) -> int:
        return self._sum("completion_tokens")

    @property
    def total_tokens(self) -> int:
        return self._sum("total_tokens")

    @property
    def cached_tokens(self) -> int:
        return self._sum("cached_tokens")

    @property
    def cache_hit_ratio(self) -> float | None:
        """Share of prompt tokens served from the prompt cache; ``None`` before any prompt token."""
        counts = self.by_model.values()
        prompt = sum(c.prompt_tokens for c in counts)
        return sum(c.cached_tokens for c in counts) / prompt if prompt else None

    def cost(self, currency: Currency | None = None, *, prices: Prices | None = None) -> float | None:
        """The cost so far: list prices in ``currency`` (default :attr:`currency`), or ``prices``.

        ``None`` when a model used has no price. Tiered prices need each request's prompt size,
        which running totals do not keep: price a tier per answer with :func:`usage_cost`, or
        use a conversation's usage, which keeps them.
        """
        return totals_cost(self.by_model, currency or self.currency, prices)

    def __repr__(self) -> str:
        return f"UsageTotals(requests={self.requests}, total_tokens={self.total_tokens}, cached_tokens={self.cached_tokens})"


def totals_cost(by_model: Mapping[str, TokenCounts], currency: str, prices: Prices | None) -> float | None:
    """The cost of per-model totals at flat prices (a tiered price is refused: see :meth:`UsageTotals.cost`)."""
    total = 0.0
    for model, counts in by_model.items():
        found = resolve_prices(model, currency, prices)
        if found is None:
            return None
        if isinstance(found, TieredPrices):
            raise KimiValidationError(
                f"tiered prices for {model!r} are chosen per request by its prompt size, which running totals "
                "do not keep: price each answer with usage_cost(completion, prices=...), or use a "
                "Conversation's usage, which keeps every request."
            )
        total += found.cost(counts.prompt_tokens, counts.completion_tokens, counts.cached_tokens)
    return total


def requests_cost(
    requests: Iterable[tuple[str, int, int, int]], currency: str, prices: Prices | None
) -> float | None:
    """The cost of single requests ``(model, prompt, completion, cached)``: tiers chosen per request."""
    total = 0.0
    for model, prompt, completion, cached in requests:
        found = resolve_prices(model, currency, prices)
        if found is None:
            return None
        total += found.cost(prompt, completion, cached)
    return total
