"""kimi_openai: the official openai SDK, speaking Kimi (Moonshot AI).

Swap ``openai.OpenAI()`` for ``KimiOpenAI()`` and keep the rest of your code.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._client import AsyncKimiOpenAI as AsyncKimiOpenAI
from ._client import KimiOpenAI as KimiOpenAI
from ._constants import REGION_BASE_URLS as REGION_BASE_URLS
from ._constants import Region as Region
from ._errors import ClientClosedRequestError as ClientClosedRequestError
from ._errors import ContentFilterError as ContentFilterError
from ._errors import EngineOverloadedError as EngineOverloadedError
from ._errors import ExceededCurrentQuotaError as ExceededCurrentQuotaError
from ._errors import ExceededCurrentQuotaForbiddenError as ExceededCurrentQuotaForbiddenError
from ._errors import GatewayTimeoutError as GatewayTimeoutError
from ._errors import IncorrectAPIKeyError as IncorrectAPIKeyError
from ._errors import InvalidAuthenticationError as InvalidAuthenticationError
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
from ._errors import MalformedResponseError as MalformedResponseError
from ._errors import RateLimitReachedError as RateLimitReachedError
from ._errors import ResourceNotFoundError as ResourceNotFoundError
from ._errors import ServerError as ServerError
from ._errors import ServerUnavailableError as ServerUnavailableError
from ._errors import StreamConnectionError as StreamConnectionError
from ._errors import StreamInterruptedError as StreamInterruptedError
from ._errors import StreamServerError as StreamServerError
from ._errors import StreamTimeoutError as StreamTimeoutError
from ._errors import UnexpectedOutputError as UnexpectedOutputError
from ._extra_body import ThinkingParam as ThinkingParam
from ._extra_body import kimi_params as kimi_params
from ._extra_body import partial_message as partial_message
from ._ratelimit_headers import RateLimitInfo as RateLimitInfo
from ._ratelimit_headers import parse_rate_limit_headers as parse_rate_limit_headers
from ._reasoning_echo import ReasoningEchoPolicy as ReasoningEchoPolicy
from ._reasoning_echo import echo_message as echo_message
from ._retry import RetryPolicy as RetryPolicy
from ._retry import is_retryable as is_retryable
from ._rules.chat import KimiWarning as KimiWarning
from ._rules.model_specs import KnownModel as KnownModel
from ._rules.model_specs import ModelSpec as ModelSpec
from ._rules.model_specs import Price as Price
from ._rules.model_specs import clear_model_specs as clear_model_specs
from ._rules.model_specs import get_model_spec as get_model_spec
from ._rules.model_specs import refresh_model_specs as refresh_model_specs
from ._rules.schema import normalize_tool_schema as normalize_tool_schema
from ._rules.schema import normalize_tools as normalize_tools

if _TYPE_CHECKING:
    from ._retry_tenacity import build_async_retrying as build_async_retrying
    from ._retry_tenacity import build_retrying as build_retrying
    from ._rules.files import FileExtractionError as FileExtractionError
    from ._rules.files import FileExtractionServerError as FileExtractionServerError
    from ._streaming import PartialChoice as PartialChoice
    from ._streaming import PartialStream as PartialStream
    from ._streaming import PartialToolCall as PartialToolCall
    from .lib._loop import ContinuationLimitError as ContinuationLimitError
    from .lib._loop import MaxStepsExceededError as MaxStepsExceededError
    from .lib._loop import TokenBudgetExceededError as TokenBudgetExceededError
    from .lib._loop import ToolExecutionError as ToolExecutionError
    from .lib._loop import ToolLoopError as ToolLoopError
    from .lib.batch import BatchTimeoutError as BatchTimeoutError
    from .lib.rate_limits import AsyncRateLimiter as AsyncRateLimiter
    from .lib.rate_limits import rate_limit_of as rate_limit_of
    from .lib.web_search import WEB_SEARCH_TOOL as WEB_SEARCH_TOOL

# Loaded on first use: these live in helper modules that plain client use never needs,
# and `import kimi_openai` should cost little beyond `import openai`.
_LAZY: dict[str, str] = {
    "build_async_retrying": "._retry_tenacity",
    "build_retrying": "._retry_tenacity",
    "PartialChoice": "._streaming",
    "PartialStream": "._streaming",
    "PartialToolCall": "._streaming",
    "BatchTimeoutError": ".lib.batch",
    "FileExtractionError": "._rules.files",
    "FileExtractionServerError": "._rules.files",
    "ContinuationLimitError": ".lib._loop",
    "MaxStepsExceededError": ".lib._loop",
    "TokenBudgetExceededError": ".lib._loop",
    "ToolExecutionError": ".lib._loop",
    "ToolLoopError": ".lib._loop",
    "AsyncRateLimiter": ".lib.rate_limits",
    "rate_limit_of": ".lib.rate_limits",
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
    "EngineOverloadedError",
    "ExceededCurrentQuotaError",
    "ExceededCurrentQuotaForbiddenError",
    "FileExtractionError",
    "FileExtractionServerError",
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
    "ModelSpec",
    "PartialChoice",
    "PartialStream",
    "PartialToolCall",
    "Price",
    "RateLimitInfo",
    "RateLimitReachedError",
    "ReasoningEchoPolicy",
    "Region",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "ServerUnavailableError",
    "StreamConnectionError",
    "StreamInterruptedError",
    "StreamServerError",
    "StreamTimeoutError",
    "ThinkingParam",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "UnexpectedOutputError",
    "build_async_retrying",
    "build_retrying",
    "clear_model_specs",
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
]


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
