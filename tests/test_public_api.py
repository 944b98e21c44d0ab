"""The public surface is exactly what is curated here: adding or dropping a name is a decision."""

from __future__ import annotations

from pathlib import Path

import pytest

import kimi_openai

EXPECTED = {
    "StreamConnectionError",
    "StreamServerError",
    "StreamTimeoutError",
    "StructuredOutputContentFilterError",
    "StructuredOutputEmptyError",
    "StructuredOutputError",
    "StructuredOutputInvalidError",
    "StructuredOutputLengthError",
    "MalformedResponseError",
    "FileExtractionServerError",
    "EchoCounts",
    "ReasoningEchoPolicy",
    "RedisStore",
    "echo_counts",
    "echo_message",
    "PartialChoice",
    "PartialStream",
    "PartialToolCall",
    "SnapshotChoice",
    "SnapshotToolCall",
    "StreamSnapshot",
    "rate_limit_of",
    "WEB_SEARCH_TOOL",
    "ContinuationLimitError",
    "MaxStepsExceededError",
    "TokenBudgetExceededError",
    "RepeatedToolCallError",
    "ReadOnlyStreakError",
    "InvalidCompactionError",
    "ToolExecutionError",
    "ToolLoopError",
    "clear_model_specs",
    "BatchTimeoutError",
    "FileExtractionError",
    "REGION_BASE_URLS",
    "AsyncKimiOpenAI",
    "AsyncRateLimiter",
    "ClientClosedRequestError",
    "ContentFilterError",
    "EngineOverloadedError",
    "ExceededCurrentQuotaError",
    "ExceededCurrentQuotaForbiddenError",
    "GatewayTimeoutError",
    "IncorrectAPIKeyError",
    "InvalidAuthenticationError",
    "InvalidRequestError",
    "KimiAPIError",
    "KimiAuthenticationError",
    "KimiBadRequestError",
    "KimiConfigurationError",
    "KimiConflictError",
    "KimiError",
    "KimiInternalServerError",
    "KimiModel",
    "KimiNotFoundError",
    "KimiOpenAI",
    "KimiPermissionDeniedError",
    "KimiRateLimitError",
    "KimiUnprocessableEntityError",
    "KimiValidationError",
    "KimiWarning",
    "KeyValueStore",
    "KnownModel",
    "MemoryStore",
    "ModelSpec",
    "Price",
    "RateLimitInfo",
    "RateLimitReachedError",
    "RateLimiter",
    "Region",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "ServerUnavailableError",
    "StreamInterruptedError",
    "ThinkingParam",
    "UnexpectedOutputError",
    "UnservedEndpointError",
    "build_async_retrying",
    "build_retrying",
    "get_model_spec",
    "is_retryable",
    "usage_cost",
    "TokenPrices",
    "TieredPrices",
    "UsageTotals",
    "kimi_params",
    "normalize_tool_schema",
    "normalize_tools",
    "parse_rate_limit_headers",
    "partial_message",
    "refresh_model_specs",
}


def test_all_is_exactly_the_curated_surface() -> None:
    assert set(kimi_openai.__all__) == EXPECTED
    assert len(kimi_openai.__all__) == len(EXPECTED)


DEPRECATED = {
    "PartialStream": "StreamSnapshot",
    "PartialChoice": "SnapshotChoice",
    "PartialToolCall": "SnapshotToolCall",
}
"""Old names kept importable: each warns and gives the class under its new name."""


def test_every_public_name_resolves_and_private_modules_stay_private() -> None:
    for name in set(kimi_openai.__all__) - DEPRECATED.keys():
        assert getattr(kimi_openai, name) is not None, name
    public = {n for n in dir(kimi_openai) if not n.startswith("_")}
    # Submodules (testing, lib, resources, types, pytest_plugin) may appear once imported.
    assert public - EXPECTED <= {"testing", "lib", "resources", "types", "pytest_plugin", "annotations"}


@pytest.mark.parametrize(("old", "new"), DEPRECATED.items())
def test_the_old_stream_snapshot_names_warn_and_give_the_new_classes(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"kimi_openai\.{old} is deprecated: use kimi_openai\.{new}"):
        value = getattr(kimi_openai, old)
    assert value is getattr(kimi_openai, new)
    with pytest.warns(DeprecationWarning, match=rf"kimi_openai\.{old} is deprecated"):
        exec(f"from kimi_openai import {old}", {})


def test_partial_stream_names_one_thing_per_module() -> None:
    import kimi_openai.lib
    from kimi_openai.resources.chat._partial import PartialStream as PartialModeStream

    assert kimi_openai.lib.PartialStream is PartialModeStream
    with pytest.warns(DeprecationWarning, match="kimi_openai.lib.PartialStream is partial mode's stream"):
        assert kimi_openai.PartialStream is kimi_openai.StreamSnapshot is not PartialModeStream


def test_lib_and_types_names_resolve() -> None:
    import kimi_openai.lib
    import kimi_openai.types

    for module in (kimi_openai.lib, kimi_openai.types):
        assert module.__all__, module.__name__
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_importing_the_package_leaves_optional_parts_unloaded(tmp_path: Path) -> None:
    """What only some calls need loads with them, so ``import kimi_openai`` stays light.

    The request pipeline and Kimi's request rules load with the first request; the
    ``extra_body`` helpers for plain openai clients when first used."""
    import subprocess
    import sys

    code = (
        "import sys, kimi_openai\n"
        "from kimi_openai import KimiOpenAI\n"
        "KimiOpenAI(api_key='sk-test')\n"
        "optional = ('tenacity', 'dotenv', 'kimi_openai._sse', 'kimi_openai.lib.batch',\n"
        "            'kimi_openai._pipeline', 'kimi_openai._rules.chat', 'kimi_openai._extra_body')\n"
        "print(' '.join(m for m in optional if m in sys.modules))\n"
    )
    # In a folder without a .env file (the client reads one only when it is there).
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert loaded.stdout.split() == []
