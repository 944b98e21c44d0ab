"""Kimi's ``chat.completions``: openai's resource, subclassed.

* Responses come back as Kimi types (:class:`~kimi_openai.types.KimiChatCompletion`,
  streams of :class:`~kimi_openai.types.KimiChatCompletionChunk`,
  :class:`~kimi_openai.types.KimiParsedChatCompletion`), which are subclasses of
  openai's, so ``isinstance`` checks in user and framework code still pass. The swap
  happens where openai's methods post (``self._post``), in the cast type, stream class
  and post-parser of the request, so ``create``, ``.stream()``, ``.parse()`` and every
  response wrapper's ``.parse()`` get it.
* ``thinking=`` is a typed keyword argument (sent in the body; openai has no such
  parameter): https://platform.kimi.ai/docs/api/chat
* Request checks run in the client's ``_prepare_options`` (see ``_pipeline.py``),
  which every one of these paths goes through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, TypeVar, cast, overload

import openai
from openai import Omit, omit
from openai.types.chat import ChatCompletion, ParsedChatCompletion
from pydantic import BaseModel, ValidationError
from typing_extensions import Unpack, override

from kimi_openai._errors import KimiValidationError
from kimi_openai._pipeline import check_helper_call
from kimi_openai._reasoning_echo import echo_message
from kimi_openai._rules.schema import as_items
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import (
    KimiChatCompletion,
    KimiChatCompletionChunk,
    KimiParsedChatCompletion,
    to_kimi_parsed,
)
from kimi_openai.types.thinking_param import ThinkingParam

from ._builtin_tools import has_builtin_tool_call, quiet_builtin_tool_calls, split_builtin_tools
from ._params import KimiCreateArgs, KimiParseArgs, read_once
from ._parse_errors import explained, parsing_to_a_type, raise_for_empty, wants_a_value
from ._partial import AsyncPartialMixin, PartialMixin
from ._stream import AsyncKimiStreamMixin, KimiStreamMixin

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

__all__ = ["AsyncKimiCompletions", "KimiCompletions"]

_T = TypeVar("_T")


def _plain_messages(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Returned message objects put back in ``messages``, as request params.

    openai serialises a model in ``messages`` with pydantic, which warns on a
    ``$web_search`` call (``type: builtin_function`` is not in openai's tool-call
    types); ``echo_message`` writes the same fields out by hand.
    """
    messages = kwargs.get("messages")
    if isinstance(messages, BaseModel):  # one message, not a list: a dict, for the check to name
        return {**kwargs, "messages": messages.model_dump(exclude_unset=True, mode="json")}
    items = as_items(messages)
    if items is None:  # a dict, a str, a number...: left as given, for the request check to refuse
        return kwargs
    if not any(_is_assistant_model(m) for m in items):
        return kwargs if items is messages else {**kwargs, "messages": items}
    plain = [echo_message(m) if _is_assistant_model(m) else m for m in items]
    return {**kwargs, "messages": plain}


def _is_assistant_model(message: object) -> TypeGuard[BaseModel]:
    # Other message objects are serialised by openai as they are.
    return isinstance(message, BaseModel) and getattr(message, "role", "assistant") == "assistant"


def with_thinking(kwargs: dict[str, Any], thinking: ThinkingParam | Omit) -> dict[str, Any]:
    """Put ``thinking`` into ``extra_body``, where openai sends unknown body fields from.

    Also turns returned message objects in ``messages`` into plain params.
    """
    kwargs = _plain_messages(kwargs)
    if isinstance(thinking, Omit):
        return kwargs
    extra = dict(kwargs.get("extra_body") or {})
    if "thinking" in extra and extra["thinking"] != thinking:
        raise KimiValidationError(
            f"thinking={thinking!r} and extra_body['thinking']={extra['thinking']!r} disagree. Pass one of them."
        )
    extra["thinking"] = thinking
    return {**kwargs, "extra_body": extra}


