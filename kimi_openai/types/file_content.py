"""What ``files.extract`` returns: the text Moonshot extracted from an uploaded document."""

from __future__ import annotations

from typing import Literal, TypeAlias

from openai import BaseModel
from openai.types.chat import ChatCompletionSystemMessageParam

__all__ = ["ExtractedFile", "KimiFilePurpose"]

KimiFilePurpose: TypeAlias = Literal["file-extract", "image", "video", "batch"]
"""Upload purposes Moonshot accepts (https://platform.kimi.ai/docs/api/files-upload)."""


class ExtractedFile(BaseModel):
    """A document's extracted text, as ``GET /v1/files/{id}/content`` returns it.

    The endpoint answers either a JSON object (``content, file_type, filename, title,
    type``; the CN docs' reading, https://platform.moonshot.cn/docs/api/files) or plain
    text (the OpenAPI's reading, https://platform.kimi.ai/docs/api/files-content). Both
    end up here; fields the answer did not carry stay ``None``.
    """

    file_id: str
    """The id of the uploaded file (``file-...``)."""

    content: str
    """The extracted text."""

    raw: str
    """The body exactly as the server sent it: what Moonshot's examples put in the system message."""

    filename: str | None = None
    """The file's name, from the answer or else from the upload."""

    file_type: str | None = None
    """The MIME type Moonshot detected (``application/pdf``); ``None`` for a plain-text answer."""

    title: str | None = None
    """The document title Moonshot detected; ``None`` for a plain-text answer."""

    type: str | None = None
    """``"file"`` in the JSON answer; ``None`` for a plain-text answer."""

    def as_system_message(self) -> ChatCompletionSystemMessageParam:
        """The system message Moonshot recommends for this file: the content as returned.

        One system message per file (https://platform.kimi.ai/docs/api/files-upload).
        """
        return {"role": "system", "content": self.raw}
