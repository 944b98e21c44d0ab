"""Reasoning echo: the clean echo param, and the clients putting back what frameworks drop.

Moonshot rejects a thinking model's tool-call turn sent back without its
``reasoning_content`` (https://platform.kimi.ai/docs/guide/use-thinking-models); the
in-process emulator answers that 400 too, so a test that reaches it proves the echo.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
import warnings
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessage, ChatCompletionMessageParam

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, KimiWarning
from kimi_openai._compat import httpx
from kimi_openai._reasoning_echo import (
    DEFAULT_MAX_TURNS,
    PLACEHOLDER_REASONING,
    EchoContext,
    ReasoningStore,
    echo_message,
)
from kimi_openai.testing import MoonshotEmulator, ToolCall
from tests._helpers import Recorder

WEB_SEARCH_TOOL: Any = {"type": "builtin_function", "function": {"name": "$web_search"}}
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
USER: ChatCompletionMessageParam = {"role": "user", "content": "Weather in Paris?"}


def _client(emulator: MoonshotEmulator, **options: Any) -> KimiOpenAI:
    return KimiOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        max_retries=0,
        http_client=httpx.Client(transport=emulator.transport()),
        **options,
    )


def _rebuilt(message: Any) -> ChatCompletionMessageParam:
    """The assistant turn as a framework rebuilds it: role, content and tool calls only."""
    return {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.function.name, "arguments": c.function.arguments},
            }
            for c in message.tool_calls
        ],
    }


def _first_call_id(completion: Any) -> str:
    return str(completion.choices[0].message.tool_calls[0].id)


def _call(call_id: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}


def _weather_call_turn(call_id: str) -> ChatCompletionMessageParam:
    """The tool-call turn as a framework sends it back: rebuilt, without its reasoning."""
    return {
        "role": "assistant",
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ],
    }


def _tool_result(call_id: str) -> ChatCompletionMessageParam:
    return {"role": "tool", "tool_call_id": call_id, "content": '{"temp_c": 21}'}


# -- echo_message ---------------------------------------------------------------------------


def test_echo_message_keeps_builtin_tool_calls_and_reasoning(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("$web_search", '{"q":"tea"}', id="web:0"), reasoning="Search first."
    )
    reply = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEB_SEARCH_TOOL]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pydantic serializer warning for builtin_function
        echoed = echo_message(reply.choices[0].message)
    assert echoed == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "web:0",
                "type": "builtin_function",
                "function": {"name": "$web_search", "arguments": '{"q":"tea"}'},
            }
        ],
        "reasoning_content": "Search first.",
    }


def test_echo_message_of_openai_message_drops_openai_only_fields() -> None:
    message = ChatCompletionMessage.model_validate(
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "annotations": None,
            "audio": None,
            "function_call": None,
            "tool_calls": [
                {
                    "id": "get_weather:0",
                    "type": "function",
                    "index": 0,
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
            "reasoning_content": "Need the weather.",
        }
    )
    assert echo_message(message) == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "get_weather:0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": "{}"},
            }
        ],
        "reasoning_content": "Need the weather.",
    }


def test_echo_message_of_stream_final_message(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Look it up.")
    with kimi_emulator_client.chat.completions.stream(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_completion()
    echoed = dict(echo_message(final.choices[0].message))
    assert echoed.keys() == {"role", "tool_calls", "reasoning_content"}
    assert echoed["reasoning_content"] == "Look it up."


def test_echo_message_rejects_other_roles() -> None:
    with pytest.raises(ValueError, match="role='user'"):
        echo_message({"role": "user", "content": "hi"})


def test_echo_message_drops_empty_reasoning_and_keeps_name() -> None:
    echoed = echo_message({"role": "assistant", "content": "Hi", "name": "Kelsier", "reasoning_content": ""})
    assert echoed == {"role": "assistant", "content": "Hi", "name": "Kelsier"}


def test_returned_message_objects_go_back_as_they_are(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    """The message object of create and of .stream() in ``messages``: reasoning kept, no openai nulls.

    openai's param types do not list response models, but openai sends them (their set fields).
    """
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}, id="w:0"), reasoning="Plain.")
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL]
    )
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[USER, first.choices[0].message, _tool_result("w:0")],  # pyright: ignore[reportArgumentType]
        tools=[WEATHER_TOOL],
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Plain."

    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="w:1"), reasoning="Streamed."
    )
    with kimi_emulator_client.chat.completions.stream(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_completion()
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[USER, final.choices[0].message, _tool_result("w:1")],  # pyright: ignore[reportArgumentType]
        tools=[WEATHER_TOOL],
    )
    sent = kimi_emulator.last_chat_request()["messages"][1]
    assert sent["reasoning_content"] == "Streamed."
    assert not {"parsed", "refusal", "audio", "annotations", "function_call"} & set(sent)
    assert "parsed_arguments" not in sent["tool_calls"][0]["function"]


def test_the_tool_loops_echo_like_echo_message(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    """run_tools and run_web_search send turns back as echo_message does: no stream ``index``."""
    from kimi_openai.lib.tools import run_tools
    from kimi_openai.lib.web_search import run_web_search

    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}."

    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Call it.")
    kimi_emulator.queue_text("Sunny.")
    tools_result = run_tools(kimi_emulator_client, model="kimi-k2.6", messages=[USER], tools=[get_weather])
    kimi_emulator.queue_tool_calls(ToolCall("$web_search", {"query": "Paris"}), reasoning="Search it.")
    kimi_emulator.queue_text("Found it.")
    search_result = run_web_search(kimi_emulator_client, model="kimi-k2.6", messages=[USER])
    for result in (tools_result, search_result):
        turn = result.messages[1]
        assert turn == dict(echo_message(turn))
        assert "index" not in turn["tool_calls"][0]
        assert turn["reasoning_content"]
    assert "index" not in kimi_emulator.last_chat_request()["messages"][1]["tool_calls"][0]


# -- automatic echo on the wire ---------------------------------------------------------------


def test_rebuilt_tool_call_turn_gets_its_reasoning_back(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}), reasoning="I should call the tool."
    )
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL]
    )
    call_id = _first_call_id(first)
    rebuilt = _rebuilt(first.choices[0].message)
    second = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, rebuilt, _tool_result(call_id)], tools=[WEATHER_TOOL]
    )
    assert second.choices[0].finish_reason == "stop"
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "I should call the tool."
    assert "reasoning_content" not in rebuilt  # the caller's message is untouched


@pytest.mark.anyio
async def test_rebuilt_tool_call_turn_gets_its_reasoning_back_async(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Async thought.")
    first = await async_kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL]
    )
    call_id = _first_call_id(first)
    await async_kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, _rebuilt(first.choices[0].message), _tool_result(call_id)]
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Async thought."


@pytest.mark.anyio
async def test_streamed_turn_is_remembered_async(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="s:0"), reasoning="Streamed thought."
    )
    stream = await async_kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL], stream=True
    )
    async for _ in stream:
        pass
    await async_kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, _weather_call_turn("s:0"), _tool_result("s:0")]
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Streamed thought."


def test_a_stream_read_after_another_request_remembers_its_own_turn(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    """A stream read to its end after the same thread sent something else still knows its request."""
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="s:0"), reasoning="Streamed thought."
    )
    kimi_emulator.queue_text("Unrelated.", reasoning="Other conversation.")
    stream = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL], stream=True
    )
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "Something else"}]
    )
    for _ in stream:
        pass
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, _weather_call_turn("s:0"), _tool_result("s:0")]
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Streamed thought."


def test_plain_turn_is_restored_by_its_text(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("It is sunny.", reasoning="Recall the forecast.")
    kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    history: list[ChatCompletionMessageParam] = [
        USER,
        {"role": "assistant", "content": "It is sunny."},
        {"role": "user", "content": "And tomorrow?"},
    ]
    kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=history)
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Recall the forecast."


def _read_stream(client: KimiOpenAI, style: str, **request: Any) -> None:
    """Read one streamed answer to its end, with ``create(stream=True)`` or with ``.stream()``."""
    if style == "create":
        for _ in client.chat.completions.create(stream=True, **request):
            pass
    else:
        with client.chat.completions.stream(**request) as stream:
            stream.until_done()


async def _aread_stream(client: AsyncKimiOpenAI, style: str, **request: Any) -> None:
    if style == "create":
        async for _ in await client.chat.completions.create(stream=True, **request):
            pass
    else:
        async with client.chat.completions.stream(**request) as stream:
            await stream.until_done()


SUNNY: list[ChatCompletionMessageParam] = [
    USER,
    {"role": "assistant", "content": "It is sunny in Paris today."},
    {"role": "user", "content": "And tomorrow?"},
]


@pytest.mark.parametrize("style", ["create", "stream"])
def test_a_streamed_turn_is_remembered_and_counted_however_the_stream_is_read(
    style: str, kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    """``.stream()`` gathers the turn as it accumulates the chunks; ``create(stream=True)`` as it yields them."""
    kimi_emulator.queue_text("It is sunny in Paris today.", reasoning="Recall the forecast for Paris.")
    _read_stream(kimi_emulator_client, style, model="kimi-k2.6", messages=[USER])
    assert kimi_emulator_client.usage.requests == 1
    kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=SUNNY)
    assert (
        kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"]
        == "Recall the forecast for Paris."
    )


@pytest.mark.anyio
@pytest.mark.parametrize("style", ["create", "stream"])
async def test_a_streamed_turn_is_remembered_and_counted_however_the_stream_is_read_async(
    style: str, kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_text("It is sunny in Paris today.", reasoning="Recall the forecast for Paris.")
    await _aread_stream(async_kimi_emulator_client, style, model="kimi-k2.6", messages=[USER])
    assert async_kimi_emulator_client.usage.requests == 1
    await async_kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=SUNNY)
    assert (
        kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"]
        == "Recall the forecast for Paris."
    )


def test_a_tool_call_turn_read_with_the_stream_helper_is_remembered(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="s:0"), reasoning="Streamed thought."
    )
    _read_stream(kimi_emulator_client, "stream", model="kimi-k2.6", messages=[USER], tools=[WEATHER_TOOL])
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, _weather_call_turn("s:0"), _tool_result("s:0")]
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Streamed thought."


def test_memory_is_shared_with_copies(kimi_emulator: MoonshotEmulator) -> None:
    client = _client(kimi_emulator)
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {}, id="c:0"), reasoning="From the parent.")
    client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    copy = client.with_options(timeout=5)
    rebuilt: ChatCompletionMessageParam = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c:0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ],
    }
    copy.chat.completions.create(model="kimi-k2.6", messages=[USER, rebuilt, _tool_result("c:0")])
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "From the parent."


# -- one client, many conversations -------------------------------------------------------------
# Tool-call ids count within a conversation (functions.lookup:0), and short answers repeat:
# a turn must get back only the reasoning written in its own conversation.


def _lookup_turn(client: KimiOpenAI, emulator: MoonshotEmulator, user: str, reasoning: str) -> Any:
    emulator.queue_tool_calls(ToolCall("lookup", {}), reasoning=reasoning)
    first = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": user}], tools=[LOOKUP_TOOL]
    )
    return first.choices[0].message


def _send_rebuilt(client: KimiOpenAI, emulator: MoonshotEmulator, user: str, turn: Any) -> Any:
    """The conversation's next request, its tool-call turn rebuilt without reasoning; what was sent."""
    emulator.queue_text("Done.")
    messages: Any = [{"role": "user", "content": user}, _rebuilt(turn), _tool_result(turn.tool_calls[0].id)]
    client.chat.completions.create(model="kimi-k2.6", messages=messages, tools=[LOOKUP_TOOL])
    return emulator.last_chat_request()["messages"][1]


