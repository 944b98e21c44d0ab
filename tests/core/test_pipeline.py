"""The one chat pipeline: chat, a batch line and the token estimate send the same body for the same request.

Validation runs before the reasoning echo everywhere: it decides the final ``thinking`` (a
forced tool turns it off on kimi-k2.6), and whether a tool-call turn sent back without its
reasoning needs a placeholder depends on that.
"""

from __future__ import annotations

from typing import Any

import pytest

from kimi_openai import KimiOpenAI, KimiValidationError
from kimi_openai.lib.batch import batch_lines
from kimi_openai.testing import MoonshotEmulator, TextReply
from kimi_openai.testing.pytest_plugin import KimiClientFactory

TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
CALL = {"id": "get_weather:0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
# A tool-call turn a framework rebuilt without its reasoning, then a forced tool choice: the
# rules turn thinking off for this call, so the turn is sent as it is (no placeholder).
REQUEST: dict[str, Any] = {
    "model": "kimi-k2.6",
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "get_weather:0", "content": "sunny"},
    ],
    "tools": [TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "max_tokens": 64,
}


def _chat_body(client: KimiOpenAI, emulator: MoonshotEmulator) -> dict[str, Any]:
    emulator.queue(TextReply("Sunny."))
    client.chat.completions.create(**REQUEST)
    return emulator.last_chat_request()


def test_chat_a_batch_line_and_the_estimate_send_the_same_body(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    chat = _chat_body(kimi_emulator_client, kimi_emulator)
    assert chat["thinking"] == {"type": "disabled"}  # decided by the rules, before the echo
    assert "reasoning_content" not in chat["messages"][1]  # so no placeholder was needed
    assert "max_tokens" not in chat  # sent as max_completion_tokens, the field kimi-k2.6 documents
    kimi_emulator_client.tokenizers.estimate_token_count(**REQUEST)
    estimate = kimi_emulator.requests[-1].json
    line = batch_lines([REQUEST], client=kimi_emulator_client)[0]["body"]
    assert estimate == chat
    assert line == chat


def test_the_client_options_apply_to_every_caller_of_the_pipeline(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    strict = kimi_emulator_client_factory(reasoning_echo="strict")
    thinking: dict[str, Any] = {
        **REQUEST,
        "tool_choice": "auto",
    }  # thinking stays on: the turn needs reasoning
    with pytest.raises(KimiValidationError, match="no reasoning_content"):
        strict.chat.completions.create(**thinking)
    with pytest.raises(KimiValidationError, match="no reasoning_content"):
        strict.tokenizers.estimate_token_count(**thinking)
    with pytest.raises(KimiValidationError, match="no reasoning_content"):
        batch_lines([thinking], client=strict)
    assert kimi_emulator.requests == ()
