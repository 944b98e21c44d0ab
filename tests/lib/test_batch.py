"""Batches: openai's resource on Moonshot's shapes, the Kimi checks, and run_batch/resume_batch."""

from __future__ import annotations

import json
import re
import sys
import types
from typing import Any, cast

import openai
import pytest
import tenacity
from openai.types import Batch

from kimi_openai import KimiOpenAI, KimiValidationError, RetryPolicy
from kimi_openai._client import AsyncKimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import ServerUnavailableError
from kimi_openai._retry import is_retryable
from kimi_openai.lib import _batch_poll
from kimi_openai.lib._batch_poll import Progress
from kimi_openai.lib.batch import (
    BatchTimeoutError,
    async_resume_batch,
    async_run_batch,
    batch_lines,
    parse_batch_output,
    resume_batch,
    run_batch,
)
from kimi_openai.resources.batches import AsyncKimiBatches, KimiBatches
from kimi_openai.resources.files import KimiFiles
from kimi_openai.testing import MoonshotEmulator, ToolCall
from kimi_openai.testing.pytest_plugin import KimiClientFactory
from kimi_openai.types.chat import KimiChatCompletion

MODEL = "kimi-k2.6"


def _ask(text: str, **more: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": text}], **more}


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The poll loop's waits, recorded instead of slept."""
    slept: list[float] = []

    async def async_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_batch_poll, "_sleep", slept.append)
    monkeypatch.setattr(_batch_poll, "_async_sleep", async_sleep)
    return slept


def _input_file(kimi_emulator_client: KimiOpenAI, *texts: str) -> str:
    lines = batch_lines([_ask(t) for t in texts], model=MODEL)
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    return KimiFiles(kimi_emulator_client).create(file=("input.jsonl", data), purpose="batch").id


# -- openai's own resource against Moonshot's shapes ------------------------------------------


def test_openai_batches_lifecycle_validates_every_field(kimi_emulator_client: KimiOpenAI) -> None:
    file_id = _input_file(kimi_emulator_client, "one", "two")
    raw = kimi_emulator_client.batches.with_raw_response.create(
        completion_window="24h", endpoint="/v1/chat/completions", input_file_id=file_id, metadata={"job": "t"}
    )
    created = Batch.model_validate(json.loads(raw.text))  # strict: every field must fit openai's model
    assert (created.status, created.endpoint, created.input_file_id) == (
        "validating",
        "/v1/chat/completions",
        file_id,
    )
    assert created.metadata == {"job": "t"}
    seen: list[str] = []
    while True:
        wire = json.loads(kimi_emulator_client.batches.with_raw_response.retrieve(created.id).text)
        batch = Batch.model_validate(wire)
        seen.append(batch.status)
        if batch.status == "completed":
            break
    assert seen == ["in_progress", "finalizing", "completed"]
    expected = {
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "cancelling_at",
        "cancelled_at",
    }
    assert expected | {"expires_at", "output_file_id", "error_file_id", "request_counts"} <= wire.keys()
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed, batch.request_counts.total) == (
        2,
        0,
        2,
    )
    assert batch.output_file_id is not None
    output = kimi_emulator_client.files.content(batch.output_file_id).text
    assert {json.loads(line)["custom_id"] for line in output.splitlines()} == {"request-0", "request-1"}


def test_openai_batches_list_pages_with_has_more(kimi_emulator_client: KimiOpenAI) -> None:
    file_id = _input_file(kimi_emulator_client, "one")
    ids = [
        kimi_emulator_client.batches.create(
            completion_window="24h", endpoint="/v1/chat/completions", input_file_id=file_id
        ).id
        for _ in range(3)
    ]
    first = kimi_emulator_client.batches.list(limit=2)
    assert (len(first.data), first.has_more) == (2, True)
    assert sorted(b.id for b in kimi_emulator_client.batches.list(limit=2)) == sorted(ids)


