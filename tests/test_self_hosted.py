"""A self-hosted K2 engine (vLLM, SGLang) behind the Kimi client, played by an in-process transport.

Without its Kimi tool-call parser, the engine returns K2's tool-call markup in
``content`` (https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md);
with ``k2_tool_call_markup=True`` the client turns it into ``tool_calls``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, KimiWarning
from kimi_openai._compat import httpx
from kimi_openai._constants import Region
from kimi_openai._k2_apply import k2_problems_of
from kimi_openai.lib.batch import batch_lines
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.types.chat import KimiChatCompletionChunk
from tests._helpers import Recorder

LOCAL = "http://localhost:8000/v1"
MOONSHOT = "https://api.moonshot.ai/v1"
PROXY = "https://llm-gateway.example.com/v1"  # the emulator answers any host, under /v1
MODEL = "moonshotai/Kimi-K2-Instruct"
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
MARKUP = (
    "Let me check both.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
    '<|tool_call_argument_begin|>{"city": "Beijing"}<|tool_call_end|>'
    "<|tool_call_begin|>functions.get_weather:1"
    '<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>'
)
ASK: list[Any] = [{"role": "user", "content": "Weather in Beijing and Paris?"}]


def engine_completion(content: str, finish_reason: str = "stop") -> dict[str, Any]:
    """A vLLM-style non-streamed body (no Moonshot-only fields)."""
    return {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "tool_calls": []},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
    }


def engine_stream(pieces: list[str]) -> bytes:
    """A vLLM-style SSE body sending ``pieces`` as content deltas, then a stop chunk and [DONE]."""
    head = {"id": "chatcmpl-local", "object": "chat.completion.chunk", "created": 1, "model": MODEL}
    deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
    deltas += [({"content": piece}, None) for piece in pieces]
    deltas.append(({}, "stop"))
    events = [
        {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        for delta, finish in deltas
    ]
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def split_awkwardly(text: str) -> list[str]:
    """Cuts inside tokens, ids and JSON: 7 characters per piece."""
    return [text[i : i + 7] for i in range(0, len(text), 7)]


class Engine(Recorder):
    """Answers the first chat request with ``first`` (stream or not) and later ones with plain text."""

    def __init__(self, content: str) -> None:
        super().__init__(respond=self.answer)
        self.content = content

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if len(self.requests) > 1:
            return httpx.Response(200, json=engine_completion("Sunny in both."))
        if body.get("stream"):
            stream = engine_stream(split_awkwardly(self.content))
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream)
        return httpx.Response(200, json=engine_completion(self.content))


def local_client(engine: Recorder, *, markup: bool = True) -> KimiOpenAI:
    # reasoning_echo="off": K2-Instruct does not think, so there is no reasoning to put back.
    return KimiOpenAI(
        base_url=LOCAL,
        api_key="dummy",
        k2_tool_call_markup=markup,
        reasoning_echo="off",
        http_client=engine.client(),
    )


def tool_turn(message: Any) -> list[Any]:
    """The next turn's messages: the assistant message as returned, then one tool result per call."""
    results = [
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"weather": "Sunny"})}
        for call in message.tool_calls
    ]
    return [*ASK, message, *results]


def test_markup_in_a_completion_becomes_tool_calls_and_the_ids_are_echoed_verbatim() -> None:
    engine = Engine(MARKUP)
    client = local_client(engine)
    completion = client.chat.completions.create(model=MODEL, messages=ASK, tools=[WEATHER_TOOL])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check both."
    calls = choice.message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownArgumentType]
        ("functions.get_weather:0", "get_weather", {"city": "Beijing"}),
        ("functions.get_weather:1", "get_weather", {"city": "Paris"}),
    ]
    assert k2_problems_of(choice.message) == []

    client.chat.completions.create(model=MODEL, messages=tool_turn(choice.message), tools=[WEATHER_TOOL])
    sent = engine.last_json()["messages"]
    assert [c["id"] for c in sent[1]["tool_calls"]] == ["functions.get_weather:0", "functions.get_weather:1"]
    assert [m["tool_call_id"] for m in sent[2:]] == ["functions.get_weather:0", "functions.get_weather:1"]
    assert "_k2_problems" not in sent[1]
    assert "<|" not in json.dumps(sent)


