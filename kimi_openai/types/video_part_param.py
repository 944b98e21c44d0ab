"""The video content part of a chat message, which openai's types do not have."""

from __future__ import annotations

from typing import Literal, Required, TypeAlias, TypedDict

from openai.types.chat import ChatCompletionContentPartImageParam

__all__ = ["ChatCompletionContentPartVideoParam", "MediaContentPartParam", "VideoURL"]


class VideoURL(TypedDict, total=False):
    url: Required[str]
    """A ``data:video/...;base64,`` URL or ``ms://<file_id>`` of a file uploaded with purpose ``video``."""


class ChatCompletionContentPartVideoParam(TypedDict, total=False):
    """``{"type": "video_url", "video_url": {"url": ...}}`` (https://platform.kimi.ai/docs/api/chat)."""

    type: Required[Literal["video_url"]]
    video_url: Required[VideoURL]


MediaContentPartParam: TypeAlias = ChatCompletionContentPartImageParam | ChatCompletionContentPartVideoParam
"""An image or video part, as ``files.upload_media`` and the ``*_part_from_*`` functions return."""