LOOKUP_TOOL: Any = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def test_same_tool_call_id_in_two_conversations_gets_its_own_reasoning(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    alice = _lookup_turn(kimi_emulator_client, kimi_emulator, "Alice: account 4411", "Look up Alice's 4411.")
    bob = _lookup_turn(kimi_emulator_client, kimi_emulator, "Bob: hi", "Bob wants a lookup.")
    assert alice.tool_calls[0].id == bob.tool_calls[0].id  # the counter restarts per conversation
    sent = _send_rebuilt(kimi_emulator_client, kimi_emulator, "Alice: account 4411", alice)
    assert sent["reasoning_content"] == "Look up Alice's 4411."
    sent = _send_rebuilt(kimi_emulator_client, kimi_emulator, "Bob: hi", bob)
    assert sent["reasoning_content"] == "Bob wants a lookup."
    # A third conversation reusing the id, never answered by this client: the placeholder, no one's plan.
    with pytest.warns(KimiWarning):
        sent = _send_rebuilt(kimi_emulator_client, kimi_emulator, "Eve: hello", alice)
    assert sent["reasoning_content"] == PLACEHOLDER_REASONING


def test_same_answer_text_in_two_conversations_is_not_shared(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("Sure.", reasoning="Carol's private plan about X.")
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "Carol"}]
    )
    kimi_emulator.queue_text("Ok.")
    dave: Any = [
        {"role": "user", "content": "Dave"},
        {"role": "assistant", "content": "Sure."},
        {"role": "user", "content": "Go on."},
    ]
    kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=dave)
    assert "reasoning_content" not in kimi_emulator.last_chat_request()["messages"][1]


