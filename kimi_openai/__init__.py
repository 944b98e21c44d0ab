"""kimi_openai: the official openai SDK, speaking Kimi (Moonshot AI).

Swap ``openai.OpenAI()`` for ``KimiOpenAI()`` and keep the rest of your code.
"""

from __future__ import annotations

import importlib as _importlib
import warnings as _warnings
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._client import AsyncKimiOpenAI as AsyncKimiOpenAI
from ._client import KimiOpenAI as KimiOpenAI
from ._constants import REGION_BASE_URLS as REGION_BASE_URLS
from ._constants import Region as Region
from ._errors import BatchTimeoutError as BatchTimeoutError
from ._errors import ClientClosedRequestError as ClientClosedRequestError
from ._errors import ContentFilterError as ContentFilterError
from ._errors import ContinuationLimitError as ContinuationLimitError
from ._errors import EngineOverloadedError as EngineOverloadedError
from ._errors import ExceededCurrentQuotaError as ExceededCurrentQuotaError
from ._errors import ExceededCurrentQuotaForbiddenError as ExceededCurrentQuotaForbiddenError
from ._errors import FileExtractionError as FileExtractionError
from ._errors import FileExtractionServerError as FileExtractionServerError
from ._errors import GatewayTimeoutError as GatewayTimeoutError
from ._errors import IncorrectAPIKeyError as IncorrectAPIKeyError
from ._errors import InvalidAuthenticationError as InvalidAuthenticationError
from ._errors import InvalidCompactionError as InvalidCompactionError
from ._errors import InvalidRequestError as InvalidRequestError
from ._errors import KimiAPIError as KimiAPIError
from ._errors import KimiAuthenticationError as KimiAuthenticationError
from ._errors import KimiBadRequestError as KimiBadRequestError
from ._errors import KimiConfigurationError as KimiConfigurationError
from ._errors import KimiConflictError as KimiConflictError
from ._errors import KimiError as KimiError
from ._errors import KimiInternalServerError as KimiInternalServerError
from ._errors import KimiNotFoundError as KimiNotFoundError
from ._errors import KimiPermissionDeniedError as KimiPermissionDeniedError
from ._errors import KimiRateLimitError as KimiRateLimitError
from ._errors import KimiUnprocessableEntityError as KimiUnprocessableEntityError
from ._errors import KimiValidationError as KimiValidationError
from ._errors import KimiWarning as KimiWarning
from ._errors import MalformedResponseError as MalformedResponseError
from ._errors import MaxStepsExceededError as MaxStepsExceededError
from ._errors import RateLimitReachedError as RateLimitReachedError
from ._errors import ReadOnlyStreakError as ReadOnlyStreakError
from ._errors import RepeatedToolCallError as RepeatedToolCallError
from ._errors import ResourceNotFoundError as ResourceNotFoundError
from ._errors import ServerError as ServerError
from ._errors import ServerUnavailableError as ServerUnavailableError
from ._errors import StreamConnectionError as StreamConnectionError
from ._errors import StreamInterruptedError as StreamInterruptedError
from ._errors import StreamServerError as StreamServerError
from ._errors import StreamTimeoutError as StreamTimeoutError
from ._errors import StructuredOutputContentFilterError as StructuredOutputContentFilterError
from ._errors import StructuredOutputEmptyError as StructuredOutputEmptyError
from ._errors import StructuredOutputError as StructuredOutputError
from ._errors import StructuredOutputInvalidError as StructuredOutputInvalidError
from ._errors import StructuredOutputLengthError as StructuredOutputLengthError
from ._errors import TokenBudgetExceededError as TokenBudgetExceededError
from ._errors import ToolExecutionError as ToolExecutionError
from ._errors import ToolLoopError as ToolLoopError
from ._errors import UnexpectedOutputError as UnexpectedOutputError
from ._errors import UnservedEndpointError as UnservedEndpointError
from ._model_ids import KimiModel as KimiModel
from ._ratelimit_headers import RateLimitInfo as RateLimitInfo
from ._ratelimit_headers import parse_rate_limit_headers as parse_rate_limit_headers
from ._reasoning_echo import ReasoningEchoPolicy as ReasoningEchoPolicy
from ._reasoning_echo import echo_message as echo_message
from ._reasoning_echo_counts import EchoCounts as EchoCounts
from ._retry import RetryPolicy as RetryPolicy
from ._retry import is_retryable as is_retryable
from ._rules.model_specs import KnownModel as KnownModel
from ._rules.model_specs import ModelSpec as ModelSpec
from ._rules.model_specs import Price as Price
from ._rules.model_specs import clear_model_specs as clear_model_specs
from ._rules.model_specs import get_model_spec as get_model_spec
from ._rules.model_specs import refresh_model_specs as refresh_model_specs
from ._state import echo_counts as echo_counts
from ._store import KeyValueStore as KeyValueStore
from ._store import MemoryStore as MemoryStore
from ._stream_snapshot import SnapshotChoice as SnapshotChoice
from ._stream_snapshot import SnapshotToolCall as SnapshotToolCall
from ._stream_snapshot import StreamSnapshot as StreamSnapshot
from ._usage import TieredPrices as TieredPrices
from ._usage import TokenPrices as TokenPrices
from ._usage import UsageTotals as UsageTotals
from ._usage import usage_cost as usage_cost

