"""kimi_openai: the official openai SDK, speaking Kimi (Moonshot AI).

Swap ``openai.OpenAI()`` for ``KimiOpenAI()`` and keep the rest of your code.
"""

from __future__ import annotations

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
from ._errors import RateLimitReachedError as RateLimitReachedError
from ._errors import ResourceNotFoundError as ResourceNotFoundError
from ._errors import ServerError as ServerError
from ._errors import ServerUnavailableError as ServerUnavailableError
from ._errors import StreamInterruptedError as StreamInterruptedError
from ._errors import UnexpectedOutputError as UnexpectedOutputError
from ._models import KnownModel as KnownModel
from ._models import ModelSpec as ModelSpec
from ._models import Price as Price
from ._models import clear_model_specs as clear_model_specs
from ._models import get_model_spec as get_model_spec
from ._models import refresh_model_specs as refresh_model_specs
from ._params import ThinkingParam as ThinkingParam
from ._params import kimi_params as kimi_params
from ._params import partial_message as partial_message
from ._ratelimit import AsyncRateLimiter as AsyncRateLimiter
from ._ratelimit import RateLimitInfo as RateLimitInfo
from ._ratelimit import parse_rate_limit_headers as parse_rate_limit_headers
from ._retry import RetryPolicy as RetryPolicy
from ._retry import build_async_retrying as build_async_retrying
from ._retry import build_retrying as build_retrying
from ._retry import is_retryable as is_retryable
from ._schema import normalize_tool_schema as normalize_tool_schema
from ._schema import normalize_tools as normalize_tools
from ._validation import KimiWarning as KimiWarning
from .lib import BatchTimeoutError as BatchTimeoutError
from .lib import FileExtractionError as FileExtractionError

__all__ = [
    "REGION_BASE_URLS",
    "AsyncKimiOpenAI",
    "AsyncRateLimiter",
    "BatchTimeoutError",
    "ClientClosedRequestError",
    "ContentFilterError",
    "EngineOverloadedError",
    "ExceededCurrentQuotaError",
    "ExceededCurrentQuotaForbiddenError",
    "FileExtractionError",
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
    "ModelSpec",
    "Price",
    "RateLimitInfo",
    "RateLimitReachedError",
    "Region",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "ServerUnavailableError",
    "StreamInterruptedError",
    "ThinkingParam",
    "UnexpectedOutputError",
    "build_async_retrying",
    "build_retrying",
    "clear_model_specs",
    "get_model_spec",
    "is_retryable",
    "kimi_params",
    "normalize_tool_schema",
    "normalize_tools",
    "parse_rate_limit_headers",
    "partial_message",
    "refresh_model_specs",
]