@pytest.mark.anyio
async def test_concurrent_conversations_on_one_async_client_keep_their_reasoning(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    """Requests of several tasks interleave; each answer is remembered under its own request."""
    import anyio

    client = async_kimi_emulator_client
    users = [f"User {n}: please look up" for n in range(4)]
    for n in range(4):
        kimi_emulator.queue_tool_calls(ToolCall("lookup", {}), reasoning=f"Plan {n}.")
    answers: dict[str, Any] = {}

    async def first_turn(user: str) -> None:
        messages: Any = [{"role": "user", "content": user}]
        completion = await client.chat.completions.create(
            model="kimi-k2.6", messages=messages, tools=[LOOKUP_TOOL]
        )
        answers[user] = completion.choices[0].message

    async with anyio.create_task_group() as group:
        for user in users:
            group.start_soon(first_turn, user)
    for user in users:
        turn = answers[user]
        kimi_emulator.queue_text("Done.")
        messages: Any = [
            {"role": "user", "content": user},
            _rebuilt(turn),
            _tool_result(turn.tool_calls[0].id),
        ]
        await client.chat.completions.create(model="kimi-k2.6", messages=messages)
        sent = kimi_emulator.last_chat_request()["messages"][1]
        assert sent["reasoning_content"] == turn.reasoning_content
    assert len({answers[user].reasoning_content for user in users}) == 4


def test_a_rebuilt_history_still_finds_its_turns() -> None:
    """What frameworks change (text as parts, message objects, dropped reasoning) keeps the key."""
    store = ReasoningStore()
    earlier: Any = {**_rebuilt_dict("functions.f:0"), "reasoning_content": "First step."}
    history: list[Any] = [SYSTEM, USER, earlier, _tool_result("functions.f:0")]
    store.remember("Second step.", before=history, tool_calls=[_call("functions.f:1")])
    as_parts: Any = {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}
    as_object = ChatCompletionMessage.model_validate(_rebuilt_dict("functions.f:0"))
    rebuilt: list[Any] = [SYSTEM, as_parts, as_object, _tool_result("functions.f:0")]
    turn = {"role": "assistant", "content": None, "tool_calls": [_call("functions.f:1")]}
    assert store.lookup(turn, before=rebuilt) == "Second step."
    # Another conversation: a different question, or a different result before the turn.
    other: list[Any] = [SYSTEM, {"role": "user", "content": "Weather in Rome?"}, *rebuilt[2:]]
    assert store.lookup(turn, before=other) is None
    changed: list[Any] = [*rebuilt[:3], {**_tool_result("functions.f:0"), "content": "rain"}]
    assert store.lookup(turn, before=changed) is None


def _rebuilt_dict(call_id: str) -> dict[str, Any]:
    return {"role": "assistant", "content": "", "tool_calls": [_call(call_id)]}


SYSTEM: Any = {"role": "system", "content": "Be brief."}


# -- policies -----------------------------------------------------------------------------------

FOREIGN_TURN: ChatCompletionMessageParam = {
    "role": "assistant",
    "content": "",
    "tool_calls": [
        {"id": "other:0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    ],
}


def test_auto_fills_the_placeholder_and_warns_once(kimi_emulator: MoonshotEmulator) -> None:
    client = _client(kimi_emulator)
    messages = [USER, FOREIGN_TURN, _tool_result("other:0")]
    with pytest.warns(KimiWarning, match=r"messages\[1\]"):
        client.chat.completions.create(model="kimi-k2.6", messages=messages)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time is silent
        client.chat.completions.create(model="kimi-k2.6", messages=messages)
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == PLACEHOLDER_REASONING


def test_strict_raises_before_any_request(kimi_emulator: MoonshotEmulator) -> None:
    client = _client(kimi_emulator, reasoning_echo="strict")
    with pytest.raises(KimiValidationError, match=r"messages\[1\]"):
        client.chat.completions.create(
            model="kimi-k2.6", messages=[USER, FOREIGN_TURN, _tool_result("other:0")]
        )
    assert kimi_emulator.requests == ()


def test_strict_still_restores_what_is_known(kimi_emulator: MoonshotEmulator) -> None:
    client = _client(kimi_emulator, reasoning_echo="strict")
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {}, id="k:0"), reasoning="Known.")
    first = client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    client.chat.completions.create(
        model="kimi-k2.6", messages=[USER, _rebuilt(first.choices[0].message), _tool_result("k:0")]
    )
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Known."


def test_off_sends_as_given() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key="sk-test", http_client=recorder.client(), reasoning_echo="off", max_retries=0)
    client.chat.completions.create(model="kimi-k2.6", messages=[USER, FOREIGN_TURN, _tool_result("other:0")])
    assert "reasoning_content" not in recorder.last_json()["messages"][1]


