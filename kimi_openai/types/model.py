"""What ``client.models.list()`` / ``retrieve()`` return on a Kimi client."""

from __future__ import annotations

from typing import Optional

from openai.types import Model

__all__ = ["KimiModel"]


class KimiModel(Model):
    """openai's ``Model`` with the fields Moonshot adds to ``GET /v1/models`` items.

    Documented at https://platform.kimi.ai/docs/api/list-models; every extra is optional
    because the page was read second-hand and older entries may omit them. ``Optional[X]``,
    not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
    """

    context_length: Optional[int] = None  # noqa: UP045
    """Context window in tokens (input + output)."""

    supports_image_in: Optional[bool] = None  # noqa: UP045
    """Whether ``image_url`` content parts are accepted."""

    supports_video_in: Optional[bool] = None  # noqa: UP045
    """Whether ``video_url`` content parts are accepted."""

    supports_reasoning: Optional[bool] = None  # noqa: UP045
    """Whether the model returns ``reasoning_content`` (a thinking model)."""