def test_markup_split_across_chunks_is_buffered_into_tool_call_deltas() -> None:
    engine = Engine(MARKUP)
    client = local_client(engine)
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=ASK, tools=[WEATHER_TOOL], stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Let me check both."
    calls = accumulate_calls(chunks)
    assert calls == {
        0: ("functions.get_weather:0", "get_weather", '{"city": "Beijing"}'),
        1: ("functions.get_weather:1", "get_weather", '{"city": "Paris"}'),
    }
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    # The next turn echoes the ids as streamed.
    message: Any = {
        "role": "assistant",
        "content": text,
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in calls.values()
        ],
    }
    results: list[Any] = [
        {"role": "tool", "tool_call_id": i, "content": "Sunny"} for i, _, _ in calls.values()
    ]
    client.chat.completions.create(model=MODEL, messages=[*ASK, message, *results])
    sent = engine.last_json()["messages"]
    assert [c["id"] for c in sent[1]["tool_calls"]] == ["functions.get_weather:0", "functions.get_weather:1"]


def accumulate_calls(chunks: list[KimiChatCompletionChunk]) -> dict[int, tuple[str, str, str]]:
    found: dict[int, list[str]] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                entry = found.setdefault(call.index, ["", "", ""])
                entry[0] += call.id or ""
                entry[1] += (call.function.name or "") if call.function else ""
                entry[2] += (call.function.arguments or "") if call.function else ""
    return {index: (e[0], e[1], e[2]) for index, e in found.items()}


