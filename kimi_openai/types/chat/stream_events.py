"""Events of the Kimi ``.stream()`` method: openai's, plus the reasoning of thinking models.

Kimi's thinking models stream their reasoning as ``delta.reasoning_content``
before any ``content`` (https://platform.kimi.ai/docs/guide/use-thinking-models).
openai's ``.stream()`` has no event for it; these two follow the shape of openai's
``content.delta`` / ``content.done``.

:class:`KimiChunkEvent` is openai's ``ChunkEvent`` whose ``snapshot`` is built the
first time it is read, not on every chunk: building the accumulated completion is
what made openai's ``.stream()`` slow on thousand-chunk reasoning streams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

from openai import BaseModel
from openai.lib.streaming.chat import (
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    LogprobsContentDeltaEvent,
    LogprobsContentDoneEvent,
    LogprobsRefusalDeltaEvent,
    LogprobsRefusalDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
)
from pydantic import PrivateAttr
from typing_extensions import TypeVar, override

from .kimi_parsed_chat_completion import KimiParsedChatCompletion

__all__ = [
    "KimiChatCompletionStreamEvent",
    "KimiChunkEvent",
    "ReasoningDeltaEvent",
    "ReasoningDoneEvent",
]

ResponseFormatT = TypeVar("ResponseFormatT", default=None)


class ReasoningDeltaEvent(BaseModel):
    """Yielded for every chunk with ``delta.reasoning_content``."""

    type: Literal["reasoning.delta"]

    delta: str
    """This chunk's piece of the reasoning."""

    snapshot: str
    """The reasoning received so far, this piece included."""


class ReasoningDoneEvent(BaseModel):
    """Yielded once the reasoning is complete: when the answer, a tool call or the finish reason arrives."""

    type: Literal["reasoning.done"]

    reasoning_content: str
    """The full reasoning, as the final message's ``reasoning_content`` carries it."""


class KimiChunkEvent(ChunkEvent):
    """openai's ``chunk`` event; ``snapshot`` is the completion accumulated up to when it is first read."""

    snapshot: KimiParsedChatCompletion[object]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The completion accumulated so far, with Kimi's fields typed (built on first read)."""

    _snapshot_source: Callable[[], KimiParsedChatCompletion[object]] | None = PrivateAttr(default=None)

    def _materialize(self) -> None:
        if "snapshot" not in self.__dict__ and self._snapshot_source is not None:
            fields = cast("dict[str, Any]", self.__dict__)
            fields["snapshot"] = self._snapshot_source()

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name == "snapshot":
                self._materialize()
                return self.__dict__["snapshot"]
            return super().__getattr__(name)

    @override
    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # pyright: ignore[reportIncompatibleMethodOverride]
        self._materialize()
        return super().model_dump(**kwargs)

    @override
    def model_dump_json(self, **kwargs: Any) -> str:  # pyright: ignore[reportIncompatibleMethodOverride]
        self._materialize()
        return super().model_dump_json(**kwargs)

    @override
    def __eq__(self, other: object) -> bool:
        self._materialize()
        if isinstance(other, KimiChunkEvent):
            other._materialize()
        return super().__eq__(other)

    __hash__ = None  # pyright: ignore[reportAssignmentType]

    @override
    def __repr_args__(self) -> Any:
        self._materialize()
        return super().__repr_args__()


# Spelled out: openai's ``ChatCompletionStreamEvent`` union cannot be re-parameterised at run time.
KimiChatCompletionStreamEvent: TypeAlias = (
    ChunkEvent
    | ContentDeltaEvent
    | ContentDoneEvent[ResponseFormatT]
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | FunctionToolCallArgumentsDeltaEvent
    | FunctionToolCallArgumentsDoneEvent
    | LogprobsContentDeltaEvent
    | LogprobsContentDoneEvent
    | LogprobsRefusalDeltaEvent
    | LogprobsRefusalDoneEvent
    | ReasoningDeltaEvent
    | ReasoningDoneEvent
)
"""Every event the Kimi ``.stream()`` yields (``chunk`` events are :class:`KimiChunkEvent`)."""
