"""Partial mode (assistant prefill) on the Kimi chat completions resource.

``client.chat.completions.partial(messages=..., prefix="```python\\n", model=...)`` sends
``{"role": "assistant", "content": prefix, "partial": true}`` as the last message. Moonshot
answers with the continuation only, never the prefix (https://platform.kimi.ai/docs/api/partial);
the method joins them:

* non-streamed: a :class:`PartialChatCompletion` whose ``message.content`` is prefix +
  continuation, with the raw continuations on ``continuations`` and the prefix on ``prefix``;
* streamed: a :class:`PartialStream` that yields Moonshot's chunks unchanged (continuation only),
  with ``prefix`` and ``text`` (prefix + what arrived so far) on the stream.

``with_raw_response.partial`` and ``with_streaming_response.partial`` reach the same method;
their ``.parse()`` returns the joined completion (or the partial stream).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, cast, overload

from openai import Omit, omit
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai.resources.chat.completions import (
    AsyncCompletions,
    AsyncCompletionsWithRawResponse,
    AsyncCompletionsWithStreamingResponse,
    Completions,
    CompletionsWithRawResponse,
    CompletionsWithStreamingResponse,
)
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from typing_extensions import override

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.model_specs import KnownModel
from kimi_openai._rules.partial import PARTIAL_EXCLUDED_FORMAT, excludes_partial, is_partial, partial_message
from kimi_openai._rules.sources import KD_PARTIAL
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import KimiChatCompletion, KimiChatCompletionChunk
from kimi_openai.types.thinking_param import ThinkingParam

__all__ = [
    "AsyncPartialMixin",
    "AsyncPartialStream",
    "PartialChatCompletion",
    "PartialMixin",
    "PartialStream",
    "join_partial",
]


class PartialChatCompletion(KimiChatCompletion):
    """A partial-mode completion: ``choices[i].message.content`` is ``prefix`` + the continuation.

    Echo ``choices[0].message`` into the next request as the whole assistant turn; the fields
    below live on the completion, never on the message, so they are not sent back.
    """

    prefix: str = ""
    """The prefill the request ended with."""
    continuations: list[str] = []  # noqa: RUF012 # pydantic copies field defaults per instance
    """What Moonshot returned for each choice: the continuation alone."""

    @property
    def continuation(self) -> str:
        """The continuation of the first choice, as Moonshot returned it."""
        return self.continuations[0] if self.continuations else ""

    @property
    def text(self) -> str:
        """The joined text of the first choice (``prefix`` + ``continuation``)."""
        return self.prefix + self.continuation


class _PartialStreamBase:
    prefix: str
    """The prefill the request ended with; the chunks carry only what follows it."""

    def __init__(
        self,
        stream: KimiStream[KimiChatCompletionChunk] | AsyncKimiStream[KimiChatCompletionChunk],
        prefix: str,
    ) -> None:
        self._base = stream
        self.prefix = prefix

    @property
    def text(self) -> str:
        """``prefix`` + the content of the first choice received so far."""
        return self.prefix + self._base.received_content(0)

    @property
    def continuation(self) -> str:
        """The content of the first choice received so far, without the prefix."""
        return self._base.received_content(0)

    @property
    def finished(self) -> bool:
        """Whether ``data: [DONE]`` arrived."""
        return self._base.finished

    @property
    def received(self) -> list[KimiChatCompletionChunk]:
        """The chunks received so far."""
        return cast("list[KimiChatCompletionChunk]", self._base.received)


class PartialStream(_PartialStreamBase):
    """A streamed partial-mode answer: Moonshot's chunks as they come, plus ``prefix`` and ``text``."""

    def __init__(self, stream: KimiStream[KimiChatCompletionChunk], prefix: str) -> None:
        super().__init__(stream, prefix)
        self.stream = stream
        """The underlying :class:`~kimi_openai.KimiStream` (``.response`` and friends)."""

    def __iter__(self) -> Iterator[KimiChatCompletionChunk]:
        return iter(self.stream)

    def __next__(self) -> KimiChatCompletionChunk:
        return next(self.stream)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stream.close()

    def close(self) -> None:
        self.stream.close()


class AsyncPartialStream(_PartialStreamBase):
    """The async :class:`PartialStream`."""

    def __init__(self, stream: AsyncKimiStream[KimiChatCompletionChunk], prefix: str) -> None:
        super().__init__(stream, prefix)
        self.stream = stream
        """The underlying :class:`~kimi_openai.AsyncKimiStream`."""

    def __aiter__(self) -> AsyncIterator[KimiChatCompletionChunk]:
        return self.stream.__aiter__()

    async def __anext__(self) -> KimiChatCompletionChunk:
        return await self.stream.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stream.close()

    async def close(self) -> None:
        await self.stream.close()


