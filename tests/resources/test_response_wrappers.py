"""``with_raw_response`` and ``with_streaming_response`` of every Kimi method, sync and async.

Each wrapper returns openai's response object, its headers readable, and its ``.parse()``
gives the Kimi type the plain call returns (``KimiParsedChatCompletion`` with
``reasoning_content`` and ``.parsed`` for ``parse``). Reached both ways openai offers:
``client.<resource>.with_raw_response.<method>`` and ``client.with_raw_response.<resource>.<method>``.
Against the in-process emulator.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from openai.types import Batch, FileObject
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.lib.partial import AsyncPartialStream, PartialChatCompletion, PartialStream
from kimi_openai.resources.files import AsyncKimiFilePage, KimiFilePage
from kimi_openai.testing import MoonshotEmulator, Usage
from kimi_openai.types import Balance, FiberResult, KimiResponse, TokenEstimate
from kimi_openai.types.chat import (
    KimiChatCompletion,
    KimiChatCompletionChunk,
    KimiChatCompletionMessage,
    KimiParsedChatCompletion,
    KimiParsedChatCompletionMessage,
)
from kimi_openai.types.file_content import ExtractedFile
from kimi_openai.types.model import KimiModel

pytestmark = pytest.mark.usefixtures("restore_model_registry")

MODEL = "kimi-k2.6"
MESSAGES: list[Any] = [{"role": "user", "content": "What is six times seven?"}]
REASONING = "Six sevens are forty-two."
ANSWER = '{"answer": "42"}'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
KINDS = ["with_raw_response", "with_streaming_response"]
VIAS = ["resource", "client"]


class Answer(BaseModel):
    answer: str


@dataclass(frozen=True)
class Context:
    document: Path
    image: Path
    extract_id: str
    batch_input_id: str


@dataclass(frozen=True)
class Case:
    """One Kimi method: how to call it on a wrapper namespace, and what its ``.parse()`` must give."""

    call: Callable[[Any, Context], Any]
    check: Callable[[Any, list[Any]], None]
    chat: bool = False
    """Queue a chat answer (with reasoning) first."""


def _check_completion(parsed: Any, _: list[Any]) -> None:
    assert type(parsed) is KimiChatCompletion
    message = parsed.choices[0].message
    assert isinstance(message, KimiChatCompletionMessage)
    assert (message.reasoning_content, message.content) == (REASONING, ANSWER)


def _check_stream(parsed: Any, chunks: list[Any]) -> None:
    assert isinstance(parsed, KimiStream | AsyncKimiStream)
    assert chunks
    assert all(isinstance(chunk, KimiChatCompletionChunk) for chunk in chunks)
    assert "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices) == REASONING


def _check_parsed(parsed: Any, _: list[Any]) -> None:
    assert isinstance(parsed, KimiParsedChatCompletion)
    completion = cast("KimiParsedChatCompletion[Answer]", parsed)
    message = completion.choices[0].message
    assert isinstance(message, KimiParsedChatCompletionMessage)
    assert message.reasoning_content == REASONING
    assert message.parsed == Answer(answer="42")


def _check_partial(parsed: Any, _: list[Any]) -> None:
    assert isinstance(parsed, PartialChatCompletion)
    assert (parsed.prefix, parsed.text) == ("{", ANSWER)  # the emulator answers the rest of ANSWER
    assert parsed.choices[0].message.reasoning_content == REASONING


def _check_partial_stream(parsed: Any, chunks: list[Any]) -> None:
    assert isinstance(parsed, PartialStream | AsyncPartialStream)
    assert parsed.finished
    assert (parsed.prefix, parsed.text) == ("{", ANSWER)
    assert all(isinstance(chunk, KimiChatCompletionChunk) for chunk in chunks)


def _is(kind: type | tuple[type, ...]) -> Callable[[Any, list[Any]], None]:
    def check(parsed: Any, _: list[Any]) -> None:
        assert isinstance(parsed, kind), type(parsed)

    return check


def _check_extracted(parsed: Any, _: list[Any]) -> None:
    assert isinstance(parsed, ExtractedFile)
    assert parsed.content == "Kimi reads this."


def _check_media(parsed: Any, _: list[Any]) -> None:
    assert parsed["type"] == "image_url"
    assert parsed["image_url"]["url"].startswith("ms://")


def _check_tools(parsed: Any, _: list[Any]) -> None:
    assert parsed
    assert all(tool["type"] == "function" for tool in parsed)


def _check_models(parsed: Any, _: list[Any]) -> None:
    # refresh_specs gives a list, models.list a page.
    models = cast("list[object]", getattr(parsed, "data", parsed))
    assert models
    assert all(isinstance(model, KimiModel) for model in models)


def _batch_line() -> bytes:
    body = {"model": MODEL, "messages": MESSAGES}
    line = {"custom_id": "1", "method": "POST", "url": "/v1/chat/completions", "body": body}
    return json.dumps(line).encode() + b"\n"


CASES: dict[str, Case] = {
    "chat.completions.create": Case(
        lambda w, _: w.chat.completions.create(model=MODEL, messages=MESSAGES), _check_completion, chat=True
    ),
    "chat.completions.create(stream=True)": Case(
        lambda w, _: w.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True),
        _check_stream,
        chat=True,
    ),
    "chat.completions.parse": Case(
        lambda w, _: w.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=Answer),
        _check_parsed,
        chat=True,
    ),
    "chat.completions.partial": Case(
        lambda w, _: w.chat.completions.partial(model=MODEL, messages=MESSAGES, prefix="{"),
        _check_partial,
        chat=True,
    ),
    "chat.completions.partial(stream=True)": Case(
        lambda w, _: w.chat.completions.partial(model=MODEL, messages=MESSAGES, prefix="{", stream=True),
        _check_partial_stream,
        chat=True,
    ),
    "files.create": Case(
        lambda w, c: w.files.create(file=c.document, purpose="file-extract"), _is(FileObject)
    ),
    "files.list": Case(lambda w, _: w.files.list(), _is((KimiFilePage, AsyncKimiFilePage))),
    "files.extract": Case(lambda w, c: w.files.extract(c.document), _check_extracted),
    "files.retrieve_extracted": Case(lambda w, c: w.files.retrieve_extracted(c.extract_id), _check_extracted),
    "files.upload_media": Case(lambda w, c: w.files.upload_media(c.image), _check_media),
    "tokenizers.estimate_token_count": Case(
        lambda w, _: w.tokenizers.estimate_token_count(model=MODEL, messages=MESSAGES), _is(TokenEstimate)
    ),
    "users.balance": Case(lambda w, _: w.users.balance(), _is(Balance)),
    "formulas.tools": Case(lambda w, _: w.formulas.tools("moonshot/date:latest"), _check_tools),
    "formulas.call": Case(lambda w, _: w.formulas.call("moonshot/date:latest", "date", {}), _is(FiberResult)),
    "models.list": Case(lambda w, _: w.models.list(), _check_models),
    "models.retrieve": Case(lambda w, _: w.models.retrieve(MODEL), _is(KimiModel)),
    "models.refresh_specs": Case(lambda w, _: w.models.refresh_specs(), _check_models),
    "responses.create": Case(
        lambda w, _: w.responses.create(model="kimi-k3", input="What is six times seven?"), _is(KimiResponse)
    ),
    "batches.create": Case(
        lambda w, c: w.batches.create(completion_window="24h", input_file_id=c.batch_input_id), _is(Batch)
    ),
}


@pytest.fixture
def context(tmp_path: Path, kimi_emulator_client: KimiOpenAI) -> Context:
    # Uploads the cases read, made with the plain (sync) client on the same emulator.
    document, image = tmp_path / "notes.txt", tmp_path / "pic.png"
    document.write_text("Kimi reads this.")
    image.write_bytes(PNG)
    files = kimi_emulator_client.files
    extract_id = files.create(file=document, purpose="file-extract").id
    batch_input_id = files.create(file=("input.jsonl", _batch_line()), purpose="batch").id
    return Context(document, image, extract_id, batch_input_id)


def _namespace(client: KimiOpenAI | AsyncKimiOpenAI, kind: str, via: str) -> Any:
    """What ``<resource>.<method>`` is called on: the client's wrapper, or each resource's."""
    if via == "client":
        return getattr(client, kind)
    resources = ("files", "tokenizers", "users", "formulas", "models", "batches", "responses")
    chat = SimpleNamespace(completions=getattr(client.chat.completions, kind))
    return SimpleNamespace(chat=chat, **{name: getattr(getattr(client, name), kind) for name in resources})


def _check_response(response: Any, kind: str) -> None:
    assert response.headers["x-request-id"].startswith("req-")
    marker = response.http_request.headers["x-stainless-raw-response"]
    assert marker == ("true" if kind == "with_raw_response" else "stream")


def _chunks(parsed: object) -> list[Any]:
    return list(parsed) if isinstance(parsed, KimiStream | PartialStream) else []  # pyright: ignore[reportUnknownArgumentType]


async def _async_chunks(parsed: object) -> list[Any]:
    if isinstance(parsed, AsyncKimiStream | AsyncPartialStream):
        return [chunk async for chunk in parsed]  # pyright: ignore[reportUnknownVariableType]
    return []


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(CASES))
def test_sync_wrapper_parses_into_the_kimi_type(
    name: str,
    kind: str,
    via: str,
    kimi_emulator: MoonshotEmulator,
    kimi_emulator_client: KimiOpenAI,
    context: Context,
) -> None:
    case = CASES[name]
    if case.chat:
        kimi_emulator.queue_text(ANSWER, reasoning=REASONING, usage=Usage(30, 12, 16))
    call = case.call(_namespace(kimi_emulator_client, kind, via), context)
    if kind == "with_raw_response":
        response, parsed = call, call.parse()
        chunks = _chunks(parsed)
    else:
        with call as response:
            parsed = response.parse()
            chunks = _chunks(parsed)
    _check_response(response, kind)
    case.check(parsed, chunks)


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(CASES))
async def test_async_wrapper_parses_into_the_kimi_type(
    name: str,
    kind: str,
    via: str,
    kimi_emulator: MoonshotEmulator,
    async_kimi_emulator_client: AsyncKimiOpenAI,
    context: Context,
) -> None:
    case = CASES[name]
    if case.chat:
        kimi_emulator.queue_text(ANSWER, reasoning=REASONING, usage=Usage(30, 12, 16))
    call = case.call(_namespace(async_kimi_emulator_client, kind, via), context)
    if kind == "with_raw_response":
        response = await call
        parsed = response.parse()
        chunks = await _async_chunks(parsed)
    else:
        async with call as response:
            parsed = await response.parse()
            chunks = await _async_chunks(parsed)
    _check_response(response, kind)
    case.check(parsed, chunks)


NOT_WRAPPED = {
    "chat.completions.stream",  # a stream manager over create(stream=True), as in openai
    "files.wait_for_processing",  # polls retrieve(), as in openai
    "responses.connect",  # a WebSocket, not an HTTP response, as in openai
}
RESOURCES = ("chat.completions", "files", "tokenizers", "users", "formulas", "models", "batches", "responses")


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_every_kimi_method_is_wrapped_and_covered(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    # A method a Kimi resource defines (or overrides) without both wrappers, or without a case above, fails here.
    client = client_class(api_key="sk-test")
    covered = {name.split("(")[0] for name in CASES}
    for path in RESOURCES:
        resource: Any = client
        for part in path.split("."):
            resource = getattr(resource, part)
        kimi_classes = [c for c in type(resource).__mro__ if c.__module__.startswith("kimi_openai.")]
        methods = {
            n for c in kimi_classes for n, v in vars(c).items() if inspect.isfunction(v) and n[0] != "_"
        }
        for name in sorted(methods - {n.rpartition(".")[2] for n in NOT_WRAPPED if n.startswith(path + ".")}):
            for kind in KINDS:
                assert callable(getattr(getattr(resource, kind), name, None)), f"{path}.{kind}.{name}"
            assert f"{path}.{name}" in covered, f"no case for {path}.{name}"


def test_parse_keeps_the_request_id(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    # openai sets _request_id on what .parse() returns, after the post-parser built the Kimi type.
    kimi_emulator.queue_text(ANSWER, reasoning=REASONING)
    completion = kimi_emulator_client.chat.completions.parse(
        model=MODEL, messages=MESSAGES, response_format=Answer
    )
    assert isinstance(completion, KimiParsedChatCompletion)
    assert (completion._request_id or "").startswith("req-")  # pyright: ignore[reportPrivateUsage]
