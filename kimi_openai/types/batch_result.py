"""What ``run_batch`` and ``resume_batch`` return: the batch and its answers, keyed by ``custom_id``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from openai.types import Batch

from kimi_openai.types.chat import KimiChatCompletion

__all__ = ["BatchRequestFailure", "BatchResult"]


@dataclass(frozen=True, slots=True)
class BatchRequestFailure:
    """One request of a batch that did not produce a completion."""

    custom_id: str
    status_code: int | None
    """The HTTP status the request got inside the batch; ``None`` when the line carries no response."""
    error_type: str | None
    """Moonshot's ``error.type`` (``content_filter``, ``invalid_request_error``...), when given."""
    message: str
    line: Mapping[str, object] = field(repr=False)
    """The whole output or error line, as the server wrote it."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A finished batch: completions and failures by ``custom_id``.

    ``batch.status`` tells how it ended: ``completed``, or ``failed``, ``expired`` or ``cancelled``
    with whatever results the server kept.
    """

    batch: Batch
    completions: Mapping[str, KimiChatCompletion]
    """The successful requests' chat completions."""
    failures: Mapping[str, BatchRequestFailure]
    """The requests that got an error (from the error file, or a non-200 line of the output file)."""
    missing: tuple[str, ...] = ()
    """``custom_id``s submitted but answered nowhere (cancelled or expired before running).

    Known only when the ids are: after ``run_batch``, or ``resume_batch(..., custom_ids=...)``.
    """

    @property
    def succeeded(self) -> bool:
        """The batch completed and every request has a completion."""
        return self.batch.status == "completed" and not self.failures and not self.missing
