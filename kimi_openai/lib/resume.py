"""Resume a broken chat stream with partial mode, so the text a user reads has no gap.

When a stream breaks (:class:`~kimi_openai.StreamInterruptedError`), the text received
so far is sent back as a partial assistant message and the model continues from
there; Moonshot answers only the continuation (https://platform.kimi.ai/docs/api/partial).
The chunks of every attempt are yielded in order, so joining their ``delta.content``
gives the whole answer.

Only one layer retries: tenacity drives the attempts (the classifier is
:func:`~kimi_openai.is_retryable`, the waits honour ``Retry-After``), and every request
made here goes through ``client.with_options(max_retries=0)``, a client with no retry
layer of its own (neither the SDK's nor a tenacity ``retry_policy``).

Where continuing is unsafe, the interruption is raised as it is, with its ``partial``:

- a tool call had started: half a call's arguments cannot be prefilled as text;
- only reasoning had arrived: partial mode with thinking is undocumented, and a fresh
  request would stream a second, different reasoning after the first;
- several choices (``n`` > 1): partial mode continues one message;
- anything :func:`~kimi_openai.is_retryable` refuses, such as an ``error`` event whose type
  waiting does not fix (a content filter, an empty balance).

A stream that broke before anything arrived is simply sent again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import tenacity

from kimi_openai._errors import StreamInterruptedError, StreamServerError
from kimi_openai._retry import (
    DEFAULT_RETRY_POLICY,
    RetryPolicy,
    RetrySetup,
    coerce_retry_policy,
    is_retryable,
)
from kimi_openai._retry_tenacity import async_retrying, sync_retrying
from kimi_openai._state import kimi_state_of
from kimi_openai._stream_snapshot import StreamSnapshot, stream_snapshot
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import KimiChatCompletionChunk

if TYPE_CHECKING:
    from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI

__all__ = ["async_stream_with_resume", "stream_with_resume"]


def stream_with_resume(
    client: KimiOpenAI,
    *,
    max_resumes: int = 2,
    retry: RetryPolicy | tenacity.Retrying | None = None,
    **create_kwargs: Any,
) -> Iterator[KimiChatCompletionChunk]:
    """Stream a chat completion, continuing it with partial mode when the stream breaks.

    Args:
        client: the Kimi client; its retry policy supplies the waits.
        max_resumes: requests allowed after the first (continuations and plain resends).
        retry: the waits; a ``RetryPolicy``'s ``max_retries`` is replaced by ``max_resumes``;
            a ``tenacity.Retrying`` keeps its stop and waits, and its ``retry`` rule is asked
            only about errors :func:`~kimi_openai.is_retryable` allows.
        create_kwargs: what ``client.chat.completions.create`` takes; ``stream`` is forced on.

    Raises:
        StreamInterruptedError: the stream broke where resuming is unsafe, or too often;
            ``partial`` holds everything received across attempts.
    """
    retrying = sync_retrying(_setup(client, max_resumes, retry))
    quiet = client.with_options(max_retries=0)
    sent = _Progress(create_kwargs)
    retrying.begin()
    state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
    while True:
        action = retrying.iter(retry_state=state)
        if isinstance(action, tenacity.DoSleep):
            state.prepare_for_next_attempt()
            retrying.sleep(action)
            continue
        if not isinstance(action, tenacity.DoAttempt):
            return
        try:
            request = sent.request()
            stream = cast("KimiStream[KimiChatCompletionChunk]", quiet.chat.completions.create(**request))
            for chunk in stream:
                sent.seen(chunk)
                yield chunk
        except Exception as exc:
            sent.check(exc)
            state.set_exception((type(exc), exc, exc.__traceback__))
        else:
            state.set_result(None)


async def async_stream_with_resume(
    client: AsyncKimiOpenAI,
    *,
    max_resumes: int = 2,
    retry: RetryPolicy | tenacity.Retrying | tenacity.AsyncRetrying | None = None,
    **create_kwargs: Any,
) -> AsyncIterator[KimiChatCompletionChunk]:
    """The async twin of :func:`stream_with_resume`."""
    retrying = async_retrying(_setup(client, max_resumes, retry))
    quiet = client.with_options(max_retries=0)
    sent = _Progress(create_kwargs)
    retrying.begin()
    state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
    while True:
        action = await retrying.iter(retry_state=state)
        if isinstance(action, tenacity.DoSleep):
            state.prepare_for_next_attempt()
            await retrying.sleep(action)  # pyright: ignore[reportGeneralTypeIssues, reportUnknownMemberType]
            continue
        if not isinstance(action, tenacity.DoAttempt):
            return
        try:
            request = sent.request()
            stream = cast(
                "AsyncKimiStream[KimiChatCompletionChunk]", await quiet.chat.completions.create(**request)
            )
            async for chunk in stream:
                sent.seen(chunk)
                yield chunk
        except Exception as exc:
            sent.check(exc)
            state.set_exception((type(exc), exc, exc.__traceback__))
        else:
            state.set_result(None)


def _setup(
    client: KimiOpenAI | AsyncKimiOpenAI,
    max_resumes: int,
    retry: RetryPolicy | tenacity.Retrying | tenacity.AsyncRetrying | None,
) -> RetrySetup:
    if isinstance(retry, tenacity.Retrying | tenacity.AsyncRetrying):
        return coerce_retry_policy(retry)
    state = kimi_state_of(client)
    base = retry or (None if state is None else state.retry.policy) or DEFAULT_RETRY_POLICY
    return RetrySetup(replace(base, max_retries=max_resumes))


class _Progress:
    """What the user has been given so far, and the request that continues from there."""

    def __init__(self, create_kwargs: Mapping[str, Any]) -> None:
        self.kwargs: dict[str, Any] = {**create_kwargs, "stream": True}
        self.messages: list[Any] = list(self.kwargs.pop("messages", ()))
        self.content = ""
        self.reasoning = ""
        self.tool_call_started = False
        self.chunks: list[Any] = []
        self.continuing = False

    def request(self) -> dict[str, Any]:
        """The next request: the original, plus the received text as a partial assistant turn."""
        self.continuing = bool(self.content)
        if not self.content:
            return {**self.kwargs, "messages": self.messages}
        messages = list(self.messages)
        tail: object = messages[-1] if messages else None
        last = cast("Mapping[str, Any]", tail) if isinstance(tail, Mapping) else None
        if last is not None and last.get("role") == "assistant" and last.get("partial"):
            # The caller prefilled already: the prefix grows by what arrived.
            messages[-1] = {**last, "content": f"{last.get('content') or ''}{self.content}"}
        else:
            turn: dict[str, Any] = {"role": "assistant", "content": self.content, "partial": True}
            if self.reasoning:
                # ⚠ partial mode on a thinking model is undocumented: the reasoning that led
                # to the text goes back with it, as on any echoed thinking turn.
                turn["reasoning_content"] = self.reasoning
            messages.append(turn)
        return {**self.kwargs, "messages": messages}

    def seen(self, chunk: KimiChatCompletionChunk) -> None:
        """Record a chunk before it is handed on; a continuation's fresh reasoning is dropped.

        The user already has the reasoning behind the answer: a second one, written
        for the continuation, would be glued to it mid-thought.
        """
        self.chunks.append(chunk)
        for choice in chunk.choices:
            delta = choice.delta
            if self.continuing and delta.reasoning_content:
                delta.reasoning_content = None
            self.content += delta.content or ""
            self.reasoning += delta.reasoning_content or ""
            self.tool_call_started = self.tool_call_started or bool(delta.tool_calls)

    def check(self, exc: Exception) -> None:
        """Raise ``exc`` unless another attempt may continue safely.

        An interruption's ``partial`` becomes what every attempt delivered, so the error
        finally raised (here, or by tenacity when it gives up) loses nothing.
        """
        if not isinstance(exc, StreamInterruptedError):
            return  # an HTTP error before any chunk: the classifier decides
        reason = self._unsafe(exc)
        exc.partial = self.snapshot(exc.partial)
        if reason is not None:
            exc.add_note(f"Not resumed: {reason}.")
            raise exc

    def _unsafe(self, exc: StreamInterruptedError) -> str | None:
        if len(exc.partial.choices) > 1:
            return "several choices were streaming; partial mode continues one message"
        if self.tool_call_started:
            return "a tool call had started; its arguments cannot be prefilled"
        if self.reasoning and not self.content:
            return "only reasoning had arrived; partial mode with thinking is undocumented"
        if not is_retryable(exc):
            if isinstance(exc, StreamServerError):
                return f"the server's error event ({exc.error_type}) does not pass with time"
            return "the error is not retryable"
        return None

    def snapshot(self, last: StreamSnapshot) -> StreamSnapshot:
        """What every attempt delivered, as one partial (the text joined across attempts)."""
        merged = stream_snapshot(self.chunks)
        return replace(merged, usage=last.usage or merged.usage)
