"""What ``tokenizers.estimate_token_count`` returns."""

from __future__ import annotations

from openai import BaseModel

__all__ = ["TokenEstimate"]


class TokenEstimate(BaseModel):
    """The number of input tokens a request would use (https://platform.kimi.ai/docs/api/estimate).

    The wire answer is ``{"data": {"total_tokens": N}}``; this is its ``data``.
    Images and video parts count too, as they are billed as tokens.
    """

    total_tokens: int
    """Input tokens of the messages (and tools) as the model would see them."""
