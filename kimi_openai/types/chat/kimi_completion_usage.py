"""``usage`` as Moonshot sends it: openai's ``CompletionUsage`` plus ``cached_tokens``.

Moonshot documents the prompt-cache hit count at the top level of ``usage``
(``usage.cached_tokens``, https://platform.kimi.ai/docs/api/chat), but live
responses have also carried it inside ``prompt_tokens_details.cached_tokens``,
sometimes in both places (https://github.com/AstrBotDevs/AstrBot/issues/6614).
Both places end up filled from whichever Moonshot sent:

* :attr:`KimiCompletionUsage.cached_tokens` reads it, top level first;
* ``prompt_tokens_details.cached_tokens``, OpenAI's place for it, gets the top-level
  count when it has none: openai-agents' ``Usage``, langchain-openai's
  ``usage_metadata.input_token_details.cache_read`` and pydantic-ai read only that
  field, and reported no cache hits on Moonshot. K3 answers carry only the top-level
  field (https://github.com/promptfoo/promptfoo/pull/10132).

No other figure changes: a count present in both places is kept as sent, and the
other fields of ``prompt_tokens_details`` (``cache_write_tokens``...) stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Self, cast

from openai.types import CompletionUsage
from openai.types.completion_usage import PromptTokensDetails
from pydantic import model_validator
from typing_extensions import override

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = ["KimiCompletionUsage"]


class KimiCompletionUsage(CompletionUsage):
    """Token counts of one completion, with Moonshot's prompt-cache hits."""

    cached_tokens: Optional[int] = None  # noqa: UP045
    """Prompt tokens served from Moonshot's automatic prefix cache (already counted in
    ``prompt_tokens``). Filled from ``prompt_tokens_details.cached_tokens`` when the
    top-level field is absent, and copied there when that one is. ``None`` for models
    without automatic caching."""

    def _fill_cached_tokens(self) -> None:
        # ``prompt_tokens_details`` may be anything when built without validation from a malformed payload.
        details = cast("object", self.prompt_tokens_details)
        if details is not None and not isinstance(details, PromptTokensDetails):
            return
        nested = None if details is None else details.cached_tokens
        if self.cached_tokens is None:
            if nested is not None:
                self.cached_tokens = nested
        elif nested is None:
            if details is None:
                # Assigned, not put in ``__dict__``: the field counts as set, as a wire value would.
                # Built by the compiled validator: openai's construct() costs twenty times more.
                self.prompt_tokens_details = PromptTokensDetails(cached_tokens=self.cached_tokens)
            else:
                details.cached_tokens = self.cached_tokens

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
