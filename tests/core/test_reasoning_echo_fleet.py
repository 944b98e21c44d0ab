"""A chat backend's fleet: worker processes behind a round-robin dispatcher, one Moonshot key.

Each worker is a fresh interpreter (``spawn``, its own hash seed) with its own Kimi client;
the emulator stands in for Moonshot over HTTP, and a real Redis for the shared store. The
dispatcher plays the caller that drops ``reasoning_content`` from every turn it sends back,
as langchain and openai-agents do, so each tool-call turn that reaches a worker which did
not answer it needs the store. Counted: turns sent with the placeholder, with the wrong
reasoning, and requests refused (``reasoning_echo="strict"``).
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from typing import Any

import pytest

from kimi_openai._reasoning_echo import PLACEHOLDER_REASONING
from kimi_openai.testing import MoonshotEmulator

CONVERSATIONS = 3
USER_TURNS = 2
TOOL_CALLS = 2
RESENT = CONVERSATIONS * sum(
    TOOL_CALLS * turn + step for turn in range(USER_TURNS) for step in range(TOOL_CALLS + 1)
)
"""Tool-call turns sent back: each request of a conversation carries every earlier one."""


@dataclass
class Tally:
    resent: int = 0
    placeholders: int = 0
    wrong: int = 0
    refused: int = 0
    restored: int = 0


class Fleet:
    """Workers taking requests in turn (round robin), restartable."""

    def __init__(self, workers: int, base_url: str, redis_url: str | None) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.size, self.base_url, self.redis_url = workers, base_url, redis_url
        self.namespace = uuid.uuid4().hex  # this test's entries only, in the session's Redis
        self.results: Any = self.context.Queue()
        self.workers: list[tuple[SpawnProcess, Any]] = []
        self.sent = 0
        self.restored = 0

    def start(self) -> None:
        from _fleet_worker import serve

        for _ in range(self.size):
            jobs: Any = self.context.Queue()
            args = (jobs, self.results, self.base_url, self.redis_url, self.namespace)
            process = self.context.Process(target=serve, args=args, daemon=True)
            process.start()
            self.workers.append((process, jobs))

    def stop(self) -> None:
        """Stop every worker (a deploy): what they held in memory is gone."""
        for _, jobs in self.workers:
            jobs.put(None)
        for _ in self.workers:
            kind, counts, _ = self.results.get(timeout=60)
            assert kind == "counts"
            self.restored += counts["restored"]
        for process, _ in self.workers:
            process.join(timeout=30)
        self.workers = []

    def send(self, messages: list[Any], policy: str) -> tuple[str, Any, Any]:
        _, jobs = self.workers[self.sent % self.size]
        self.sent += 1
        jobs.put((messages, policy))
        return self.results.get(timeout=60)


def _check(sent: dict[str, Any], expected: list[str | None], tally: Tally) -> None:
    turns = [m for m in sent["messages"] if m.get("role") == "assistant"]
    for turn, reasoning in zip(turns, expected, strict=True):
        if not turn.get("tool_calls"):
            continue
        tally.resent += 1
        if turn.get("reasoning_content") == PLACEHOLDER_REASONING:
            tally.placeholders += 1
        elif turn.get("reasoning_content") != reasoning:
            tally.wrong += 1


@dataclass
class Conversation:
    number: int
    history: list[Any]
    expected: list[str | None]
    """The reasoning each assistant turn of ``history`` came with."""
    refused: bool = False


def _user_turn(
    fleet: Fleet, emulator: MoonshotEmulator, chat: Conversation, turn: int, policy: str, tally: Tally
) -> None:
    conversation, history, expected = chat.number, chat.history, chat.expected
    history.append({"role": "user", "content": f"Conversation {conversation}, question {turn}."})
    for step in range(TOOL_CALLS + 1):
        reasoning = f"Conversation {conversation}, question {turn}, step {step}."
        if step < TOOL_CALLS:
            emulator.queue_tool_calls(("lookup", {"step": step}), reasoning=reasoning)
        else:
            emulator.queue_text(f"Answer {conversation}.{turn}", reasoning=reasoning)
        kind, answer, got = fleet.send(list(history), policy)
        if kind == "refused":
            tally.refused += 1
            chat.refused = True  # strict mode: the conversation ends with an error
            return
        _check(emulator.last_chat_request(), expected, tally)
        history.append(answer)
        expected.append(got)
        for call in answer.get("tool_calls", []):
            history.append({"role": "tool", "tool_call_id": call["id"], "content": f"record {step}"})


def run_fleet(workers: int, redis_url: str | None, *, policy: str = "auto", restart: bool = False) -> Tally:
    """Conversations of tool-call loops, each request to the next worker in turn."""
    emulator = MoonshotEmulator()
    tally = Tally()
    conversations = [Conversation(number, [], []) for number in range(CONVERSATIONS)]
    with emulator.serve() as base_url, _fleet(workers, base_url, redis_url) as fleet:
        for turn in range(USER_TURNS):
            if restart and turn:
                fleet.stop()
                fleet.start()
            for chat in conversations:
                if not chat.refused:
                    _user_turn(fleet, emulator, chat, turn, policy, tally)
    tally.restored = fleet.restored
    return tally


@contextmanager
def _fleet(workers: int, base_url: str, redis_url: str | None) -> Generator[Fleet]:
    fleet = Fleet(workers, base_url, redis_url)
    fleet.start()
    try:
        yield fleet
    finally:
        fleet.stop()


@pytest.mark.parametrize("workers", [2, 4])
def test_a_fleet_on_the_redis_store_sends_every_turn_with_its_own_reasoning(
    workers: int, kimi_redis_url: str
) -> None:
    tally = run_fleet(workers, kimi_redis_url)
    assert tally.resent == RESENT
    assert (tally.placeholders, tally.wrong, tally.refused) == (0, 0, 0)
    assert tally.restored >= tally.resent  # counted by the workers: every re-sent tool-call turn, and more


def test_a_restarted_fleet_on_the_redis_store_refuses_nothing_in_strict_mode(kimi_redis_url: str) -> None:
    tally = run_fleet(2, kimi_redis_url, policy="strict", restart=True)
    assert tally.resent == RESENT
    assert (tally.placeholders, tally.wrong, tally.refused) == (0, 0, 0)


def test_the_same_fleet_with_memory_only_sends_placeholders() -> None:
    # What the tests above would see without the shared store: they test the fleet, not one process.
    tally = run_fleet(2, None)
    assert tally.resent == RESENT
    assert tally.placeholders > 0


def test_one_worker_restarted_with_memory_only_refuses_in_strict_mode() -> None:
    tally = run_fleet(1, None, policy="strict", restart=True)
    assert tally.refused > 0