@pytest.mark.parametrize("size", [1, 2, 3, 5, 11, 29])
def test_any_split_gives_the_same_calls(size: int) -> None:
    body = engine_stream([MARKUP[i : i + size] for i in range(0, len(MARKUP), size)])
    engine = Recorder(
        lambda _r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    )
    chunks = list(local_client(engine).chat.completions.create(model=MODEL, messages=ASK, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Let me check both."
    assert [v[0] for v in accumulate_calls(chunks).values()] == [
        "functions.get_weather:0",
        "functions.get_weather:1",
    ]


def test_markup_left_open_at_done_is_flushed_and_flagged() -> None:
    unclosed = 'Checking<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Oslo"}'
    body = engine_stream(split_awkwardly(unclosed))[: -len(b"data: [DONE]\n\n")]
    # Drop the stop chunk too: the engine went straight to [DONE].
    events = body.split(b"\n\n")[:-2]
    body = b"\n\n".join(events) + b"\n\ndata: [DONE]\n\n"
    engine = Recorder(
        lambda _r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    )
    stream = local_client(engine).chat.completions.create(model=MODEL, messages=ASK, stream=True)
    chunks = list(stream)
    assert accumulate_calls(chunks) == {0: ("functions.get_weather:0", "get_weather", '{"city": "Oslo"}')}
    assert {p.kind for p in stream.k2_problems} >= {"unclosed_call"}
    assert any(k2_problems_of(c.choices[0].delta) for c in chunks if c.choices)


def test_bad_arguments_are_kept_and_flagged_on_the_message() -> None:
    broken = "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{city: Oslo<|tool_call_end|><|tool_calls_section_end|>"
    completion = local_client(Engine(broken)).chat.completions.create(model=MODEL, messages=ASK)
    message = completion.choices[0].message
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == "{city: Oslo"  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    assert [p.kind for p in k2_problems_of(message)] == ["invalid_arguments"]


def test_with_the_option_off_content_is_left_alone() -> None:
    completion = local_client(Engine(MARKUP), markup=False).chat.completions.create(model=MODEL, messages=ASK)
    assert completion.choices[0].message.content == MARKUP
    assert not completion.choices[0].message.tool_calls
    engine = Engine(MARKUP)
    chunks = list(
        local_client(engine, markup=False).chat.completions.create(model=MODEL, messages=ASK, stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == MARKUP


def test_an_engine_with_its_own_parser_passes_through_unchanged() -> None:
    parsed = engine_completion("", "tool_calls")
    parsed["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "functions.get_weather:0",
            "type": "function",
            "function": {"name": "get_weather", "arguments": "{}"},
        }
    ]
    engine = Recorder(lambda _r: httpx.Response(200, json=parsed))
    message = local_client(engine).chat.completions.create(model=MODEL, messages=ASK).choices[0].message
    assert [c.id for c in message.tool_calls or []] == ["functions.get_weather:0"]
    assert message.content == ""


@pytest.mark.anyio
async def test_async_stream_parses_markup_too() -> None:
    body = engine_stream(split_awkwardly(MARKUP))

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncKimiOpenAI(base_url=LOCAL, api_key="dummy", k2_tool_call_markup=True, http_client=http)
    stream = await client.chat.completions.create(model=MODEL, messages=ASK, stream=True)
    chunks = [chunk async for chunk in stream]
    assert [v[0] for v in accumulate_calls(chunks).values()] == [
        "functions.get_weather:0",
        "functions.get_weather:1",
    ]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# -- the client against a self-hosted engine ----------------------------------------------------


def test_a_dummy_key_and_a_local_base_url_work_and_nothing_goes_elsewhere() -> None:
    engine = Engine("Hello")
    client = local_client(engine, markup=False)
    assert client.region is None
    client.chat.completions.create(model=MODEL, messages=ASK)
    assert [str(r.url) for r in engine.requests] == [f"{LOCAL}/chat/completions"]
    assert engine.last.headers["authorization"] == "Bearer dummy"


def test_moonshot_platform_rules_are_not_forced_on_open_weights() -> None:
    engine = Engine("Hello")
    client = local_client(engine, markup=False)
    # Moonshot's temperature range [0, 1], n and tool_choice="required" limits are platform rules.
    client.chat.completions.create(
        model=MODEL, messages=ASK, temperature=1.3, n=2, tool_choice="required", tools=[WEATHER_TOOL]
    )
    sent = engine.last_json()
    assert (sent["temperature"], sent["n"], sent["tool_choice"]) == (1.3, 2, "required")
    assert "thinking" not in sent


def short_tool(name: str) -> Any:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
    }


SIX_STOPS = ["a", "b", "c", "d", "e", "f"]
EMPTY_TURN: list[Any] = [*ASK, {"role": "assistant", "content": ""}, {"role": "user", "content": "Well?"}]
# Rules of Moonshot's API, for every model name it is sent: tool names of 3+ characters
# and no leading digit, at most 5 stop strings, no empty assistant message (KD chat docs).
PLATFORM_WIDE: dict[str, dict[str, Any]] = {
    "tool-ls": {"tools": [short_tool("ls")]},
    "tool-f": {"tools": [short_tool("f")], "tool_choice": "auto"},
    "6-stops": {"stop": SIX_STOPS},
    "empty-assistant": {"messages": EMPTY_TURN},
}
# Engines serve the weights under any name (vLLM/SGLang --served-model-name), Moonshot's included.
SERVED_NAMES = ["Qwen/Qwen3-8B", "kimi-k2", "Kimi-K2-Thinking", "kimi-k2-thinking", "kimi-k2.6"]


def send(base_url: str, model: str, fields: dict[str, Any], region: Region | None = None) -> Recorder:
    engine = Engine("Hello")
    client = KimiOpenAI(base_url=base_url, region=region, api_key="dummy", http_client=engine.client())
    request: dict[str, Any] = {"messages": ASK, **fields}
    client.chat.completions.create(model=model, **request)
    return engine


@pytest.mark.parametrize("model", SERVED_NAMES)
@pytest.mark.parametrize("case", PLATFORM_WIDE)
def test_moonshot_platform_rules_are_for_moonshot_urls_only(case: str, model: str) -> None:
    fields = PLATFORM_WIDE[case]
    sent = send(LOCAL, model, fields).last_json()
    assert {key: sent[key] for key in fields} == fields
    with pytest.raises(KimiValidationError, match=repr(model)):
        send(MOONSHOT, model, fields)


# Moonshot's sampling and tool_choice rules for these names (KD models overview); the weights
# behind a local engine take any value.
SERVED_NAME_RULES: list[tuple[str, dict[str, Any]]] = [
    ("Kimi-K2-Thinking", {"temperature": 1.3}),
    ("kimi-k2-thinking", {"tools": [WEATHER_TOOL], "tool_choice": "required"}),
    ("kimi-k2-0905-preview", {"n": 6, "temperature": 0.6}),
    ("kimi-k2.6", {"temperature": 0.3, "top_p": 0.5}),
    ("kimi-k2.6", {"tools": [WEATHER_TOOL], "tool_choice": "required"}),
]


@pytest.mark.parametrize(("model", "fields"), SERVED_NAME_RULES)
def test_a_moonshot_model_name_served_locally_gets_no_platform_rules(
    model: str, fields: dict[str, Any]
) -> None:
    sent = send(LOCAL, model, fields).last_json()
    assert {key: sent[key] for key in fields} == fields
    assert "thinking" not in sent  # Moonshot's field; a local engine is not sent one it did not get
    with pytest.raises(KimiValidationError, match=repr(model)):
        send(MOONSHOT, model, fields)


def test_forced_tool_on_a_served_thinking_name_is_sent_as_given() -> None:
    # On Moonshot, kimi-k2.6 with a forced tool goes out with thinking disabled; a local
    # engine gets the request as written, without Moonshot's `thinking` field.
    forced = {
        "tools": [WEATHER_TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    assert "thinking" not in send(LOCAL, "kimi-k2.6", forced).last_json()
    assert send(MOONSHOT, "kimi-k2.6", forced).last_json()["thinking"] == {"type": "disabled"}


def test_an_unknown_local_model_name_passes_through() -> None:
    fields: dict[str, Any] = {
        "temperature": 1.7,
        "tools": [short_tool("ls"), short_tool("f")],
        "tool_choice": "required",
        "stop": SIX_STOPS,
        "messages": EMPTY_TURN,
    }
    sent = send(LOCAL, "my-k2-finetune", fields).last_json()
    assert sent == {"model": "my-k2-finetune", **fields}


# MFJS drops `minimum` and `format` (https://github.com/MoonshotAI/walle/blob/main/docs/mfjs-spec.md).
TYPED_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "pick",
        "parameters": {
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 1, "format": "int32"}},
        },
    },
}


