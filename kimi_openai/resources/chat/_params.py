"""Keyword arguments of the Kimi ``create`` / ``parse`` / ``stream``, typed for checkers.

``create`` takes openai's own parameter TypedDict (whatever the installed openai
line has), so every openai parameter keeps its type; ``parse`` and ``stream``
declare ``response_format`` themselves, which a TypedDict may not repeat, so they
use the list of parameters Moonshot documents (https://platform.kimi.ai/docs/api/chat).
At run time every keyword passes through to openai, typed here or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from openai import NotGiven
from openai._types import Body, Headers, Query, SequenceNotStr
from openai.types.chat import (
    ChatCompletionMessageParam,
    ChatCompletionPredictionContentParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolUnionParam,
)
from openai.types.chat.completion_create_params import CompletionCreateParamsBase
from openai.types.shared_params import Metadata

# typing_extensions, as openai uses: a TypedDict cannot mix the two implementations.
from typing_extensions import Required, TypedDict  # noqa: UP035

from kimi_openai._compat import httpx
from kimi_openai._rules.chat_shape import listify
from kimi_openai._rules.model_specs import KnownModel

__all__ = ["KimiCreateArgs", "KimiParseArgs", "RequestOptionArgs", "read_once"]


class RequestOptionArgs(TypedDict, total=False):
    """The per-request options every openai method takes."""

    extra_headers: Headers | None
    extra_query: Query | None
    extra_body: Body | None
    timeout: float | httpx.Timeout | NotGiven | None


class KimiCreateArgs(CompletionCreateParamsBase, RequestOptionArgs, total=False):
    """openai's ``chat.completions.create`` parameters (without ``stream``), plus request options."""

    # Redeclared for editors: openai lists its own model names here. ``str | KnownModel`` is the
    # same set of values as openai's ``str | ChatModel`` (any string), so checkers accept the
    # redeclaration; what changes is the list of ids offered for completion.
    model: Required[str | KnownModel]


class KimiParseArgs(RequestOptionArgs, total=False):
    """The chat parameters Moonshot documents, for ``parse`` and ``stream``."""

    messages: Required[Iterable[ChatCompletionMessageParam]]
    model: Required[str | KnownModel]
    frequency_penalty: float | None
    logprobs: bool | None
    max_completion_tokens: int | None
    max_tokens: int | None
    metadata: Metadata | None
    n: int | None
    parallel_tool_calls: bool
    prediction: ChatCompletionPredictionContentParam | None
    presence_penalty: float | None
    prompt_cache_key: str | None
    reasoning_effort: Literal["minimal", "low", "medium", "high", "max"] | None
    safety_identifier: str | None
    seed: int | None
    stop: str | SequenceNotStr[str] | None
    stream_options: ChatCompletionStreamOptionsParam | None
    temperature: float | None
    tool_choice: ChatCompletionToolChoiceOptionParam
    tools: Iterable[ChatCompletionToolUnionParam]
    top_logprobs: int | None
    top_p: float | None
    user: str


def read_once(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments, with ``messages`` and ``tools`` given as a one-pass iterable (a generator) read into lists.

    ``parse`` and ``stream`` read them more than once (checked, split, sent, then parsed
    against), where openai's helpers take any iterable: a generator must not arrive empty.
    """
    arguments = dict(kwargs)
    listify(arguments)
    return arguments
