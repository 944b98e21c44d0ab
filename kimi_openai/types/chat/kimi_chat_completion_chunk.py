"""One streamed Kimi chat completion chunk.

Moonshot streams thinking as ``delta.reasoning_content`` before any ``content``
(https://platform.kimi.ai/docs/guide/use-thinking-models), and by default puts
the stream's usage inside ``choices[0].usage`` of the last chunk instead of at the
top level
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
:class:`KimiChatCompletionChunk` copies such a choice's usage to ``chunk.usage`` so
code written for OpenAI's ``include_usage`` shape, and openai's ``.stream()``
method, see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Self, cast

from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
from pydantic import model_validator
from typing_extensions import override

from .kimi_completion_usage import KimiCompletionUsage

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = ["KimiChatCompletionChunk", "KimiChoiceDelta", "KimiChunkChoice"]


class KimiChoiceDelta(ChoiceDelta):
    """openai's ``ChoiceDelta`` with the thinking models' ``reasoning_content``."""

    reasoning_content: Optional[str] = None  # noqa: UP045
    """A fragment of the model's reasoning; these arrive before any ``content``."""


class KimiChunkChoice(Choice):
    """One choice of a :class:`KimiChatCompletionChunk`."""

    delta: KimiChoiceDelta  # pyright: ignore[reportIncompatibleVariableOverride]
    """What this chunk adds to the message."""

    usage: Optional[KimiCompletionUsage] = None  # noqa: UP045
    """Usage of the whole stream, sent by Moonshot on the last chunk's choice (per choice when ``n`` > 1)."""


class KimiChatCompletionChunk(ChatCompletionChunk):
    """openai's ``ChatCompletionChunk`` with Kimi's choices: still ``isinstance(x, ChatCompletionChunk)``."""

    choices: list[KimiChunkChoice]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The choices this chunk updates (empty on an ``include_usage`` usage-only chunk)."""

    usage: Optional[KimiCompletionUsage] = None  # noqa: UP045 # pyright: ignore[reportIncompatibleVariableOverride]
    """The stream's usage: top-level when Moonshot sends it there, else copied from the first
    choice that carries one."""

    def _surface_choice_usage(self) -> None:
        if self.usage is not None:
            return
        # ``choices`` may be anything when built without validation from a malformed payload.
        choices = cast("object", self.choices)
        if not isinstance(choices, list):
            return
        for choice in cast("list[object]", choices):
            usage = getattr(choice, "usage", None)
            if isinstance(usage, KimiCompletionUsage):
                # Assigning (not ``__dict__``) marks the field set, as a wire ``usage`` would be.
                self.usage = usage  # pyright: ignore[reportIncompatibleVariableOverride]
                return

    @model_validator(mode="after")
    def _usage_from_choice(self) -> Self:
        self._surface_choice_usage()
        return self

    # openai builds streamed chunks with ``construct()``, which skips validators:
    # the same step runs there so both ways of building give equal objects.
    @classmethod
    @override
    def construct(cls, _fields_set: set[str] | None = None, **values: object) -> Self:
        chunk = super().construct(_fields_set, **values)
        chunk._surface_choice_usage()
        return chunk

    if not TYPE_CHECKING:
        model_construct = construct