def test_openai_batches_cancel(kimi_emulator_client: KimiOpenAI) -> None:
    file_id = _input_file(kimi_emulator_client, "one")
    batch = kimi_emulator_client.batches.create(
        completion_window="24h", endpoint="/v1/chat/completions", input_file_id=file_id
    )
    assert kimi_emulator_client.batches.cancel(batch.id).status == "cancelling"
    final = kimi_emulator_client.batches.retrieve(batch.id)
    assert (final.status, final.output_file_id) == ("cancelled", None)
    assert final.cancelled_at is not None
    with pytest.raises(openai.BadRequestError, match="cannot be cancelled"):
        kimi_emulator_client.batches.cancel(batch.id)


# -- KimiBatches.create checks ----------------------------------------------------------------


@pytest.mark.parametrize("window", ["6h", "8d", "24", "forever"])
def test_completion_window_outside_12h_to_7d(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator, window: str
) -> None:
    kimi_emulator.clear_requests()
    with pytest.raises(KimiValidationError, match="'12h' to '7d'"):
        KimiBatches(kimi_emulator_client).create(completion_window=window, input_file_id="file-x")
    assert kimi_emulator.requests == ()


def test_kimi_windows_and_default_endpoint(kimi_emulator_client: KimiOpenAI) -> None:
    file_id = _input_file(kimi_emulator_client, "one")
    batch = KimiBatches(kimi_emulator_client).create(completion_window="3d", input_file_id=file_id)
    assert (batch.completion_window, batch.endpoint) == ("3d", "/v1/chat/completions")
    raw = KimiBatches(kimi_emulator_client).with_raw_response.create(
        completion_window="12h", input_file_id=file_id
    )
    assert raw.parse().completion_window == "12h"


def test_endpoint_and_metadata_limits(kimi_emulator_client: KimiOpenAI) -> None:
    batches = KimiBatches(kimi_emulator_client)
    with pytest.raises(KimiValidationError, match="only '/v1/chat/completions'"):
        batches.create(completion_window="24h", input_file_id="f", endpoint="/v1/embeddings")
    with pytest.raises(KimiValidationError, match="at most 16"):
        batches.create(completion_window="24h", input_file_id="f", metadata={str(i): "v" for i in range(17)})
    with pytest.raises(KimiValidationError, match="at most 64"):
        batches.create(completion_window="24h", input_file_id="f", metadata={"k" * 65: "v"})


# -- writing the lines ------------------------------------------------------------------------


def test_lines_use_openai_format_and_fill_in_ids() -> None:
    lines = batch_lines(
        [
            _ask("a"),
            _ask("b", custom_id="request-0"),
            _ask("c", extra_body={"thinking": {"type": "disabled"}}),
        ],
        model=MODEL,
    )
    assert [line["custom_id"] for line in lines] == ["request-0-1", "request-0", "request-2"]
    assert lines[1] == {
        "custom_id": "request-0",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"messages": [{"role": "user", "content": "b"}], "model": MODEL},
    }
    assert cast(dict[str, object], lines[2]["body"])["thinking"] == {"type": "disabled"}


def test_ready_lines_pass_through() -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    lines = batch_lines(
        [
            {"custom_id": "x", "body": body},
            {"custom_id": "y", "method": "post", "url": "/v1/chat/completions", "body": body},
        ]
    )
    assert [line["custom_id"] for line in lines] == ["x", "y"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"custom_id": "emb", "url": "/v1/embeddings"}, "request 1 (custom_id 'emb'): url='/v1/embeddings'"),
        ({"method": "GET"}, "request 1: method='GET'"),
    ],
)
def test_a_ready_line_for_another_endpoint_is_refused(line: dict[str, object], expected: str) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(KimiValidationError, match=re.escape(expected)):
        batch_lines([{"body": body}, {**line, "body": body}])


TOOL_SCHEMA: dict[str, Any] = {
    "title": "Args",
    "type": "object",
    "properties": {"unit": {"enum": ["c", "f"], "title": "Unit"}},
}