def _openai_parsed(value: object) -> bool:
    return isinstance(value, ParsedChatCompletion) and not isinstance(value, KimiParsedChatCompletion)


def _kimi_post_parser(
    before: Callable[[Any], object], request: Mapping[str, Any] | None, to_a_type: bool
) -> Callable[[Any], object]:
    """openai's post-parser of a chat request, returning Kimi types and explaining a failed parse.

    ``.parse()`` builds its ``ParsedChatCompletion`` in its post-parser, from the
    (Kimi) completion; what it builds is re-typed here, so ``create``-style calls,
    ``with_raw_response(...).parse()`` and ``with_streaming_response`` all get a
    :class:`KimiParsedChatCompletion`. openai dumps the message while parsing, and
    pydantic warns about a builtin tool call it keeps as is: only that warning is silenced.
    What openai's parser raises becomes a :class:`~kimi_openai.StructuredOutputError` that
    is still openai's (or pydantic's) exception; with ``to_a_type`` (a ``.parse()`` to a
    type), an answer with nothing to parse raises too (see ``_parse_errors``).
    """

    def post_parser(completion: object) -> object:
        try:
            with quiet_builtin_tool_calls(has_builtin_tool_call(completion)):
                parsed = before(completion)
        except (
            openai.LengthFinishReasonError,
            openai.ContentFilterFinishReasonError,
            ValidationError,
        ) as error:
            kimi_error = explained(error, completion, request)
            if kimi_error is error:
                raise
            raise kimi_error from error
        if to_a_type:
            raise_for_empty(parsed, request)
        if _openai_parsed(parsed):
            return to_kimi_parsed(cast("ParsedChatCompletion[object]", parsed))
        return parsed

    return post_parser