def test_without_the_echo_moonshot_answers_400(kimi_emulator: MoonshotEmulator) -> None:
    """What the echo prevents: the emulator's 400 with Moonshot's wording."""
    client = _client(kimi_emulator, reasoning_echo="off")
    with pytest.raises(
        openai.BadRequestError, match="reasoning_content is missing in assistant tool call message at index 1"
    ):
        client.chat.completions.create(
            model="kimi-k2.6", messages=[USER, FOREIGN_TURN, _tool_result("other:0")]
        )


@pytest.mark.parametrize(
    ("model", "thinking"),
    # Off on this call; a model without thinking; open weights on a self-hosted engine (no such rule).
    [("kimi-k2.6", {"type": "disabled"}), ("moonshotai/Kimi-K2-Instruct", None)],
)
def test_no_placeholder_when_the_request_does_not_think(model: str, thinking: Any) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key="sk-test", http_client=recorder.client(), max_retries=0)
    extra = {} if thinking is None else {"thinking": thinking}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(
            model=model, messages=[USER, FOREIGN_TURN, _tool_result("other:0")], **extra
        )
    assert "reasoning_content" not in recorder.last_json()["messages"][1]


def test_should_echo_reasoning_is_replaceable() -> None:
    seen: list[EchoContext] = []

    def never(ctx: EchoContext) -> bool:
        seen.append(ctx)
        return False

    store = ReasoningStore()
    store.should_echo_reasoning = never
    body = {"model": "kimi-k2.6", "messages": [USER, FOREIGN_TURN, _tool_result("other:0")]}
    assert store.restore(body, "strict") is body
    assert [(c.index, c.thinking, c.known, c.has_tool_calls) for c in seen] == [(1, True, None, True)]