def join_partial(completion: ChatCompletion, prefix: str) -> PartialChatCompletion:
    """``completion`` (the continuation Moonshot sent) as a :class:`PartialChatCompletion`.

    The prefix is prepended to every choice's ``content`` in place: the reply holds only the
    continuation, the client must join them (https://platform.kimi.ai/docs/api/partial).
    """
    if isinstance(completion, PartialChatCompletion):
        return completion
    # openai builds an odd body unvalidated (no ``choices``, a choice without ``message``) and
    # returns it as it is; so does this, with an empty continuation where nothing can be joined.
    choices = completion.__dict__.get("choices")
    listed = cast("list[Any]", choices) if isinstance(choices, list) else []
    continuations = [_continuation(choice) for choice in listed]
    for choice, continuation in zip(listed, continuations, strict=True):
        message = getattr(choice, "message", None)
        if message is not None:
            message.content = prefix + continuation
    values: dict[str, Any] = dict(completion)
    values.update(prefix=prefix, continuations=continuations)
    return PartialChatCompletion.model_construct(
        _fields_set={*completion.model_fields_set, "prefix", "continuations"}, **values
    )


def _continuation(choice: object) -> str:
    content = getattr(getattr(choice, "message", None), "content", None)
    return content if isinstance(content, str) else ""


def _joined(result: object, prefix: str) -> object:
    """The joined form of what a partial request parses into: a completion or a stream."""
    if isinstance(result, ChatCompletion):
        return join_partial(result, prefix)
    if isinstance(result, KimiStream):
        return PartialStream(cast("KimiStream[KimiChatCompletionChunk]", result), prefix)
    if isinstance(result, AsyncKimiStream):
        return AsyncPartialStream(cast("AsyncKimiStream[KimiChatCompletionChunk]", result), prefix)
    return result


_R = TypeVar("_R", bound="Completions | AsyncCompletions")


