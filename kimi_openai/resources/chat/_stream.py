"""The ``.stream()`` method of the Kimi chat completions resource.

Takes what openai's ``.stream()`` takes, plus ``thinking=``, and sends the request
through the Kimi ``create(stream=True)`` (Kimi chunks, parsed once by the compiled
validator). The events are openai's plus ``reasoning.delta`` / ``reasoning.done``
(thinking models stream ``reasoning_content`` first:
https://platform.kimi.ai/docs/guide/use-thinking-models); the final completion
carries ``reasoning_content``, the tool calls and the usage, wherever Moonshot put
it (https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).

Tools are not checked for auto-parsing: Moonshot's builtin tools
(``{"type": "builtin_function", "function": {"name": "$web_search"}}``,
https://platform.kimi.ai/docs/guide/use-web-search) are passed as given, where
openai 2.x's async ``.stream()`` rejects any tool that is not a strict function.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from openai import Omit, omit
from openai.lib._parsing._completions import type_to_response_format_param
from openai.resources.chat.completions import AsyncCompletions, Completions
from typing_extensions import TypeVar, Unpack

from kimi_openai._request import check_helper_call
from kimi_openai.resources.chat._stream_manager import (
    AsyncKimiChatCompletionStreamManager,
    KimiChatCompletionStreamManager,
)
from kimi_openai.types.thinking_param import ThinkingParam

from ._params import KimiParseArgs

__all__ = ["AsyncKimiStreamMixin", "KimiStreamMixin"]

_T = TypeVar("_T", default=None)
_HELPER_HEADER = {"X-Stainless-Helper-Method": "chat.completions.stream"}


def _request_arguments(
    kwargs: dict[str, Any], response_format: object, thinking: ThinkingParam | Omit
) -> tuple[dict[str, Any], list[Any] | Omit]:
    """The ``create(stream=True)`` arguments, and the tools as a list (read twice: sent, then parsed)."""
    tools = kwargs.pop("tools", omit)
    input_tools: list[Any] | Omit = omit if isinstance(tools, Omit) else list(cast("list[Any]", tools))
    headers: dict[str, Any] = {**_HELPER_HEADER, **(kwargs.pop("extra_headers", None) or {})}
    arguments: dict[str, Any] = {
        **kwargs,
        "stream": True,
        "thinking": thinking,
        "response_format": type_to_response_format_param(cast(Any, response_format)),
        "tools": input_tools,
        "extra_headers": headers,
    }
    return arguments, input_tools


class KimiStreamMixin(Completions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.KimiCompletions`."""

    def stream(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        response_format: type[_T] | Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiChatCompletionStreamManager[_T]:
        """Stream a completion as events (openai's, plus ``reasoning.delta`` / ``reasoning.done``).

        ```py
        with client.chat.completions.stream(model="kimi-k2.6", messages=[...]) as stream:
            for event in stream:
                if event.type == "reasoning.delta":
                    print(event.delta, end="")
            completion = stream.get_final_completion()
        ```

        Use it as a context manager: the request is sent on entering, and the response
        closed on leaving, read or not.
        """
        check_helper_call(self._client, kwargs, response_format)
        arguments, input_tools = _request_arguments(dict(kwargs), response_format, thinking)
        create = cast(Any, self.create)
        return KimiChatCompletionStreamManager(
            partial(create, **arguments), response_format=response_format, input_tools=input_tools
        )


class AsyncKimiStreamMixin(AsyncCompletions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.AsyncKimiCompletions`."""

    def stream(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        response_format: type[_T] | Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> AsyncKimiChatCompletionStreamManager[_T]:
        """Async :meth:`KimiStreamMixin.stream`: ``async with client.chat.completions.stream(...) as stream:``.

        The request is sent on entering.
        """
        check_helper_call(self._client, kwargs, response_format)
        arguments, input_tools = _request_arguments(dict(kwargs), response_format, thinking)
        create = cast(Any, self.create)
        return AsyncKimiChatCompletionStreamManager(
            partial(create, **arguments), response_format=response_format, input_tools=input_tools
        )