# -- the store itself ----------------------------------------------------------------------------


def test_restore_returns_the_same_body_when_nothing_is_missing() -> None:
    store = ReasoningStore()
    body = {
        "model": "kimi-k2.6",
        "messages": [USER, {"role": "assistant", "content": "Hi", "reasoning_content": "r"}, USER],
    }
    assert store.restore(body, "auto") is body


def test_restore_never_mutates_its_input() -> None:
    store = ReasoningStore()
    store.remember("Known.", before=[USER], tool_calls=[_call("other:0")])
    messages = [USER, dict(FOREIGN_TURN), _tool_result("other:0")]
    body = {"model": "kimi-k2.6", "messages": messages}
    snapshot = json.dumps(body, sort_keys=True)
    restored = store.restore(body, "auto")
    assert restored["messages"][1]["reasoning_content"] == "Known."
    assert json.dumps(body, sort_keys=True) == snapshot
    assert restored["messages"][0] is messages[0]  # untouched turns are shared, not copied


def test_empty_reasoning_counts_as_missing_and_partial_turns_are_left_alone() -> None:
    store = ReasoningStore()
    store.remember("Known.", before=[USER], tool_calls=[_call("other:0")], content="Once upon")
    turn = {**FOREIGN_TURN, "reasoning_content": ""}
    partial = {"role": "assistant", "content": "Once upon", "partial": True}
    body = {"model": "kimi-k2.6", "messages": [USER, turn, _tool_result("other:0"), USER, partial]}
    restored = store.restore(body, "auto")
    assert restored["messages"][1]["reasoning_content"] == "Known."
    assert restored["messages"][4] is partial