if _TYPE_CHECKING:
    from ._extra_body import ThinkingParam as ThinkingParam
    from ._extra_body import kimi_params as kimi_params
    from ._redis_store import RedisStore as RedisStore
    from ._retry_tenacity import build_async_retrying as build_async_retrying
    from ._retry_tenacity import build_retrying as build_retrying
    from ._rules.partial import partial_message as partial_message
    from ._rules.schema import normalize_tool_schema as normalize_tool_schema
    from ._rules.schema import normalize_tools as normalize_tools
    from ._stream_snapshot import SnapshotChoice as PartialChoice  # deprecated
    from ._stream_snapshot import SnapshotToolCall as PartialToolCall  # deprecated
    from ._stream_snapshot import StreamSnapshot as PartialStream  # deprecated
    from .lib.rate_limits import AsyncRateLimiter as AsyncRateLimiter
    from .lib.rate_limits import RateLimiter as RateLimiter
    from .lib.rate_limits import rate_limit_of as rate_limit_of
    from .lib.web_search import WEB_SEARCH_TOOL as WEB_SEARCH_TOOL

# Loaded on first use: these live in helper modules that plain client use never needs,
# and `import kimi_openai` should cost little beyond `import openai`.
_LAZY: dict[str, str] = {
    "ThinkingParam": "._extra_body",
    "kimi_params": "._extra_body",
    "partial_message": "._rules.partial",
    "normalize_tool_schema": "._rules.schema",
    "normalize_tools": "._rules.schema",
    "build_async_retrying": "._retry_tenacity",
    "build_retrying": "._retry_tenacity",
    "AsyncRateLimiter": ".lib.rate_limits",
    "RateLimiter": ".lib.rate_limits",
    "rate_limit_of": ".lib.rate_limits",
    "RedisStore": "._redis_store",
    "WEB_SEARCH_TOOL": ".lib.web_search",
}

__all__ = [
    "REGION_BASE_URLS",
    "WEB_SEARCH_TOOL",
    "AsyncKimiOpenAI",
    "AsyncRateLimiter",
    "BatchTimeoutError",
    "ClientClosedRequestError",
    "ContentFilterError",
    "ContinuationLimitError",
    "EchoCounts",
    "EngineOverloadedError",
    "ExceededCurrentQuotaError",
    "ExceededCurrentQuotaForbiddenError",
    "FileExtractionError",
    "FileExtractionServerError",
    "GatewayTimeoutError",
    "IncorrectAPIKeyError",
    "InvalidAuthenticationError",
    "InvalidCompactionError",
    "InvalidRequestError",
    "KeyValueStore",
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
    "KnownModel",
    "MalformedResponseError",
    "MaxStepsExceededError",
    "MemoryStore",
    "ModelSpec",
    "PartialChoice",
    "PartialStream",
    "PartialToolCall",
    "Price",
    "RateLimitInfo",
    "RateLimitReachedError",
    "RateLimiter",
    "ReadOnlyStreakError",
    "ReasoningEchoPolicy",
    "RedisStore",
    "Region",
    "RepeatedToolCallError",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "ServerUnavailableError",
    "SnapshotChoice",
    "SnapshotToolCall",
    "StreamConnectionError",
    "StreamInterruptedError",
    "StreamServerError",
    "StreamSnapshot",
    "StreamTimeoutError",
    "StructuredOutputContentFilterError",
    "StructuredOutputEmptyError",
    "StructuredOutputError",
    "StructuredOutputInvalidError",
    "StructuredOutputLengthError",
    "ThinkingParam",
    "TieredPrices",
    "TokenBudgetExceededError",
    "TokenPrices",
    "ToolExecutionError",
    "ToolLoopError",
    "UnexpectedOutputError",
    "UnservedEndpointError",
    "UsageTotals",
    "build_async_retrying",
    "build_retrying",
    "clear_model_specs",
    "echo_counts",
    "echo_message",
    "get_model_spec",
    "is_retryable",
    "kimi_params",
    "normalize_tool_schema",
    "normalize_tools",
    "parse_rate_limit_headers",
    "partial_message",
    "rate_limit_of",
    "refresh_model_specs",
    "usage_cost",
]


# Old names, still importable: ``PartialStream`` now means partial mode alone (kimi_openai.lib).
_DEPRECATED: dict[str, str] = {
    "PartialStream": "StreamSnapshot",
    "PartialChoice": "SnapshotChoice",
    "PartialToolCall": "SnapshotToolCall",
}


def __getattr__(name: str) -> _Any:
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        _warnings.warn(
            f"kimi_openai.{name} is deprecated: use kimi_openai.{new} (what an interrupted stream "
            "delivered). kimi_openai.lib.PartialStream is partial mode's stream.",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
