"""Chat message parts from files, for requests: images and videos inlined as ``data:`` URLs, and
extracted documents as system messages (https://platform.kimi.ai/docs/api/files-upload,
https://platform.kimi.ai/docs/guide/use-kimi-vision-model).

The formats, sizes and the part shapes are Moonshot's rules (``kimi_openai._rules.files``);
uploading a file and referencing it as ``ms://<file_id>`` is ``client.files.upload_media``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from openai.types.chat import ChatCompletionContentPartImageParam, ChatCompletionSystemMessageParam

from kimi_openai._rules.files import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    check_media_name,
    data_url,
    image_mime,
    media_part,
    sniff_image,
    sniff_video,
    video_mime,
)
from kimi_openai.types.file_content import ExtractedFile
from kimi_openai.types.video_part_param import ChatCompletionContentPartVideoParam

__all__ = [
    "extracted_file_messages",
    "image_part_from_bytes",
    "image_part_from_path",
    "video_part_from_bytes",
    "video_part_from_path",
]


def extracted_file_messages(
    files: ExtractedFile | Iterable[ExtractedFile],
) -> list[ChatCompletionSystemMessageParam]:
    """One system message per file, as Moonshot recommends (files-upload page); put them before the question."""
    if isinstance(files, ExtractedFile):
        return [files.as_system_message()]
    return [file.as_system_message() for file in files]


def image_part_from_bytes(
    data: bytes, *, mime_type: str | None = None
) -> ChatCompletionContentPartImageParam:
    """An ``image_url`` part carrying ``data`` as a base64 data URL (plain http URLs are not read: vision guide)."""
    kind = mime_type or sniff_image(data)
    return cast(ChatCompletionContentPartImageParam, media_part(data_url(data, kind), "image"))


def image_part_from_path(path: str | os.PathLike[str]) -> ChatCompletionContentPartImageParam:
    """An ``image_url`` part with the file inlined; upload big or reused images instead (``files.upload_media``)."""
    file = Path(path)
    check_media_name(file.name, IMAGE_EXTENSIONS, "image")
    return image_part_from_bytes(file.read_bytes(), mime_type=image_mime(file.suffix))


def video_part_from_bytes(
    data: bytes, *, mime_type: str | None = None
) -> ChatCompletionContentPartVideoParam:
    """A ``video_url`` part carrying ``data`` as a base64 data URL (vision guide)."""
    kind = mime_type or sniff_video(data)
    return cast(ChatCompletionContentPartVideoParam, media_part(data_url(data, kind), "video"))


def video_part_from_path(path: str | os.PathLike[str]) -> ChatCompletionContentPartVideoParam:
    """A ``video_url`` part with the file inlined; prefer ``files.upload_media`` for anything large."""
    file = Path(path)
    check_media_name(file.name, VIDEO_EXTENSIONS, "video")
    return video_part_from_bytes(file.read_bytes(), mime_type=video_mime(file.suffix))
