"""``usage`` as Moonshot sends it: openai's ``CompletionUsage`` plus ``cached_tokens``.

Moonshot documents the prompt-cache hit count at the top level of ``usage``
(``usage.cached_tokens``, https://platform.kimi.ai/docs/api/chat), but live
responses have also carried it inside ``prompt_tokens_details.cached_tokens``,
sometimes in both places (https://github.com/AstrBotDevs/AstrBot/issues/6614).
:attr:`KimiCompletionUsage.cached_tokens` reads whichever is there, top level first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Self

from openai.types import CompletionUsage
from pydantic import model_validator
from typing_extensions import override

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = ["KimiCompletionUsage"]


class KimiCompletionUsage(CompletionUsage):
    """Token counts of one completion, with Moonshot's prompt-cache hits."""

    cached_tokens: Optional[int] = None  # noqa: UP045
    """Prompt tokens served from Moonshot's automatic prefix cache (already counted in
    ``prompt_tokens``). Filled from ``prompt_tokens_details.cached_tokens`` when the
    top-level field is absent. ``None`` for models without automatic caching."""

    def _fill_cached_tokens(self) -> None:
        if self.cached_tokens is None and self.prompt_tokens_details is not None:
            nested = self.prompt_tokens_details.cached_tokens
            if nested is not None:
                self.cached_tokens = nested

    @model_validator(mode="after")
    def _cached_tokens_from_details(self) -> Self:
        self._fill_cached_tokens()
        return self

    # openai builds response models with ``construct()``, which skips validators:
    # the same step runs there so both ways of building give equal objects.
    @classmethod
    @override
    def construct(cls, _fields_set: set[str] | None = None, **values: object) -> Self:
        usage = super().construct(_fields_set, **values)
        usage._fill_cached_tokens()
        return usage

    if not TYPE_CHECKING:
        model_construct = construct