def test_memory_stays_bounded_over_a_long_conversation() -> None:
    """Thinking tool-call turns past the bound: the turn count stops at it, and so does memory."""
    store = ReasoningStore(max_turns=1_000)
    tracemalloc.start()
    try:
        sizes: dict[int, int] = {}
        for turn in range(8_000):
            store.remember(
                f"Turn {turn}: reasoning about the next step. " * 8,
                before=[USER],
                tool_calls=[_call(f"functions.get_weather:{turn}")],
                content=f"Checking the weather, step {turn}.",
            )
            if turn + 1 in (5_000, 8_000):
                gc.collect()
                sizes[turn + 1] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(store) == 1_000
    # Past the bound (and the record of forgotten turns, twice as long), more turns add nothing that lasts.
    assert sizes[8_000] <= sizes[5_000] * 1.05, sizes
    # The oldest turns are forgotten, the newest are known.
    recent = {"role": "assistant", "tool_calls": [_call("functions.get_weather:7999")]}
    assert store.lookup(recent, before=[USER]) is not None
    oldest = {"role": "assistant", "tool_calls": [_call("functions.get_weather:0")]}
    assert store.lookup(oldest, before=[USER]) is None
    assert store.explain(oldest, before=[USER]) == "unknown"  # beyond the record of forgotten turns too
    forgotten = {"role": "assistant", "tool_calls": [_call("functions.get_weather:6500")]}
    assert store.explain(forgotten, before=[USER]) == "forgotten"


def test_default_bounds() -> None:
    store = ReasoningStore()
    assert (store.max_turns, store.max_chars) == (DEFAULT_MAX_TURNS, 16 * 1024 * 1024) == (16_384, 16_777_216)


def test_character_bound_holds_for_huge_reasonings() -> None:
    store = ReasoningStore(max_chars=1_000)
    for turn in range(10):
        store.remember("x" * 300, before=[USER], tool_calls=[_call(f"c:{turn}")])
    assert store.chars <= 1_000
    assert len(store) == 3


def test_lookup_refreshes_recency() -> None:
    store = ReasoningStore(max_turns=2)
    for reasoning, call_id in (("first", "a"), ("second", "b")):
        store.remember(reasoning, before=[USER], tool_calls=[_call(call_id)])
    assert store.lookup({"tool_calls": [_call("a")]}, before=[USER]) == "first"
    store.remember("third", before=[USER], tool_calls=[_call("c")])
    assert store.lookup({"tool_calls": [_call("a")]}, before=[USER]) == "first"
    assert store.lookup({"tool_calls": [_call("b")]}, before=[USER]) is None


def test_no_placeholder_for_an_unknown_model_name_behind_a_self_hosted_endpoint() -> None:
    from _helpers import Recorder

    recorder = Recorder()
    client = KimiOpenAI(api_key="dummy", base_url="http://localhost:8000/v1", http_client=recorder.client())
    turn = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "functions.f:0", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    messages: Any = [
        {"role": "user", "content": "x"},
        turn,
        {"role": "tool", "tool_call_id": "functions.f:0", "content": "1"},
    ]
    client.chat.completions.create(model="my-kimi", messages=messages)
    assert "reasoning_content" not in recorder.last_json()["messages"][1]