def _joining(resource: _R, prefix: str) -> _R:
    """A copy of ``resource`` whose requests join ``prefix`` to what they parse into.

    The join is the request's post-parser, after openai's own, so the plain call,
    ``with_raw_response(...).parse()`` and ``with_streaming_response(...).parse()`` all
    return the joined completion (or the partial stream). A copy, not a flag on the
    resource: concurrent calls on one client never see each other's prefix.
    """
    joining = copy.copy(resource)
    post: Callable[..., Any] = resource._post  # pyright: ignore[reportPrivateUsage]

    def join(parsed: object) -> object:
        return _joined(parsed, prefix)

    def post_joined(path: str, *, options: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        before: object = (options or {}).get("post_parser")

        def after(parsed: object) -> object:
            return join(cast("Callable[[object], object]", before)(parsed) if callable(before) else parsed)

        return post(path, options={**(options or {}), "post_parser": after}, **kwargs)

    joining._post = post_joined  # pyright: ignore[reportAttributeAccessIssue, reportPrivateUsage]
    return joining


def partial_request(
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    prefix: str,
    name: str | None,
    kwargs: Mapping[str, object],
) -> dict[str, object]:
    """The ``create`` keyword arguments of a partial call, checked with errors that name the fix."""
    if not isinstance(prefix, str):  # pyright: ignore[reportUnnecessaryIsInstance] # callers without a checker
        raise KimiValidationError(
            f"prefix must be a string (the assistant text to continue), got {type(prefix).__name__}."
        )
    history = [cast("Mapping[str, object]", m) for m in messages]
    # Partial mode's rules (_rules/partial.py), checked here wherever the request goes: this
    # method builds the partial message itself, so a second one or json_object is the caller's slip.
    for index, message in enumerate(history):
        if is_partial(message):
            raise KimiValidationError(
                f"messages[{index}] already has partial=true: partial() appends the partial assistant "
                f"message itself from prefix= (only the last message may be partial, {KD_PARTIAL}). "
                "Drop it from messages and pass its content as prefix=."
            )
    if excludes_partial(kwargs.get("response_format")):
        raise KimiValidationError(
            f'partial mode cannot be combined with response_format={{"type": "{PARTIAL_EXCLUDED_FORMAT}"}} '
            f"({KD_PARTIAL}). Drop response_format and describe the JSON in the prompt; "
            'a prefix such as "{" steers the answer into JSON.'
        )
    return {**kwargs, "messages": [*history, partial_message(prefix, name=name)]}


_W = TypeVar("_W")


def _cached(resource: object, wrapper: Callable[[Any], _W]) -> _W:
    # A property, not openai's cached_property: pyright only accepts a narrower type for the
    # wrapper this way, and the .stream() mixin keeps openai's declaration. Cached per resource.
    cache = cast("dict[object, object]", resource.__dict__.setdefault("_kimi_wrappers", {}))
    if wrapper not in cache:
        cache[wrapper] = wrapper(resource)
    return cast("_W", cache[wrapper])


class PartialMixin(Completions):
    """Partial-mode methods of :class:`~kimi_openai.resources.chat.KimiCompletions`."""

    @property
    @override
    def with_raw_response(self) -> KimiCompletionsWithRawResponse:
        return _cached(self, KimiCompletionsWithRawResponse)

    @property
    @override
    def with_streaming_response(self) -> KimiCompletionsWithStreamingResponse:
        return _cached(self, KimiCompletionsWithStreamingResponse)

    @overload
    def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: Literal[False] = False,
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> PartialChatCompletion: ...
    @overload
    def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: Literal[True],
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> PartialStream: ...
    def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: bool = False,
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> PartialChatCompletion | PartialStream:
        """Continue ``prefix`` as the assistant (Partial Mode, https://platform.kimi.ai/docs/api/partial).

        Args:
            messages: the conversation so far, without the partial message.
            prefix: the start of the assistant answer; Moonshot writes what follows.
            model: the model id.
            name: the assistant's ``name`` for role-play: it keeps a character consistent
                (https://platform.moonshot.ai/docs/guide/use-partial-mode-feature-of-kimi-api).
            stream: stream the continuation (a :class:`PartialStream`).
            thinking: as for ``create``.
            **create_kwargs: any other ``create`` argument (``max_tokens``, ``stop``, ...).

        Returns:
            A :class:`PartialChatCompletion` (``message.content`` = prefix + continuation,
            the continuation alone on ``continuations``), or a :class:`PartialStream` whose chunks
            carry the continuation and whose ``prefix`` / ``text`` hold the rest.

        Raises:
            KimiValidationError: ``messages`` already ends in a partial message, or
                ``response_format={"type": "json_object"}`` was passed (not allowed with partial mode).
        """
        kwargs = partial_request(messages, prefix, name, create_kwargs)
        create = cast("Any", _joining(self, prefix).create)
        return create(model=model, stream=stream, thinking=thinking, **kwargs)


class AsyncPartialMixin(AsyncCompletions):
    """Partial-mode methods of :class:`~kimi_openai.resources.chat.AsyncKimiCompletions`."""

    @property
    @override
    def with_raw_response(self) -> AsyncKimiCompletionsWithRawResponse:
        return _cached(self, AsyncKimiCompletionsWithRawResponse)

    @property
    @override
    def with_streaming_response(self) -> AsyncKimiCompletionsWithStreamingResponse:
        return _cached(self, AsyncKimiCompletionsWithStreamingResponse)

    @overload
    async def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: Literal[False] = False,
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> PartialChatCompletion: ...
    @overload
    async def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: Literal[True],
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> AsyncPartialStream: ...
    async def partial(
        self,
        *,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        prefix: str,
        model: str | KnownModel,
        name: str | None = None,
        stream: bool = False,
        thinking: ThinkingParam | Omit = omit,
        **create_kwargs: object,
    ) -> PartialChatCompletion | AsyncPartialStream:
        """Continue ``prefix`` as the assistant; see :meth:`PartialMixin.partial`."""
        kwargs = partial_request(messages, prefix, name, create_kwargs)
        create = cast("Any", _joining(self, prefix).create)
        return await create(model=model, stream=stream, thinking=thinking, **kwargs)


class KimiCompletionsWithRawResponse(CompletionsWithRawResponse):
    """openai's raw-response wrapper with ``partial``."""

    def __init__(self, completions: PartialMixin) -> None:
        super().__init__(completions)
        self.partial = to_raw_response_wrapper(completions.partial)


class AsyncKimiCompletionsWithRawResponse(AsyncCompletionsWithRawResponse):
    """openai's async raw-response wrapper with ``partial``."""

    def __init__(self, completions: AsyncPartialMixin) -> None:
        super().__init__(completions)
        self.partial = async_to_raw_response_wrapper(completions.partial)


class KimiCompletionsWithStreamingResponse(CompletionsWithStreamingResponse):
    """openai's streaming-response wrapper with ``partial``."""

    def __init__(self, completions: PartialMixin) -> None:
        super().__init__(completions)
        self.partial = to_streamed_response_wrapper(completions.partial)


class AsyncKimiCompletionsWithStreamingResponse(AsyncCompletionsWithStreamingResponse):
    """openai's async streaming-response wrapper with ``partial``."""

    def __init__(self, completions: AsyncPartialMixin) -> None:
        super().__init__(completions)
        self.partial = async_to_streamed_response_wrapper(completions.partial)
