"""Which reasoning a turn sent back without it gets, across conversations of one client.

The promise (docs/thinking.md): a turn gets the reasoning the model wrote for that same turn
after the same earlier messages; when only system or developer messages changed (an
openai-agents handoff, a system prompt rebuilt for every request) it still gets it, unless the
client returned that turn under more than one set of system messages. Conversations identical up
to the turn cannot be told apart, and the reasoning they may share was written after exactly the
messages the receiving request sends. Frameworks drop ``reasoning_content`` when they rebuild
their history (https://platform.kimi.ai/docs/guide/use-thinking-models): every turn sent back
here is rebuilt without it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, KimiWarning
from kimi_openai._compat import httpx
from kimi_openai._reasoning_echo import PLACEHOLDER_REASONING, ReasoningStore
from kimi_openai.testing import MoonshotEmulator, ToolCall
from tests._helpers import Recorder

BASE_URL = "https://api.moonshot.ai/v1"
USER: Any = {"role": "user", "content": "What is the weather in Paris?"}
TRIAGE: Any = {"role": "system", "content": "You are the triage agent. Hand weather questions off."}
WEATHER: Any = {"role": "system", "content": "You are the weather agent. Use get_weather."}
TRANSFER = ToolCall("transfer_to_weather", {})
TRANSFER_REASONING = "A weather question: hand off to the weather agent."


def _client(emulator: MoonshotEmulator, **options: Any) -> KimiOpenAI:
    http = httpx.Client(transport=emulator.transport())
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http, **options)


def _async_client(emulator: MoonshotEmulator, **options: Any) -> AsyncKimiOpenAI:
    http = httpx.AsyncClient(transport=emulator.async_transport())
    return AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http, **options)


def _rebuilt(message: Any) -> Any:
    """An assistant turn as a framework sends it back: no reasoning_content."""
    calls: list[Any] = list(message.tool_calls or [])
    return {
        "role": "assistant",
        "content": message.content or "",
        "tool_calls": [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.function.name, "arguments": c.function.arguments},
            }
            for c in calls
        ],
    }


def _result(message: Any, content: str) -> Any:
    return {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": content}


def _sent(emulator: MoonshotEmulator, index: int) -> object:
    return emulator.last_chat_request()["messages"][index].get("reasoning_content")


# -- a handoff: other system messages before the same turns ---------------------------------------


def test_a_handoff_sends_the_real_reasoning_without_a_warning() -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator)
    emulator.queue_tool_calls(TRANSFER, reasoning=TRANSFER_REASONING)
    handing_off = (
        client.chat.completions.create(model="kimi-k2.6", messages=[TRIAGE, USER]).choices[0].message
    )
    history = [USER, _rebuilt(handing_off), _result(handing_off, '{"assistant": "Weather"}')]
    emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Call get_weather.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no placeholder warning
        weather = client.chat.completions.create(model="kimi-k2.6", messages=[WEATHER, *history])
    assert _sent(emulator, 2) == TRANSFER_REASONING
    # The weather agent's own turn, then a hand back: each turn keeps its reasoning.
    turn = weather.choices[0].message
    history += [_rebuilt(turn), _result(turn, "sunny")]
    emulator.queue_text("It is sunny in Paris.")
    client.chat.completions.create(model="kimi-k2.6", messages=[TRIAGE, *history])
    assert (_sent(emulator, 2), _sent(emulator, 4)) == (TRANSFER_REASONING, "Call get_weather.")


@pytest.mark.anyio
async def test_async_a_handoff_sends_the_real_reasoning() -> None:
    emulator = MoonshotEmulator()
    client = _async_client(emulator)
    emulator.queue_tool_calls(TRANSFER, reasoning=TRANSFER_REASONING)
    first = await client.chat.completions.create(model="kimi-k2.6", messages=[TRIAGE, USER])
    turn = first.choices[0].message
    emulator.queue_text("Sunny.")
    messages = [WEATHER, USER, _rebuilt(turn), _result(turn, '{"assistant": "Weather"}')]
    await client.chat.completions.create(model="kimi-k2.6", messages=messages)
    assert _sent(emulator, 2) == TRANSFER_REASONING


@pytest.mark.parametrize(
    "instructions",
    [
        pytest.param([], id="no system message at all"),
        pytest.param([WEATHER, {"role": "system", "content": "Today is Monday."}], id="two system messages"),
    ],
)
def test_other_system_or_developer_messages_keep_the_reasoning(instructions: list[Any]) -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator)
    emulator.queue_tool_calls(TRANSFER, reasoning=TRANSFER_REASONING)
    turn = client.chat.completions.create(model="kimi-k2.6", messages=[TRIAGE, USER]).choices[0].message
    emulator.queue_text("Sunny.")
    messages = [*instructions, USER, _rebuilt(turn), _result(turn, "{}")]
    client.chat.completions.create(model="kimi-k2.6", messages=messages)
    assert _sent(emulator, len(instructions) + 1) == TRANSFER_REASONING


def test_developer_messages_count_as_system_ones() -> None:
    store = ReasoningStore()
    call = [{"id": "functions.lookup:0", "function": {"name": "lookup"}}]
    store.remember("Plan.", before=[{"role": "developer", "content": "Agent A."}, USER], tool_calls=call)
    turn: Any = {"role": "assistant", "tool_calls": call}
    assert store.lookup(turn, before=[{"role": "developer", "content": "Agent B."}, USER]) == "Plan."
    assert store.lookup(turn, before=[{"role": "user", "content": "Agent B."}, USER]) is None


def test_a_system_prompt_rebuilt_for_every_request_keeps_every_turn() -> None:
    """Retrieved documents or the date in the system prompt: it changes on each request."""
    emulator = MoonshotEmulator()
    client = _client(emulator)
    history: list[Any] = [USER]
    for step in range(4):
        system: Any = {"role": "system", "content": f"Context retrieved for request {step}."}
        emulator.queue_tool_calls(ToolCall("lookup", {"step": step}), reasoning=f"Step {step}: look it up.")
        turn = (
            client.chat.completions.create(model="kimi-k2.6", messages=[system, *history]).choices[0].message
        )
        history += [_rebuilt(turn), _result(turn, f"result {step}")]
    sent = emulator.last_chat_request()["messages"]
    assert [m.get("reasoning_content") for m in sent if m["role"] == "assistant"] == [
        "Step 0: look it up.",
        "Step 1: look it up.",
        "Step 2: look it up.",
    ]


# -- two conversations never exchange reasoning -----------------------------------------------------


def _answered(client: KimiOpenAI, emulator: MoonshotEmulator, system: Any, reasoning: str) -> Any:
    emulator.queue_tool_calls(ToolCall("lookup", {}), reasoning=reasoning)
    return client.chat.completions.create(model="kimi-k2.6", messages=[system, USER]).choices[0].message


ALICE: Any = {"role": "system", "content": "Tenant Alice. Her discount code is A-1234."}
BOB: Any = {"role": "system", "content": "Tenant Bob. His discount code is B-9876."}
THIRD: Any = {"role": "system", "content": "Billing agent."}


def test_conversations_differing_only_in_their_system_prompt_keep_their_own() -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator)
    alice = _answered(client, emulator, ALICE, "Alice's code is A-1234: look it up.")
    bob = _answered(client, emulator, BOB, "Bob's code is B-9876: look it up.")
    assert alice.tool_calls[0].id == bob.tool_calls[0].id  # the same turn, as far as a request shows
    for system, turn, own in ((ALICE, alice, "Alice's code"), (BOB, bob, "Bob's code")):
        emulator.queue_text("Done.")
        client.chat.completions.create(
            model="kimi-k2.6", messages=[system, USER, _rebuilt(turn), _result(turn, "ok")]
        )
        assert str(_sent(emulator, 2)).startswith(own)


def test_a_changed_system_prompt_matching_two_conversations_gets_neither() -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator)
    alice = _answered(client, emulator, ALICE, "Alice's code is A-1234: look it up.")
    _answered(client, emulator, BOB, "Bob's code is B-9876: look it up.")
    emulator.queue_text("Done.")
    with pytest.warns(KimiWarning, match="more than one conversation") as caught:
        client.chat.completions.create(
            model="kimi-k2.6", messages=[THIRD, USER, _rebuilt(alice), _result(alice, "ok")]
        )
    assert _sent(emulator, 2) == PLACEHOLDER_REASONING
    assert "did not come from this client" not in str(caught[0].message)


def test_strict_names_the_ambiguity_and_sends_nothing() -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator, reasoning_echo="strict")
    alice = _answered(client, emulator, ALICE, "Alice's plan.")
    _answered(client, emulator, BOB, "Bob's plan.")
    sent_before = len(emulator.requests)
    with pytest.raises(KimiValidationError, match=r"messages\[2\].*more than one conversation"):
        client.chat.completions.create(
            model="kimi-k2.6", messages=[THIRD, USER, _rebuilt(alice), _result(alice, "ok")]
        )
    assert len(emulator.requests) == sent_before


def test_a_forgotten_conversation_does_not_take_a_look_alike_s_reasoning() -> None:
    """The store remembers that it returned a turn after its reasoning is gone: a later look-alike is ambiguous."""
    store = ReasoningStore(max_turns=1)
    call = [{"id": "functions.lookup:0", "function": {"name": "lookup"}}]
    turn: Any = {"role": "assistant", "content": "", "tool_calls": call}
    store.remember("Alice's plan.", before=[ALICE, USER], tool_calls=call)
    store.remember(
        "Unrelated.", before=[{"role": "user", "content": "Other"}], tool_calls=call
    )  # evicts Alice's
    store.remember("Bob's plan.", before=[BOB, USER], tool_calls=call)
    assert store.lookup(turn, before=[THIRD, USER]) is None
    assert store.explain(turn, before=[THIRD, USER]) == "ambiguous"
    assert (
        store.explain(turn, before=[ALICE, USER]) == "ambiguous"
    )  # Alice's own, forgotten: not Bob's either
    assert store.lookup(turn, before=[BOB, USER]) == "Bob's plan."


def test_a_turn_from_another_conversation_is_not_known() -> None:
    emulator = MoonshotEmulator()
    client = _client(emulator)
    alice = _answered(client, emulator, ALICE, "Alice's plan.")
    other: Any = {"role": "user", "content": "What is the weather in Rome?"}
    emulator.queue_text("Done.")
    with pytest.warns(KimiWarning, match="no reasoning for it after these messages"):
        client.chat.completions.create(
            model="kimi-k2.6", messages=[ALICE, other, _rebuilt(alice), _result(alice, "ok")]
        )
    assert _sent(emulator, 2) == PLACEHOLDER_REASONING


def test_a_forgotten_turn_is_named_as_forgotten() -> None:
    store = ReasoningStore(max_turns=1)
    call = [
        {"id": "functions.lookup:0", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    ]
    store.remember("Plan.", before=[USER], tool_calls=call)
    store.remember("Other.", before=[{"role": "user", "content": "Other"}], tool_calls=call)
    body = {"model": "kimi-k2.6", "messages": [USER, {"role": "assistant", "tool_calls": call}]}
    with pytest.warns(
        KimiWarning, match="no longer holds its reasoning: it keeps the 1 most recently used turns"
    ):
        restored = store.restore(body, "auto")
    assert restored["messages"][1]["reasoning_content"] == PLACEHOLDER_REASONING


# -- identical conversations ------------------------------------------------------------------------


class _Model(Recorder):
    """Answers each request with a tool call numbered within its conversation, carrying the reasoning queued."""

    def __init__(self) -> None:
        super().__init__()
        self.reasonings: list[str] = []
        self.respond = self._respond

    def _respond(self, request: httpx.Request) -> httpx.Response:
        step = sum(1 for m in json.loads(request.content)["messages"] if m["role"] == "assistant")
        call = {
            "id": f"functions.lookup:{step}",
            "type": "function",
            "function": {"name": "lookup", "arguments": "{}"},
        }
        message = {
            "role": "assistant",
            "content": "",
            "reasoning_content": self.reasonings.pop(0),
            "tool_calls": [call],
        }
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
        return httpx.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": "kimi-k2.6",
                "choices": [choice],
            },
        )

    def sent_reasonings(self) -> list[object]:
        messages = json.loads(self.last.content)["messages"]
        return [m.get("reasoning_content") for m in messages if m["role"] == "assistant"]


def _interleaved(
    users: list[str], results: list[list[str]], steps: int
) -> Iterator[tuple[int, int, list[object]]]:
    """Conversations taking turns (one request each per round) on one client; yields what each request sent back.

    Conversation ``c`` asks ``users[c]``, sends ``results[c][s]`` as the tool result of step ``s``,
    and the model's reasoning at that step is ``"c{c}s{s}"``.
    """
    model = _Model()
    client = KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=model.client())
    histories: list[list[Any]] = [[{"role": "user", "content": user}] for user in users]
    for step in range(steps):
        for c, history in enumerate(histories):
            model.reasonings.append(f"c{c}s{step}")
            turn = client.chat.completions.create(model="kimi-k2.6", messages=history).choices[0].message
            yield c, step, model.sent_reasonings()
            history += [_rebuilt(turn), _result(turn, results[c][step])]


def test_conversations_that_differ_in_one_tool_result_keep_their_own_after_it() -> None:
    steps = 5
    results = [
        [f"result {s}" if s != 1 else f"conversation {c}'s own result" for s in range(steps)]
        for c in range(8)
    ]
    for c, _, sent in _interleaved(["Look up my records."] * 8, results, steps):
        # Turns 0 and 1 follow identical messages in all eight; from turn 2 on, the result of step 1 differs.
        assert sent[2:] == [f"c{c}s{s}" for s in range(2, len(sent))]
        assert all(str(r).endswith(f"s{s}") for s, r in enumerate(sent[:2]))


def test_identical_conversations_share_only_reasoning_written_after_the_same_messages() -> None:
    """Two groups of four identical conversations; the groups differ in their question only."""
    steps = 5
    users = ["Look up Alice's records."] * 4 + ["Look up Bob's records."] * 4
    results = [[f"result {s}" for s in range(steps)] for _ in users]
    for c, _, sent in _interleaved(users, results, steps):
        group = range(0, 4) if c < 4 else range(4, 8)
        # Written at the same step by a conversation of the same group: after the very same messages.
        assert all(reasoning in {f"c{other}s{s}" for other in group} for s, reasoning in enumerate(sent))
