"""The clients the examples use: live with a Moonshot key, else the offline emulator.

With ``MOONSHOT_API_KEY`` (or ``KIMI_API_KEY``) set, in the environment or in ``./.env``, every
example talks to Moonshot through ``KimiOpenAI()``, as your code would. Without a key it runs
against ``kimi_openai.testing.MoonshotEmulator`` in process and says so on standard error, as
``python -m kimi_openai demo`` does.

The emulator answers most requests by itself: it quotes the question, reasons when the model
thinks, runs ``$web_search``, extracts files and completes batches. Where an example needs one
particular answer offline (a tool call, a JSON object, an error, a stream that breaks),
``OFFLINE_ANSWERS`` below scripts it, keyed by the example's file name. So the examples
themselves hold no scripting and read as they run live.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import openai
from dotenv import dotenv_values

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai.testing import (
    DEFAULT_MODELS,
    DroppedStream,
    ErrorReply,
    ModelCard,
    MoonshotEmulator,
    RateLimit,
    ScriptItem,
    TextReply,
    ToolCall,
    ToolCallsReply,
    Usage,
)

KEY_VARIABLES = ("MOONSHOT_API_KEY", "KIMI_API_KEY")
MOONSHOT_BASE_URL = "https://api.moonshot.ai/v1"
OFFLINE_KEY = "sk-offline-examples"
NO_KEY = "No MOONSHOT_API_KEY set: running against the in-process emulator (kimi_openai.testing)."
NO_ENGINE = "No engine URL given: the in-process emulator plays a K2 engine without its tool parser."

STORY = "Once upon a time a small kettle learned to sing in the rain, and the whole street listened."
CITY_JSON = '{"name": "Paris", "country": "France"}'
# K2's own tool-call markup, as an engine started without its Kimi tool parser returns it
# (https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md).
K2_MARKUP = (
    "Let me check.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
    '<|tool_call_argument_begin|>{"city": "Beijing"}<|tool_call_end|><|tool_calls_section_end|>'
)
# Overloaded twice: the client waits as Retry-After-Ms asks, then retries.
OVERLOADED = ErrorReply(
    429, "engine_overloaded_error", "The engine is currently overloaded", {"retry-after-ms": "20"}
)
QUOTA = ErrorReply(429, "exceeded_current_quota_error", "Your account is suspended, please check your plan")


def _calls(*calls: ToolCall, reasoning: str | None = None) -> ToolCallsReply:
    return ToolCallsReply(calls, reasoning=reasoning)


OFFLINE_ANSWERS: dict[str, tuple[ScriptItem, ...]] = {
    "tool_calling": (_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Look the weather up."),),
    "tool_loop": (
        _calls(ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_weather", {"city": "Beijing"})),
    ),
    "parallel_tools_async": (
        _calls(*(ToolCall("get_weather", {"city": city}) for city in ("Paris", "Beijing", "Lima"))),
    ),
    "formulas": (_calls(ToolCall("date", {"format": "%Y-%m-%d"})),),
    "structured_output": (
        TextReply(CITY_JSON),
        TextReply(CITY_JSON, reasoning="The capital of France is Paris."),
    ),
    "continue_after_length": (
        TextReply("Steam curls from the cup,", finish_reason="length"),
        TextReply(" leaves unfold in quiet heat,", finish_reason="length"),
        TextReply(" spring returns in green."),
    ),
    "errors_and_retries": (OVERLOADED, OVERLOADED, TextReply("Hello!"), QUOTA),
    "stream_resume": (DroppedStream(6, TextReply(STORY)), TextReply(STORY)),
    "self_hosted_k2": (TextReply(K2_MARKUP), TextReply("Sunny, 25 °C in Beijing."), TextReply(K2_MARKUP)),
    "framework_langchain": (TextReply(CITY_JSON),),
    "framework_pydantic_ai": (
        _calls(ToolCall("get_weather", {"city": "Paris"})),
        TextReply("Sunny in Paris."),
        _calls(ToolCall("final_result", {"name": "Paris", "country": "France"})),
    ),
    "framework_instructor": (
        _calls(ToolCall("City", {"name": "Paris", "country": "France"})),
        TextReply(CITY_JSON),
    ),
    "agents_tools": (_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Call the weather tool."),),
    "agents_handoffs": (
        _calls(ToolCall("transfer_to_weather", {}), reasoning="A weather question: hand it over."),
        _calls(ToolCall("get_weather", {"city": "Paris"}), reasoning="Paris: call the tool."),
    ),
    "agents_cancellation": (_calls(ToolCall("write_report", {"topic": "tea"})),),
    "tool_loop_guards": tuple(_calls(ToolCall("search_inbox", {"query": "ACME invoice"})) for _ in range(3)),
    "tool_loop_compaction": tuple(
        _calls(ToolCall("read_chapter", {"number": n}), reasoning=f"Read chapter {n}.") for n in (1, 2, 3)
    ),
    "parallel_tools_serial": (
        _calls(
            ToolCall("save_order", {"item": "tea", "quantity": 2}),
            ToolCall("fetch_price", {"item": "tea"}),
            ToolCall("save_order", {"item": "kettle", "quantity": 1}),
            ToolCall("fetch_price", {"item": "kettle"}),
        ),
    ),
    "conversation_tools": (
        _calls(ToolCall("get_weather", {"city": "Paris"})),
        TextReply("Sunny, 21 °C in Paris."),
        _calls(ToolCall("get_weather", {"city": "Lima"})),
        TextReply("Sunny, 17 °C in Lima."),
    ),
    # A long prompt, mostly from the cache: above the 128k tier of the example's tiered prices.
    "cost_and_usage": (TextReply("Boil water, make tea, warm hands.", usage=Usage(150_000, 400, 120_000)),),
    "parse_errors": (
        TextReply('{"name": "Pa', reasoning="The user wants JSON. " * 20, finish_reason="length"),
        TextReply(CITY_JSON),
        TextReply("", reasoning='The capital is Paris: {"name": "Paris", "country": "France"}'),
    ),
}
"""What the offline model answers, in order, per example; requests beyond these get the default answers."""

EMULATOR_OPTIONS: dict[str, dict[str, Any]] = {
    # Advisory X-RateLimit-* headers, as Moonshot sends them.
    "raw_responses": {"rate_limit": RateLimit(limit=200, reset_seconds=60)},
    "rate_limiter": {"rate_limit": RateLimit(limit=200, reset_seconds=60)},
    # The self-hosted engine serves the open weights under their Hugging Face name.
    "self_hosted_k2": {"models": (*DEFAULT_MODELS, ModelCard("moonshotai/Kimi-K2-Instruct", 131_072))},
}

_emulators: dict[str, MoonshotEmulator] = {}


def live_key() -> str | None:
    """The Moonshot key, where ``KimiOpenAI()`` finds it: the environment, then ``./.env``."""
    dotenv = dotenv_values(".env") if Path(".env").is_file() else {}
    found = [os.environ.get(name) for name in KEY_VARIABLES] + [dotenv.get(name) for name in KEY_VARIABLES]
    return next((key for key in found if key is not None), None)


def emulator_for(example: str, note: str = NO_KEY) -> MoonshotEmulator:
    """The offline Moonshot of one example (``example`` is its ``__file__``), scripted once."""
    name = Path(example).stem
    if name not in _emulators:
        print(note, file=sys.stderr)
        emulator = MoonshotEmulator(**EMULATOR_OPTIONS.get(name, {}))
        for item in OFFLINE_ANSWERS.get(name, ()):
            emulator.queue(item)
        _emulators[name] = emulator
    return _emulators[name]


def kimi_client(example: str, **options: Any) -> KimiOpenAI:
    """``KimiOpenAI(**options)``: live with a key, else on the emulator of ``example``."""
    if live_key() is not None:
        return KimiOpenAI(**options)
    transport = emulator_for(example).transport()
    return KimiOpenAI(
        api_key=OFFLINE_KEY, http_client=openai.DefaultHttpxClient(transport=transport), **options
    )


def async_kimi_client(example: str, **options: Any) -> AsyncKimiOpenAI:
    """``AsyncKimiOpenAI(**options)``: live with a key, else on the emulator of ``example``."""
    if live_key() is not None:
        return AsyncKimiOpenAI(**options)
    transport = emulator_for(example).async_transport()
    http_client = openai.DefaultAsyncHttpxClient(transport=transport)
    return AsyncKimiOpenAI(api_key=OFFLINE_KEY, http_client=http_client, **options)


def openai_client(example: str) -> openai.OpenAI:
    """A plain ``openai.OpenAI`` pointed at Moonshot (live), or at the emulator of ``example``."""
    base_url = os.environ.get("MOONSHOT_BASE_URL", MOONSHOT_BASE_URL)
    key = live_key()
    if key is not None:
        return openai.OpenAI(api_key=key, base_url=base_url)
    transport = emulator_for(example).transport()
    return openai.OpenAI(
        api_key=OFFLINE_KEY, base_url=base_url, http_client=openai.DefaultHttpxClient(transport=transport)
    )


def engine_client(example: str, base_url: str | None, **options: Any) -> KimiOpenAI:
    """A client of a self-hosted engine at ``base_url``; with none, the emulator plays one offline."""
    if base_url:
        return KimiOpenAI(base_url=base_url, api_key="dummy", **options)
    transport = emulator_for(example, NO_ENGINE).transport()
    http_client = openai.DefaultHttpxClient(transport=transport)
    return KimiOpenAI(
        base_url="http://localhost:8000/v1", api_key="dummy", http_client=http_client, **options
    )
