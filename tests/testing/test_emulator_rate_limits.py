"""The enforcing rate limit: per-key sliding windows of requests and tokens, shared by every client."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import MoonshotEmulator, RateLimit
from kimi_openai.testing._server import main

BASE_URL = "http://emulator.local/v1"
HELLO: Any = [{"role": "user", "content": "hello"}]
LIMITS_PAGE = "see https://platform.moonshot.ai/docs/pricing/limits"


class ManualClock:
    """A clock the test moves by hand: windows slide without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def sdk(emulator: MoonshotEmulator, key: str = "sk-test") -> openai.OpenAI:
    http = httpx.Client(transport=emulator.transport())
    return openai.OpenAI(api_key=key, base_url=BASE_URL, http_client=http, max_retries=0)


def chat(client: openai.OpenAI) -> Any:
    """One chat call; its raw response, whatever its status."""
    try:
        return client.chat.completions.with_raw_response.create(model="kimi-k2.6", messages=HELLO)
    except openai.APIStatusError as exc:
        return exc.response


def limit_headers(response: Any) -> tuple[str, str, str]:
    headers = response.headers
    return headers["x-ratelimit-limit"], headers["x-ratelimit-remaining"], headers["x-ratelimit-reset"]


@pytest.fixture
def client(clock: ManualClock) -> Iterator[openai.OpenAI]:
    with sdk(MoonshotEmulator(rpm=3, rate_clock=clock)) as client:
        yield client


def test_a_burst_beyond_rpm_gets_429_with_retry_after(client: openai.OpenAI, clock: ManualClock) -> None:
    admitted = [chat(client) for _ in range(3)]
    clock.now += 15
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="kimi-k2.6", messages=HELLO)

    assert [r.status_code for r in admitted] == [200, 200, 200]
    error = refused.value
    assert error.status_code == 429
    assert error.body == {
        "type": "rate_limit_reached_error",
        "message": "Your account org-emulator / proj-emulator <ak-emulator> request reached project RPM rate limit, "
        f"current: 4, limit: 3, {LIMITS_PAGE}",
    }
    assert error.response.headers["retry-after"] == "45"
    assert limit_headers(error.response) == ("3", "0", "45")


def test_remaining_counts_down_and_comes_back_as_the_window_slides(
    client: openai.OpenAI, clock: ManualClock
) -> None:
    first = chat(client)
    clock.now += 20
    second = chat(client)
    clock.now += 20
    third = chat(client)
    clock.now += 19
    still_full = chat(client)
    clock.now += 1  # the first request is 60 s old: one slot comes back
    fourth = chat(client)
    clock.now += 20
    fifth = chat(client)

    assert limit_headers(first) == ("3", "2", "60")
    assert limit_headers(second) == ("3", "1", "40")
    assert limit_headers(third) == ("3", "0", "20")
    assert still_full.status_code == 429
    assert still_full.headers["retry-after"] == "1"
    assert (fourth.status_code, limit_headers(fourth)) == (200, ("3", "0", "20"))
    assert (fifth.status_code, limit_headers(fifth)) == (200, ("3", "0", "20"))


def test_a_refused_request_does_not_use_the_window(client: openai.OpenAI, clock: ManualClock) -> None:
    for _ in range(3):
        chat(client)
    for _ in range(5):
        assert chat(client).status_code == 429
    clock.now += 60

    assert [limit_headers(chat(client))[1] for _ in range(3)] == ["2", "1", "0"]


def test_two_keys_do_not_share_a_window(clock: ManualClock) -> None:
    emulator = MoonshotEmulator(rpm=2, rate_clock=clock)
    with sdk(emulator, "sk-alice") as alice, sdk(emulator, "sk-bob") as bob:
        alice_statuses = [chat(alice).status_code for _ in range(3)]
        bob_answer = chat(bob)

    assert alice_statuses == [200, 200, 429]
    assert bob_answer.status_code == 200
    assert limit_headers(bob_answer)[1] == "1"