def test_tool_schemas_go_untouched_to_a_local_engine() -> None:
    # kimi-k2.6 is a model whose schemas are rewritten into MFJS on Moonshot...
    assert send(MOONSHOT, "kimi-k2.6", {"tools": [TYPED_TOOL]}).last_json()["tools"] != [TYPED_TOOL]
    # ...but a local engine serving it under that name takes the schema as written.
    assert send(LOCAL, "kimi-k2.6", {"tools": [TYPED_TOOL]}).last_json()["tools"] == [TYPED_TOOL]


def test_normalize_tool_schemas_false_sends_schemas_untouched_to_moonshot() -> None:
    engine = Engine("Hello")
    client = KimiOpenAI(
        base_url=MOONSHOT, api_key="dummy", normalize_tool_schemas=False, http_client=engine.client()
    )
    client.chat.completions.create(model="kimi-k2.6", messages=ASK, tools=[TYPED_TOOL])
    assert engine.last_json()["tools"] == [TYPED_TOOL]


def test_no_reasoning_placeholder_is_sent_for_a_non_thinking_open_weights_model() -> None:
    engine = Engine(MARKUP)
    client = KimiOpenAI(
        base_url=LOCAL, api_key="dummy", k2_tool_call_markup=True, http_client=engine.client()
    )
    message = client.chat.completions.create(model=MODEL, messages=ASK).choices[0].message
    client.chat.completions.create(model=MODEL, messages=tool_turn(message))
    assert "reasoning_content" not in engine.last_json()["messages"][1]


# -- a proxy in front of Moonshot ---------------------------------------------------------------
# A gateway on another host says nothing about what it fronts; region= says it is Moonshot's.


@pytest.mark.parametrize(("model", "fields"), SERVED_NAME_RULES)
def test_a_proxy_given_a_region_gets_moonshot_platform_rules(model: str, fields: dict[str, Any]) -> None:
    with pytest.raises(KimiValidationError, match=repr(model)):
        send(PROXY, model, fields, region="global")
    sent = send(PROXY, model, fields).last_json()  # without region=: an unknown server, as before
    assert {key: sent[key] for key in fields} == fields


