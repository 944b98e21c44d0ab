"""Partial mode beyond one call: continue an answer that hit the output limit.

A completion cut off by ``max_tokens`` ends with ``finish_reason == "length"``. Moonshot's
documented remedy is Partial Mode: send the text so far as a partial assistant message and
let the model go on (https://platform.kimi.ai/docs/api/partial). ``continue_after_length``
does that until the answer ends for another reason, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, cast

from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kimi_openai.resources.chat._partial import (
    AsyncPartialStream,
    PartialChatCompletion,
    PartialStream,
    join_partial,
)

from ._loop import ContinuationLimitError

if TYPE_CHECKING:
    from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI

__all__ = [
    "AsyncPartialStream",
    "ContinuationLimitError",
    "PartialChatCompletion",
    "PartialStream",
    "async_continue_after_length",
    "continue_after_length",
    "join_partial",
]

DEFAULT_MAX_CONTINUATIONS = 8


class _Progress:
    """The text so far and the checks between rounds (shared by the sync and async loops)."""

    def __init__(self, completion: ChatCompletion, limit: int) -> None:
        self.text = completion.choices[0].message.content or ""
        self.finish = completion.choices[0].finish_reason
        self.rounds = 0
        self.limit = limit

    def more(self) -> bool:
        if self.finish != "length":
            return False
        if self.rounds >= self.limit:
            raise ContinuationLimitError(
                f"the answer was still cut off (finish_reason='length') after {self.rounds} continuations; "
                "raise max_continuations= or max_tokens=. The text so far is on this error's .text.",
                text=self.text,
                continuations=self.rounds,
            )
        return True

    def add(self, part: PartialChatCompletion) -> None:
        self.rounds += 1
        self.finish = part.choices[0].finish_reason
        if not part.continuation and self.finish == "length":
            # Nothing written and still cut off: the limit is spent before any text (reasoning
            # tokens count toward max_tokens: https://platform.kimi.ai/docs/guide/use-thinking-models).
            raise ContinuationLimitError(
                "a continuation came back empty and cut off again (finish_reason='length'): "
                "max_tokens is too small for this model; raise it.",
                text=self.text,
                continuations=self.rounds,
            )
        self.text = part.text


def continue_after_length(
    client: KimiOpenAI,
    completion: ChatCompletion,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    *,
    max_continuations: int = DEFAULT_MAX_CONTINUATIONS,
    model: str | None = None,
    **create_kwargs: object,
) -> str:
    """The full text of ``completion``'s first choice, continued while it ends with ``length``.

    Args:
        client: a :class:`~kimi_openai.KimiOpenAI`.
        completion: the answer to ``messages`` (from ``create`` or ``partial``).
        messages: the request messages that produced ``completion`` (without any partial message).
        max_continuations: at most this many continuation requests.
        model: the model to continue with; ``completion.model`` by default.
        **create_kwargs: passed to each ``client.chat.completions.partial`` call
            (``max_tokens``, ``name`` for role-play, ...).

    Returns:
        The joined text: the original content followed by every continuation.

    Raises:
        ContinuationLimitError: still cut off after ``max_continuations`` requests, or a continuation
            was empty and cut off again; ``.text`` holds the text so far.
    """
    history = list(messages)
    progress = _Progress(completion, max_continuations)
    while progress.more():
        # Typed by hand: **create_kwargs are open-ended (any create argument).
        send = cast("Callable[..., PartialChatCompletion]", client.chat.completions.partial)
        part = send(messages=history, prefix=progress.text, model=model or completion.model, **create_kwargs)
        progress.add(part)
    return progress.text


async def async_continue_after_length(
    client: AsyncKimiOpenAI,
    completion: ChatCompletion,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    *,
    max_continuations: int = DEFAULT_MAX_CONTINUATIONS,
    model: str | None = None,
    **create_kwargs: object,
) -> str:
    """The async :func:`continue_after_length`."""
    history = list(messages)
    progress = _Progress(completion, max_continuations)
    while progress.more():
        send = cast("Callable[..., Awaitable[PartialChatCompletion]]", client.chat.completions.partial)
        part = await send(
            messages=history, prefix=progress.text, model=model or completion.model, **create_kwargs
        )
        progress.add(part)
    return progress.text
