"""Streamed usage in Moonshot's legacy place, ``choices[0].usage`` of the last chunk, from a cassette.

Recorded from an emulator that answers in that shape (the other shapes are in
test_thinking_cassettes.py). Live, Moonshot decides where usage goes; a live
re-recording shows which shape the server sends today, and the assertions hold
for either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from kimi_openai import KimiOpenAI
from kimi_openai.pytest_plugin import KimiRecording
from kimi_openai.testing import MoonshotEmulator

USER: list[Any] = [{"role": "user", "content": "Count to three."}]


@pytest.fixture(scope="session")
def kimi_recording(kimi_recording: KimiRecording) -> Iterator[KimiRecording]:
    if not kimi_recording.recording or kimi_recording.source != "emulator":
        yield kimi_recording
        return
    with MoonshotEmulator(stream_usage="choice").serve() as base_url:
        yield replace(kimi_recording, base_url=base_url, recorded_base_url=base_url)


@pytest.mark.vcr
def test_usage_inside_the_last_choice_is_surfaced_as_the_chunk_usage(kimi_client: KimiOpenAI) -> None:
    chunks = list(kimi_client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True))
    with_usage = [c for c in chunks if c.usage is not None]
    assert len(with_usage) >= 1
    usage = with_usage[-1].usage
    assert usage is not None
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.completion_tokens > 0


@pytest.mark.vcr
def test_stream_helper_final_completion_has_the_usage(kimi_client: KimiOpenAI) -> None:
    with kimi_client.chat.completions.stream(model="kimi-k2.6", messages=USER) as stream:
        final = stream.get_final_completion()
    assert final.usage is not None
    assert final.usage.total_tokens > 0
    assert final.choices[0].message.content