def test_lines_follow_the_client_options(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": TOOL_SCHEMA}}
    request = _ask("a", max_tokens=10, temperature=0.2, tools=[tool])
    with (
        kimi_emulator_client_factory() as default,
        pytest.raises(KimiValidationError, match="temperature"),
    ):
        batch_lines([request], model=MODEL, client=default)
    options = {
        "validation": False,
        "max_tokens_field": "max_completion_tokens",
        "normalize_tool_schemas": False,
    }
    with kimi_emulator_client_factory(**options) as kimi:  # pyright: ignore[reportArgumentType]
        body = cast(dict[str, object], batch_lines([request], model=MODEL, client=kimi)[0]["body"])
    assert (body["max_completion_tokens"], body["temperature"], body["tools"]) == (10, 0.2, [tool])
    assert "max_tokens" not in body


def test_lines_for_a_self_hosted_engine_skip_moonshot_platform_rules(kimi_emulator: MoonshotEmulator) -> None:
    # At most 5 stop strings is a rule of Moonshot's API, not of the weights (https://platform.kimi.ai/docs/api/chat).
    request = _ask("a", stop=["a", "b", "c", "d", "e", "f"])
    with pytest.raises(KimiValidationError, match="stop"):
        batch_lines([request], model=MODEL)
    http_client = httpx.Client(transport=kimi_emulator.transport())
    with KimiOpenAI(api_key="dummy", base_url="http://localhost:8000/v1", http_client=http_client) as local:
        (line,) = batch_lines([request], model=MODEL, client=local)
    assert cast(dict[str, object], line["body"])["stop"] == ["a", "b", "c", "d", "e", "f"]


def test_run_batch_takes_the_client_options(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    # The client skips the checks, so the server refuses the line inside the batch.
    with kimi_emulator_client_factory(validation=False) as kimi:
        result = run_batch(kimi, [_ask("hot", temperature=0.2)], model=MODEL, poll_interval=0, progress=False)
    assert result.failures["request-0"].status_code == 400


ASKED: dict[str, object] = {"role": "user", "content": "Weather in Paris?"}


def _rebuilt_turn(call_id: str) -> dict[str, object]:
    """An assistant tool-call turn as a framework rebuilds it, without its reasoning_content."""
    call = {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    return {"role": "assistant", "content": "", "tool_calls": [call]}


def _follow_up(call_id: str) -> dict[str, object]:
    answer = {"role": "tool", "tool_call_id": call_id, "content": '{"temp_c": 21}'}
    return {"model": MODEL, "messages": [ASKED, _rebuilt_turn(call_id), answer]}


def test_lines_get_the_reasoning_the_client_remembers(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    # https://platform.kimi.ai/docs/guide/use-thinking-models: the tool-call turn needs its reasoning back.
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {}, id="k:0"), reasoning="Known.")
    kimi_emulator_client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather in Paris?"}]
    )
    (line,) = batch_lines([_follow_up("k:0")], client=kimi_emulator_client)
    messages = cast(list[dict[str, object]], cast(dict[str, object], line["body"])["messages"])
    assert messages[1]["reasoning_content"] == "Known."


def test_lines_follow_the_client_echo_policy(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    with kimi_emulator_client_factory(reasoning_echo="strict") as strict:
        with pytest.raises(KimiValidationError, match="reasoning"):
            batch_lines([_follow_up("other:0")], client=strict)
        # A forced tool turns thinking off first, as in a direct call: then no reasoning is needed.
        tool = {"type": "function", "function": {"name": "get_weather", "parameters": TOOL_SCHEMA}}
        forced = {"type": "function", "function": {"name": "get_weather"}}
        (line,) = batch_lines(
            [{**_follow_up("other:0"), "tools": [tool], "tool_choice": forced}], client=strict
        )
    body = cast(dict[str, Any], line["body"])
    assert body["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in body["messages"][1]


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        ([], "at least one request"),
        ([_ask("a", custom_id="same"), _ask("b", custom_id="same")], "'same' is used twice"),
        ([_ask("a", model="kimi-k2.6"), _ask("b", model="kimi-k3")], "same model"),
        ([_ask("a", stream=True)], "stream=True"),
        ([_ask("a", timeout=3)], "timeout cannot be sent"),
        ([_ask("a", custom_id=7)], "non-empty string"),
    ],
)
def test_bad_batches_are_refused_before_any_request(
    kimi_emulator_client: KimiOpenAI,
    kimi_emulator: MoonshotEmulator,
    requests: list[dict[str, object]],
    expected: str,
) -> None:
    with pytest.raises(KimiValidationError, match=expected):
        run_batch(kimi_emulator_client, requests, model=MODEL, progress=False)
    assert kimi_emulator.requests == ()


def test_requests_go_through_the_chat_rules(kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(KimiValidationError):
        run_batch(kimi_emulator_client, [_ask("a", temperature=0.2)], model=MODEL, progress=False)


def test_a_request_without_model() -> None:
    with pytest.raises(KimiValidationError, match="has no model"):
        batch_lines([_ask("a")])


# -- run_batch, resume_batch ------------------------------------------------------------------


def test_run_batch_collects_typed_completions(kimi_emulator_client: KimiOpenAI) -> None:
    statuses: list[str] = []
    result = run_batch(
        kimi_emulator_client,
        [_ask("hi", custom_id="greet"), _ask("bye")],
        model=MODEL,
        poll_interval=0,
        progress=lambda batch: statuses.append(batch.status),
        metadata={"job": "nightly"},
    )
    assert statuses == ["in_progress", "finalizing", "completed"]
    assert result.succeeded
    assert set(result.completions) == {"greet", "request-1"}
    greet = result.completions["greet"]
    assert isinstance(greet, KimiChatCompletion)
    assert greet.choices[0].message.content == "You said: hi"
    assert result.batch.metadata == {"job": "nightly"}


def test_failed_lines_are_reported_apart(kimi_emulator_client: KimiOpenAI) -> None:
    # validate=False lets a request through that the server then refuses inside the batch.
    result = run_batch(
        kimi_emulator_client,
        [_ask("ok"), _ask("hot", temperature=0.2)],
        model=MODEL,
        validate=False,
        poll_interval=0,
        progress=False,
    )
    assert set(result.completions) == {"request-0"}
    failure = result.failures["request-1"]
    assert (failure.status_code, failure.error_type) == (400, "invalid_request_error")
    assert "temperature" in failure.message
    assert not result.succeeded
    assert result.batch.error_file_id is not None


def test_cancelled_batch_reports_missing_requests(kimi_emulator_client: KimiOpenAI) -> None:
    def cancel_when_running(batch: Batch) -> None:
        if batch.status == "in_progress":
            kimi_emulator_client.batches.cancel(batch.id)

    result = run_batch(
        kimi_emulator_client,
        [_ask("a"), _ask("b")],
        model=MODEL,
        poll_interval=0,
        progress=cancel_when_running,
    )
    assert result.batch.status == "cancelled"
    assert (result.completions, result.failures) == ({}, {})
    assert result.missing == ("request-0", "request-1")


def test_resume_after_a_timeout(kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(BatchTimeoutError, match="resume_batch") as caught:
        run_batch(kimi_emulator_client, [_ask("a")], model=MODEL, poll_interval=0, timeout=0, progress=False)
    assert caught.value.batch.status == "in_progress"
    # A new process knows only the id.
    result = resume_batch(kimi_emulator_client, caught.value.batch.id, poll_interval=0, progress=False)
    assert result.batch.status == "completed"
    assert list(result.completions) == ["request-0"]


def test_resume_an_existing_batch(kimi_emulator_client: KimiOpenAI) -> None:
    file_id = _input_file(kimi_emulator_client, "x", "y")
    batch = KimiBatches(kimi_emulator_client).create(completion_window="24h", input_file_id=file_id)
    result = resume_batch(
        kimi_emulator_client,
        batch.id,
        custom_ids=["request-0", "request-1", "ghost"],
        poll_interval=0,
        progress=False,
    )
    assert set(result.completions) == {"request-0", "request-1"}
    assert result.missing == ("ghost",)


def test_retryable_poll_errors_are_retried(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    file_id = _input_file(kimi_emulator_client, "x")
    batch = KimiBatches(kimi_emulator_client).create(completion_window="24h", input_file_id=file_id)
    kimi_emulator.queue_server_error(503, path="/v1/batches/*").queue_overloaded(
        retry_after=0, path="/v1/batches/*"
    )
    assert (
        resume_batch(kimi_emulator_client, batch.id, poll_interval=0, progress=False).batch.status
        == "completed"
    )


def test_too_many_poll_errors_in_a_row(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    file_id = _input_file(kimi_emulator_client, "x")
    batch = KimiBatches(kimi_emulator_client).create(completion_window="24h", input_file_id=file_id)
    for _ in range(3):
        kimi_emulator.queue_server_error(503, path="/v1/batches/*")
    with pytest.raises(ServerUnavailableError):
        resume_batch(kimi_emulator_client, batch.id, poll_interval=0, max_poll_errors=3, progress=False)


def test_a_non_retryable_poll_error_raises_at_once(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    with pytest.raises(openai.NotFoundError):
        resume_batch(kimi_emulator_client, "batch_missing", poll_interval=0, progress=False)
    assert len(kimi_emulator.requests) == 1


def _polls(kimi_emulator: MoonshotEmulator) -> int:
    return sum(1 for r in kimi_emulator.requests if r.method == "GET" and r.path.startswith("/v1/batches/"))


def _new_batch(kimi_emulator_client: KimiOpenAI) -> str:
    return (
        KimiBatches(kimi_emulator_client)
        .create(completion_window="24h", input_file_id=_input_file(kimi_emulator_client, "x"))
        .id
    )


@pytest.mark.parametrize(("status", "kind"), [(429, "engine_overloaded_error"), (503, "server_unavailable")])
def test_a_poll_error_waits_out_retry_after(
    kimi_emulator_client: KimiOpenAI,
    kimi_emulator: MoonshotEmulator,
    sleeps: list[float],
    status: int,
    kind: str,
) -> None:
    batch_id = _new_batch(kimi_emulator_client)
    kimi_emulator.clear_requests()
    kimi_emulator.queue_error(
        status, kind, "try again later", headers={"Retry-After": "7"}, path="/v1/batches/*"
    )
    seen: list[str] = []
    result = resume_batch(
        kimi_emulator_client, batch_id, poll_interval=0, progress=lambda b: seen.append(b.status)
    )
    assert result.batch.status == "completed"
    assert sleeps[0] == 7
    assert _polls(kimi_emulator) == 1 + len(seen)  # the failed poll, then one per status


def test_a_retry_after_beyond_the_policy_cap_raises_at_once(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator, sleeps: list[float]
) -> None:
    with kimi_emulator_client_factory(retry_policy=RetryPolicy(retry_after_cap=5)) as kimi:
        batch_id = _new_batch(kimi)
        kimi_emulator.clear_requests()
        kimi_emulator.queue_overloaded(retry_after=7, path="/v1/batches/*")
        with pytest.raises(openai.RateLimitError):
            resume_batch(kimi, batch_id, poll_interval=0, progress=False)
    assert (_polls(kimi_emulator), sleeps) == (1, [])


def test_poll_errors_back_off_as_the_client_policy_says(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator, sleeps: list[float]
) -> None:
    with kimi_emulator_client_factory(retry_policy=RetryPolicy(initial_backoff=2, jitter=0)) as kimi:
        batch_id = _new_batch(kimi)
        kimi_emulator.queue_server_error(503, path="/v1/batches/*").queue_server_error(
            503, path="/v1/batches/*"
        )
        assert resume_batch(kimi, batch_id, poll_interval=0, progress=False).batch.status == "completed"
    assert sleeps[:3] == [2, 4, 0]


@pytest.mark.parametrize("layer", ["sdk", "tenacity"])
def test_polls_are_retried_by_the_poll_loop_only(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator, layer: str
) -> None:
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(3),
        retry=tenacity.retry_if_exception(is_retryable),
        wait=tenacity.wait_none(),
        reraise=True,
    )
    options: dict[str, object] = {"max_retries": 2} if layer == "sdk" else {"retry_policy": retrying}
    with kimi_emulator_client_factory(**options) as kimi:  # pyright: ignore[reportArgumentType]
        batch_id = _new_batch(kimi)
        kimi_emulator.clear_requests()
        for _ in range(6):
            kimi_emulator.queue_error(
                503, "server_unavailable", "busy", headers={"Retry-After": "0"}, path="/v1/batches/*"
            )
        with pytest.raises(ServerUnavailableError):
            resume_batch(kimi, batch_id, poll_interval=0, max_poll_errors=2, progress=False)
    assert _polls(kimi_emulator) == 2


def test_output_lines_with_a_line_level_error() -> None:
    ok: dict[str, object] = {
        "id": "r1",
        "custom_id": "a",
        "response": {
            "status_code": 200,
            "body": {"id": "c", "object": "chat.completion", "created": 1, "model": MODEL, "choices": []},
        },
        "error": None,
    }
    bad: dict[str, object] = {
        "id": "r2",
        "custom_id": "b",
        "response": None,
        "error": {"code": "batch_expired", "message": "expired"},
    }
    done, failed = parse_batch_output("\n".join(json.dumps(x) for x in (ok, bad)) + "\n\n")
    assert list(done) == ["a"]
    assert (failed["b"].status_code, failed["b"].error_type, failed["b"].message) == (
        None,
        "batch_expired",
        "expired",
    )


class _FakeBar:
    """What the progress bar uses of tqdm."""

    def __init__(self, **options: object) -> None:
        self.options = options
        self.total: float | None = None
        self.n: float = 0
        self.postfix = ""
        self.shown: list[tuple[float, float | None, str]] = []
        self.closed = False

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = s

    def refresh(self) -> None:
        self.shown.append((self.n, self.total, self.postfix))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[_FakeBar]:
    """Bars made by a stand-in ``tqdm.auto`` (tqdm itself is an optional extra)."""
    made: list[_FakeBar] = []

    def tqdm(**options: object) -> _FakeBar:
        made.append(_FakeBar(**options))
        return made[-1]

    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = tqdm  # pyright: ignore[reportAttributeAccessIssue]
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    return made


def test_progress_bar_shows_the_request_counts(
    kimi_emulator_client: KimiOpenAI, bars: list[_FakeBar]
) -> None:
    result = run_batch(kimi_emulator_client, [_ask("a"), _ask("b")], model=MODEL, poll_interval=0)
    (bar,) = bars
    assert bar.options == {"total": None, "desc": result.batch.id, "unit": "req"}
    assert bar.shown[-1] == (2, 2, "completed")
    assert [status for _, _, status in bar.shown] == ["in_progress", "finalizing", "completed"]
    assert bar.closed


def test_progress_bar_is_closed_on_timeout(kimi_emulator_client: KimiOpenAI, bars: list[_FakeBar]) -> None:
    with pytest.raises(BatchTimeoutError):
        run_batch(kimi_emulator_client, [_ask("a")], model=MODEL, poll_interval=0, timeout=0)
    assert bars[0].closed


def test_progress_without_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    progress = Progress(True, "batch_1")
    assert progress._bar is None  # pyright: ignore[reportPrivateUsage]
    progress.close()


# -- async ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_run_and_resume(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    result = await async_run_batch(
        async_kimi_emulator_client, [_ask("hi")], model=MODEL, poll_interval=0, progress=False
    )
    assert result.completions["request-0"].choices[0].message.content == "You said: hi"
    again = await async_resume_batch(
        async_kimi_emulator_client, result.batch.id, poll_interval=0, progress=False
    )
    assert again.completions.keys() == result.completions.keys()


@pytest.mark.anyio
async def test_async_poll_waits_out_retry_after(
    async_kimi_emulator_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, sleeps: list[float]
) -> None:
    result = await async_run_batch(
        async_kimi_emulator_client, [_ask("hi")], model=MODEL, poll_interval=0, progress=False
    )
    kimi_emulator.clear_requests()
    kimi_emulator.queue_overloaded(retry_after=7, path="/v1/batches/*")
    again = await async_resume_batch(
        async_kimi_emulator_client, result.batch.id, poll_interval=0, progress=False
    )
    assert again.batch.status == "completed"
    assert (sleeps[-1], _polls(kimi_emulator)) == (7, 2)


@pytest.mark.anyio
async def test_async_checks_and_timeout(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    with pytest.raises(KimiValidationError):
        await AsyncKimiBatches(async_kimi_emulator_client).create(completion_window="1h", input_file_id="f")
    with pytest.raises(BatchTimeoutError):
        await async_run_batch(
            async_kimi_emulator_client, [_ask("a")], model=MODEL, poll_interval=0, timeout=0, progress=False
        )
