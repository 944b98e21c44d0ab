"""openai-agents end to end: a tool-using thinking turn through ``AsyncKimiOpenAI``, from a cassette.

The Agents SDK rebuilds the assistant tool-call turn from its own items and, for
models it does not know to need it, leaves ``reasoning_content`` out (its
``default_should_replay_reasoning_content`` replays it for DeepSeek only). Moonshot
then answers 400 (https://platform.kimi.ai/docs/guide/use-thinking-models); the
client puts the reasoning back. The cassette's second request shows it on the wire,
and the body match makes replay fail if it ever goes missing.

openai-agents 0.21 and later need openai 3; 0.20 runs this module beside openai 2.x.

Re-record: ``.venv/bin/pytest tests/frameworks/test_agents_e2e.py --record-mode=rewrite``. The
recording emulator is scripted to call the tool (unscripted, it only answers text);
live (``KIMI_LIVE=1``) the model decides, and the prompt asks for the tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH, KimiRecording
from kimi_openai.testing import MoonshotEmulator, ToolCall

agents = pytest.importorskip("agents")

from agents import (  # noqa: E402
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)


@pytest.fixture
def kimi_recording(kimi_recording: KimiRecording) -> Iterator[KimiRecording]:
    """When recording from the emulator, one that calls the tool first (then answers by default)."""
    if not kimi_recording.recording or kimi_recording.source != "emulator":
        yield kimi_recording
        return
    emulator = MoonshotEmulator()
    emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    with emulator.serve() as base_url:
        yield replace(kimi_recording, base_url=base_url, recorded_base_url=base_url)


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "temp_c": 21, "sky": "sunny"})


def _capture_chat_bodies(client: AsyncKimiOpenAI) -> list[dict[str, Any]]:
    """The JSON bodies of the chat requests this run sends (not the cassette's recorded ones)."""
    bodies: list[dict[str, Any]] = []

    async def keep(request: Any) -> None:
        if str(request.url).endswith("/chat/completions"):
            bodies.append(json.loads(request.content))

    client._client.event_hooks["request"].append(keep)  # pyright: ignore[reportPrivateUsage]
    return bodies


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
@pytest.mark.anyio
async def test_agent_tool_turn_on_a_thinking_model(async_kimi_client: AsyncKimiOpenAI) -> None:
    sent = _capture_chat_bodies(async_kimi_client)
    set_tracing_disabled(True)  # no trace upload to OpenAI, and nothing leaves the machine
    agent = Agent(
        name="Weather",
        instructions="Answer with the get_weather tool.",
        tools=[get_weather],
        model=OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=async_kimi_client),
        # Reasoning tokens count toward max_tokens (https://platform.kimi.ai/docs/guide/use-thinking-models).
        model_settings=ModelSettings(max_tokens=16_000, extra_body={"thinking": {"type": "enabled"}}),
    )
    result = await Runner.run(agent, "What is the weather in Paris? Use the tool.")
    assert isinstance(result.final_output, str)
    assert result.final_output

    first, second = sent
    assert first["thinking"] == {"type": "enabled"}
    turn = next(m for m in second["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
    assert isinstance(turn["reasoning_content"], str)
    assert turn["reasoning_content"].strip()  # the real reasoning, not the placeholder
    answered = {m["tool_call_id"] for m in second["messages"] if m["role"] == "tool"}
    assert answered == {call["id"] for call in turn["tool_calls"]}