def kimi_post_arguments(cast_to: object, stream_class: object, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What openai's chat methods post, asking for Kimi types where openai builds the objects.

    The cast type (``ChatCompletion`` → :class:`KimiChatCompletion`), the stream class and
    the post-parser are in the request options: a response wrapper's ``.parse()`` uses them
    as the plain call does, so every wrapper openai has or adds gets the Kimi types.
    """
    if cast_to is ChatCompletion:
        cast_to = KimiChatCompletion
    if kwargs.get("stream_cls") is not None:
        kwargs["stream_cls"] = stream_class
    options = cast("Mapping[str, Any]", kwargs.get("options") or {})
    before = options.get("post_parser")
    if callable(before):
        body = kwargs.get("body")
        request = cast("Mapping[str, Any]", body) if isinstance(body, Mapping) else None
        parser = _kimi_post_parser(cast("Callable[[Any], object]", before), request, wants_a_value())
        kwargs["options"] = {**options, "post_parser": parser}
    return {**kwargs, "cast_to": cast_to}


class KimiCompletions(PartialMixin, KimiStreamMixin):
    """``client.chat.completions`` on a :class:`~kimi_openai.KimiOpenAI` client."""

    def __init__(self, client: OpenAI) -> None:
        super().__init__(client)
        post: Callable[..., Any] = self._post

        def kimi_post(path: str, *, cast_to: object, **kwargs: Any) -> Any:
            return post(path, **kimi_post_arguments(cast_to, KimiStream[KimiChatCompletionChunk], kwargs))

        self._post = kimi_post  # pyright: ignore[reportAttributeAccessIssue]

    @overload
    def create(
        self,
        *,
        stream: Literal[False] | Omit | None = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiCreateArgs],
    ) -> KimiChatCompletion: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiCreateArgs],
    ) -> KimiStream[KimiChatCompletionChunk]: ...
    @overload
    def create(
        self, *, stream: bool, thinking: ThinkingParam | Omit = omit, **kwargs: Unpack[KimiCreateArgs]
    ) -> KimiChatCompletion | KimiStream[KimiChatCompletionChunk]: ...
    @override
    def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> Any:
        """openai's ``create``, returning Kimi types; ``thinking={"type": "enabled" | "disabled"}`` is Kimi's."""
        return cast("Any", super().create(**with_thinking(kwargs, thinking)))

    @overload
    def parse(
        self,
        *,
        response_format: type[_T],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiParsedChatCompletion[_T]: ...
    @overload
    def parse(
        self,
        *,
        response_format: Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiParsedChatCompletion[None]: ...
    # The implementation's parameters are create's (openai's tests keep the two in sync); the
    # overloads above type them.
    @override
    def parse(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, response_format: type[_T] | Omit = omit, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> KimiParsedChatCompletion[_T] | KimiParsedChatCompletion[None]:
        """openai's ``parse``, returning Kimi types (``reasoning_content`` typed on the message).

        The Kimi types come from the request's post-parser (see ``kimi_post_arguments``),
        so ``with_raw_response.parse(...)`` and ``with_streaming_response.parse(...)`` give them too.
        """
        # openai's parse refuses builtin tools ($web_search); they travel in extra_body instead.
        listed = read_once(kwargs)
        check_helper_call(self._client, listed, response_format)
        arguments = split_builtin_tools(with_thinking(listed, thinking))
        with parsing_to_a_type(response_format):
            parsed = super().parse(response_format=response_format, **arguments)
        return cast("KimiParsedChatCompletion[_T] | KimiParsedChatCompletion[None]", parsed)


class AsyncKimiCompletions(AsyncPartialMixin, AsyncKimiStreamMixin):
    """``client.chat.completions`` on an :class:`~kimi_openai.AsyncKimiOpenAI` client."""

    def __init__(self, client: AsyncOpenAI) -> None:
        super().__init__(client)
        post: Callable[..., Awaitable[Any]] = self._post

        async def kimi_post(path: str, *, cast_to: object, **kwargs: Any) -> Any:
            stream_class = AsyncKimiStream[KimiChatCompletionChunk]
            return await post(path, **kimi_post_arguments(cast_to, stream_class, kwargs))

        self._post = kimi_post  # pyright: ignore[reportAttributeAccessIssue]

    @overload
    async def create(
        self,
        *,
        stream: Literal[False] | Omit | None = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiCreateArgs],
    ) -> KimiChatCompletion: ...
    @overload
    async def create(
        self,
        *,
        stream: Literal[True],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiCreateArgs],
    ) -> AsyncKimiStream[KimiChatCompletionChunk]: ...
    @overload
    async def create(
        self, *, stream: bool, thinking: ThinkingParam | Omit = omit, **kwargs: Unpack[KimiCreateArgs]
    ) -> KimiChatCompletion | AsyncKimiStream[KimiChatCompletionChunk]: ...
    @override
    async def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> Any:
        """openai's ``create``, returning Kimi types; ``thinking={"type": "enabled" | "disabled"}`` is Kimi's."""
        return cast("Any", await super().create(**with_thinking(kwargs, thinking)))

    @overload
    async def parse(
        self,
        *,
        response_format: type[_T],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiParsedChatCompletion[_T]: ...
    @overload
    async def parse(
        self,
        *,
        response_format: Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiParsedChatCompletion[None]: ...
    # The implementation's parameters are create's (openai's tests keep the two in sync); the
    # overloads above type them.
    @override
    async def parse(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, response_format: type[_T] | Omit = omit, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> KimiParsedChatCompletion[_T] | KimiParsedChatCompletion[None]:
        """openai's ``parse``, returning Kimi types (``reasoning_content`` typed on the message).

        The Kimi types come from the request's post-parser (see ``kimi_post_arguments``),
        so ``with_raw_response.parse(...)`` and ``with_streaming_response.parse(...)`` give them too.
        """
        # openai's parse refuses builtin tools ($web_search); they travel in extra_body instead.
        listed = read_once(kwargs)
        check_helper_call(self._client, listed, response_format)
        arguments = split_builtin_tools(with_thinking(listed, thinking))
        with parsing_to_a_type(response_format):
            parsed = await super().parse(response_format=response_format, **arguments)
        return cast("KimiParsedChatCompletion[_T] | KimiParsedChatCompletion[None]", parsed)