def test_tokens_count_toward_tpm(clock: ManualClock) -> None:
    emulator = MoonshotEmulator(tpm=100, rate_clock=clock)
    headers = {"Authorization": "Bearer sk-test"}
    estimate_body = {"model": "kimi-k2.6", "messages": HELLO}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        cost = http.post("/tokenizers/estimate-token-count", json=estimate_body).json()["data"][
            "total_tokens"
        ]
        question = [{"role": "user", "content": "x" * ((40 - 4) * 4)}]  # 40 tokens with the message overhead
        answers = [
            http.post("/chat/completions", json={"model": "kimi-k2.6", "messages": question})
            for _ in range(3)
        ]
        clock.now += 30
        small = http.post("/chat/completions", json=estimate_body)
        too_big = http.post(
            "/chat/completions",
            json={"model": "kimi-k2.6", "messages": [{"role": "user", "content": "y" * 500}]},
        )

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json()["usage"]["prompt_tokens"] == 40
    assert limit_headers(answers[0]) == ("100", "60", "60")
    assert limit_headers(answers[1]) == ("100", "20", "60")
    refused = answers[2].json()["error"]
    assert refused["message"].startswith(
        "Your account org-emulator / proj-emulator <ak-emulator> request reached project TPM"
    )
    assert "current: 120, limit: 100" in refused["message"]
    assert answers[2].headers["retry-after"] == "60"
    assert cost < 20
    assert limit_headers(small) == ("100", str(20 - cost), "30")
    assert too_big.status_code == 429
    assert "retry-after" not in too_big.headers  # larger than the whole limit: waiting never helps


def test_responses_requests_share_the_window_and_count_their_input(clock: ManualClock) -> None:
    emulator = MoonshotEmulator(rpm=2, tpm=10_000, rate_clock=clock)
    with sdk(emulator) as client:
        created = client.responses.with_raw_response.create(model="kimi-k3", input="hello")
        chat(client)
        with pytest.raises(openai.RateLimitError, match="RPM rate limit"):
            client.responses.create(model="kimi-k3", input="hello")

    assert limit_headers(created)[:2] == ("2", "1")
    assert created.parse().status == "completed"


def test_other_endpoints_are_not_limited(client: openai.OpenAI) -> None:
    for _ in range(5):
        client.models.list()

    assert chat(client).status_code == 200


def test_the_limit_is_off_by_default() -> None:
    with sdk(MoonshotEmulator()) as client:
        answers = [chat(client) for _ in range(50)]

    assert {a.status_code for a in answers} == {200}
    assert "x-ratelimit-remaining" not in answers[-1].headers


def test_the_sdk_retries_after_the_window_frees_a_slot() -> None:
    emulator = MoonshotEmulator(rpm=1, rate_window=0.5)
    http = httpx.Client(transport=emulator.transport())
    with openai.OpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=2) as client:
        client.chat.completions.create(model="kimi-k2.6", messages=HELLO)
        second = client.chat.completions.with_raw_response.create(model="kimi-k2.6", messages=HELLO)

    assert second.retries_taken >= 1
    assert second.parse().choices[0].message.content == "You said: hello"


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="rpm must be at least 1"):
        MoonshotEmulator(rpm=0)
    with pytest.raises(ValueError, match="rate_window must be more than 0"):
        MoonshotEmulator(tpm=10, rate_window=0)
    with pytest.raises(ValueError, match="exclude each other"):
        MoonshotEmulator(rpm=5, rate_limit=RateLimit())


FLEET_WORKER = textwrap.dedent(
    """
    import sys
    import openai

    client = openai.OpenAI(api_key="sk-fleet", base_url=sys.argv[1], max_retries=0)
    statuses = []
    for _ in range(4):
        try:
            client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
            statuses.append("200")
        except openai.RateLimitError:
            statuses.append("429")
    print(" ".join(statuses))
    """
)


def test_client_processes_on_one_key_share_the_window() -> None:
    emulator = MoonshotEmulator(rpm=5)
    with emulator.serve() as base_url:
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", FLEET_WORKER, base_url], stdout=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        outputs = [worker.communicate(timeout=120)[0].split() for worker in workers]

    statuses = [status for output in outputs for status in output]
    assert len(statuses) == 12
    assert statuses.count("200") == 5
    assert statuses.count("429") == 7


def test_the_command_line_enforces_rpm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kimi_openai", "emulator", "--port", "0", "--rpm", "2", "--tpm", "100000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        with openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0) as client:
            statuses = [chat(client).status_code for _ in range(3)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    assert statuses == [200, 200, 429]


def test_the_command_line_names_the_limit_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out

    assert all(option in usage for option in ("--rpm", "--tpm", "--rate-window"))
    assert main(["--port", "0", "--rpm", "0"]) == 2
    assert "rpm must be at least 1" in capsys.readouterr().err
