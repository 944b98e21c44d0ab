"""The keys a turn's reasoning is found by are the same in every process: a fleet's workers share them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kimi_openai._reasoning_echo_keys import Prefix, prefix_of, turn_parts

CONVERSATION: list[dict[str, object]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "functions.weather:0",
                "type": "function",
                "function": {"name": "weather", "arguments": "{}"},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "functions.weather:0", "content": "18C"},
    {"role": "assistant", "content": "18C and sunny."},
]

_PRINT_KEYS = """
import json, sys
sys.path.insert(0, {tests!r})
from test_reasoning_echo_keys import CONVERSATION
from kimi_openai._reasoning_echo_keys import Prefix, turn_parts
prefix = Prefix(CONVERSATION)
keys = [list(map(bytes.hex, prefix.at(i))) for i in range(len(CONVERSATION) + 1)]
parts = [p.hex() for p in turn_parts(CONVERSATION[2]["tool_calls"], CONVERSATION[4]["content"])]
print(json.dumps([keys, parts]))
"""


def _keys_in_a_new_process(seed: str) -> list[list[object]]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    script = _PRINT_KEYS.format(tests=os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("seeds", [("0", "1"), ("12345", "random")])
def test_two_processes_under_different_hash_seeds_compute_the_same_keys(seeds: tuple[str, str]) -> None:
    first, second = (_keys_in_a_new_process(seed) for seed in seeds)
    assert first == second
    prefix = Prefix(CONVERSATION)
    assert first[0] == [list(map(bytes.hex, prefix.at(i))) for i in range(len(CONVERSATION) + 1)]


def test_a_prefix_tells_apart_what_identifies_a_turn_and_ignores_its_reasoning() -> None:
    base = prefix_of(CONVERSATION)
    with_reasoning = [dict(m) for m in CONVERSATION]
    with_reasoning[2]["reasoning_content"] = "The user wants weather."
    assert prefix_of(with_reasoning) == base
    other_result = [dict(m) for m in CONVERSATION]
    other_result[3]["content"] = "19C"
    assert prefix_of(other_result) != base
    as_string = [dict(m) for m in CONVERSATION]
    as_string[1]["content"] = "Weather in Paris?"  # text parts and a string are the same text
    assert prefix_of(as_string) == base


def test_system_messages_change_the_exact_digest_only() -> None:
    other_system = [{"role": "system", "content": "You are verbose."}, *CONVERSATION[1:]]
    exact, relaxed = Prefix(CONVERSATION).ends()
    other_exact, other_relaxed = Prefix(other_system).ends()
    assert exact != other_exact
    assert relaxed == other_relaxed


def test_turn_parts_are_digests_of_call_ids_and_names_then_text() -> None:
    calls = CONVERSATION[2]["tool_calls"]
    parts = turn_parts(calls, "done")
    assert len(parts) == 2
    assert parts == turn_parts(calls, [{"type": "text", "text": "done"}])
    assert turn_parts(calls, None) == parts[:1]
    assert turn_parts([], "") == []
