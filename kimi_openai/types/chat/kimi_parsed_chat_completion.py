"""What ``.parse()`` and ``.stream()`` return, with Kimi's fields typed.

openai's ``.parse()`` posts on its own and rebuilds the response as a
``ParsedChatCompletion`` from a dict, and ``.stream()`` builds its final
completion the same way: Kimi's ``reasoning_content`` and ``cached_tokens`` come
out of both as untyped extras. :func:`to_kimi_parsed` re-types such a completion
without copying the parsed content.
"""

from __future__ import annotations

from typing import Generic, Optional, cast

from openai import BaseModel
from openai.types.chat import ParsedChatCompletion, ParsedChatCompletionMessage, ParsedChoice
from openai.types.chat.parsed_chat_completion import ContentType

from .kimi_completion_usage import KimiCompletionUsage

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = [
    "KimiParsedChatCompletion",
    "KimiParsedChatCompletionMessage",
    "KimiParsedChoice",
    "to_kimi_parsed",
]


class KimiParsedChatCompletionMessage(ParsedChatCompletionMessage[ContentType], Generic[ContentType]):
    """openai's ``ParsedChatCompletionMessage`` with ``reasoning_content``."""

    reasoning_content: Optional[str] = None  # noqa: UP045
    """The model's reasoning (https://platform.kimi.ai/docs/api/chat); echo it in tool-call loops."""


class KimiParsedChoice(ParsedChoice[ContentType], Generic[ContentType]):
    """One choice of a :class:`KimiParsedChatCompletion`."""

    message: KimiParsedChatCompletionMessage[ContentType]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The assistant message, with ``parsed`` and ``reasoning_content``."""


class KimiParsedChatCompletion(ParsedChatCompletion[ContentType], Generic[ContentType]):
    """openai's ``ParsedChatCompletion`` with Kimi's choices and usage."""

    choices: list[KimiParsedChoice[ContentType]]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The completion choices."""

    usage: Optional[KimiCompletionUsage] = None  # noqa: UP045 # pyright: ignore[reportIncompatibleVariableOverride]
    """Token counts, with ``cached_tokens`` read from wherever Moonshot put it."""


def _fields_of(model: BaseModel) -> dict[str, object]:
    """The fields that were set plus extras, by reference: nested objects are reused, not rebuilt."""
    values: dict[str, object] = {name: getattr(model, name) for name in model.model_fields_set}
    values.update(model.model_extra or {})
    return values


def to_kimi_parsed(completion: ParsedChatCompletion[ContentType]) -> KimiParsedChatCompletion[ContentType]:
    """Re-type openai's parsed completion as a :class:`KimiParsedChatCompletion`.

    ``parsed`` content and tool calls are kept as the same objects.
    """
    choices: list[object] = []
    for choice in completion.choices:
        message = KimiParsedChatCompletionMessage[ContentType].construct(None, **_fields_of(choice.message))
        choices.append(
            KimiParsedChoice[ContentType].construct(None, **{**_fields_of(choice), "message": message})
        )
    values: dict[str, object] = {**_fields_of(completion), "choices": choices}
    if completion.usage is not None:
        values["usage"] = KimiCompletionUsage.construct(None, **completion.usage.to_dict())
    return cast("KimiParsedChatCompletion[ContentType]", KimiParsedChatCompletion.construct(None, **values))
