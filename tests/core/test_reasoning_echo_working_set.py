"""The echo store's working set: live conversations whose framework drops every ``reasoning_content``.

Each conversation sends its whole history again on each request, every earlier tool-call turn
rebuilt without its reasoning, so every turn of every live conversation must stay known until
its conversation ends (https://platform.kimi.ai/docs/guide/use-thinking-models: a thinking
model answers 400 to a tool-call turn without it). The store promises (docs/thinking.md) to
keep the 16,384 most recently used turns within 16M characters of reasoning; the run here is
220 conversations of 20 tool-call turns, taking turns on one client (4,400 live turns, 41,800
turns sent back), which the former 4,096-key bound could not hold.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest

from kimi_openai import KimiOpenAI, KimiValidationError, KimiWarning
from kimi_openai._compat import httpx
from kimi_openai._reasoning_echo import PLACEHOLDER_REASONING, ReasoningEchoPolicy, ReasoningStore
from kimi_openai.types.chat import KimiChatCompletion

SYSTEM: Any = {"role": "system", "content": "You are a records agent. Look each record up."}


def _reasoning(conversation: int, step: int) -> str:
    return f"Conversation {conversation}, step {step}: the next record is {conversation * 100 + step}."


def _call(step: int) -> dict[str, Any]:
    # Moonshot numbers tool calls within a conversation: every conversation has functions.lookup:0.
    return {
        "id": f"functions.lookup:{step}",
        "type": "function",
        "function": {"name": "lookup", "arguments": "{}"},
    }


def _answer(conversation: int, step: int) -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": "",
        "reasoning_content": _reasoning(conversation, step),
        "tool_calls": [_call(step)],
    }
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "kimi-k2.6", "choices": [choice]}


@dataclass
class Tally:
    """What the turns sent back carried."""

    sent: int = 0
    placeholders: int = 0
    wrong: int = 0
    refused: set[int] = field(default_factory=set[int])
    """Conversations whose request strict mode refused (they end there)."""

    def check(self, conversation: int, messages: list[Any]) -> None:
        turns = [m for m in messages if m["role"] == "assistant"]
        for step, turn in enumerate(turns):
            self.sent += 1
            if turn.get("reasoning_content") == PLACEHOLDER_REASONING:
                self.placeholders += 1
            elif turn.get("reasoning_content") != _reasoning(conversation, step):
                self.wrong += 1


def _next_turn(history: list[Any], step: int) -> list[Any]:
    """The rebuilt turn and its tool result, as a framework appends them."""
    turn = {"role": "assistant", "content": "", "tool_calls": [_call(step)]}
    return [turn, {"role": "tool", "tool_call_id": f"functions.lookup:{step}", "content": f"record {step}"}]


def run_store(
    store: ReasoningStore, conversations: int, steps: int, policy: ReasoningEchoPolicy, *, first: int = 0
) -> Tally:
    """The round-robin run through the store, as the client calls it for each request and answer.

    Conversations are numbered from ``first`` (their customer number).
    """
    tally = Tally()
    histories = {
        c: [SYSTEM, {"role": "user", "content": f"Records of customer {c}."}]
        for c in range(first, first + conversations)
    }
    for step in range(steps):
        for conversation, history in histories.items():
            if conversation in tally.refused:
                continue
            try:
                body = store.restore({"model": "kimi-k2.6", "messages": history}, policy)
            except KimiValidationError:
                tally.refused.add(conversation)
                continue
            tally.check(conversation, body["messages"])
            store.remember_completion(KimiChatCompletion.model_validate(_answer(conversation, step)))
            history += _next_turn(history, step)
    return tally


@pytest.mark.parametrize("policy", ["auto", "strict"])
def test_the_documented_working_set_is_never_lost(policy: ReasoningEchoPolicy) -> None:
    store = ReasoningStore()
    tally = run_store(store, conversations=220, steps=20, policy=policy)
    assert (tally.sent, tally.placeholders, tally.wrong, tally.refused) == (41_800, 0, 0, set())
    assert len(store) == 4_400


def test_a_working_set_at_the_bound_is_kept_and_finished_conversations_go_first() -> None:
    store = ReasoningStore(max_turns=200)
    run_store(
        store, conversations=10, steps=10, policy="strict", first=100
    )  # finished: 100 turns sent no more
    tally = run_store(store, conversations=10, steps=20, policy="strict")  # then 200 live turns
    assert (tally.sent, tally.placeholders, tally.wrong, tally.refused) == (1_900, 0, 0, set())
    assert len(store) == 200


def test_beyond_the_bound_the_least_recently_used_turns_are_forgotten() -> None:
    """One more live conversation than the bound holds: taking turns, each finds its oldest turns gone."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KimiWarning)
        tally = run_store(ReasoningStore(max_turns=200), conversations=11, steps=20, policy="auto")
    assert tally.wrong == 0  # forgotten, never mixed up
    assert tally.placeholders > 0
    assert any("no longer holds its reasoning" in str(w.message) for w in caught)
    strict = run_store(ReasoningStore(max_turns=200), conversations=11, steps=20, policy="strict")
    assert strict.refused


@pytest.mark.slow
def test_the_working_set_through_the_client() -> None:
    """The same run through ``KimiOpenAI`` and HTTP (a mock transport), as an application makes it."""
    tally = Tally()

    def handler(request: httpx.Request) -> httpx.Response:
        messages = json.loads(request.content)["messages"]
        conversation = int(messages[1]["content"].split()[-1].rstrip("."))
        tally.check(conversation, messages)
        step = sum(1 for m in messages if m["role"] == "assistant")
        return httpx.Response(200, json=_answer(conversation, step))

    client = KimiOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    histories: list[list[Any]] = [
        [SYSTEM, {"role": "user", "content": f"Records of customer {c}."}] for c in range(220)
    ]
    for step in range(20):
        for history in histories:
            client.chat.completions.create(model="kimi-k2.6", messages=history)
            history += _next_turn(history, step)
    assert (tally.sent, tally.placeholders, tally.wrong) == (41_800, 0, 0)