@pytest.mark.parametrize("case", PLATFORM_WIDE)
def test_a_proxy_given_a_region_gets_moonshot_platform_wide_rules(case: str) -> None:
    with pytest.raises(KimiValidationError):
        send(PROXY, "kimi-k2", PLATFORM_WIDE[case], region="cn")


def test_tool_schemas_are_normalised_through_a_proxy_given_a_region() -> None:
    assert send(PROXY, "kimi-k2.6", {"tools": [TYPED_TOOL]}, region="cn").last_json()["tools"] != [TYPED_TOOL]
    assert send(PROXY, "kimi-k2.6", {"tools": [TYPED_TOOL]}).last_json()["tools"] == [TYPED_TOOL]


UNKNOWN_REASONING_TURN: list[Any] = [
    *ASK,
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "functions.get_weather:0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "Sunny"},
]


def test_a_moonshot_thinking_name_served_locally_gets_no_reasoning_placeholder() -> None:
    # SGLang --served-model-name kimi-k2.7-code: the engine takes a turn without reasoning.
    fields = {"messages": UNKNOWN_REASONING_TURN, "tools": [WEATHER_TOOL]}
    sent = send(LOCAL, "kimi-k2.7-code", fields).last_json()
    assert "reasoning_content" not in sent["messages"][1]
    # Moonshot, directly or through a proxy given its region, demands one:
    # https://platform.kimi.ai/docs/guide/use-thinking-models
    platforms: list[tuple[str, Region | None]] = [(MOONSHOT, None), (PROXY, "global")]
    for base_url, region in platforms:
        with pytest.warns(KimiWarning, match="placeholder"):
            sent = send(base_url, "kimi-k2.7-code", fields, region=region).last_json()
        assert sent["messages"][1]["reasoning_content"] == " "


def emulated(base_url: str, region: Region | None, platform: Region = "global") -> KimiOpenAI:
    """A client whose base URL is answered by an emulated Moonshot ``platform``, whatever its host."""
    emulator = MoonshotEmulator(region=platform)
    http_client = httpx.Client(transport=emulator.transport())
    return KimiOpenAI(base_url=base_url, region=region, api_key="sk-test", http_client=http_client)


def test_the_balance_currency_of_a_proxy_is_that_of_its_region() -> None:
    assert emulated(PROXY, "cn", platform="cn").users.balance().currency == "CNY"
    assert emulated(PROXY, "global").users.balance().currency == "USD"
    assert emulated(PROXY, None).users.balance().currency is None


def test_a_proxy_given_a_region_refuses_purposes_moonshot_does_not_take() -> None:
    with pytest.raises(KimiValidationError, match="'file-extract', 'image', 'video', 'batch'"):
        emulated(PROXY, "global").files.create(file=("notes.txt", b"data"), purpose="assistants")


def test_batch_lines_through_a_proxy_follow_its_region() -> None:
    request: Any = {"messages": ASK, "temperature": 0.3}
    with pytest.raises(KimiValidationError, match=r"kimi-k2\.6"):
        batch_lines([request], model="kimi-k2.6", client=emulated(PROXY, "cn"))
    body: Any = batch_lines([request], model="kimi-k2.6", client=emulated(PROXY, None))[0]["body"]
    assert body["temperature"] == 0.3


def test_a_token_estimate_through_a_proxy_sends_what_chat_would() -> None:
    emulator = MoonshotEmulator()
    http_client = httpx.Client(transport=emulator.transport())
    fields: Any = {"messages": UNKNOWN_REASONING_TURN, "tools": [WEATHER_TOOL]}
    for region in (None, "global"):
        client = KimiOpenAI(base_url=PROXY, region=region, api_key="sk-test", http_client=http_client)
        if region is None:
            client.tokenizers.estimate_token_count(model="kimi-k2.7-code", **fields)
        else:
            with pytest.warns(KimiWarning, match="placeholder"):
                client.tokenizers.estimate_token_count(model="kimi-k2.7-code", **fields)
        sent = json.loads(emulator.requests[-1].body)["messages"][1]
        assert ("reasoning_content" in sent) is (region is not None)
