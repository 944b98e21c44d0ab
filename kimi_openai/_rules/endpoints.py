"""The openai endpoints Moonshot's platform has no counterpart for, by path.

Moonshot serves chat completions, responses, files, batches and models, plus its own token
estimate, balance and formula endpoints (https://platform.kimi.ai/docs/api/overview;
moonshot-api-2026-12.md §3). Every other top-level openai resource (on openai 2.x and 3.x) is
listed here: the server would answer 403 ``The API you are accessing is not open`` (embeddings,
MoonshotAI/MoonshotAI-Cookbook#21) or 404, which users read as a wrong model id. So do the
stored-state calls of the served resources: the Responses API is stateless (no ``retrieve``,
``delete``, ``cancel``, ``input_items``; ``compact`` and ``input_tokens`` are not documented),
chat completions are not stored, and models cannot be deleted.

Names Moonshot's Managed Agents beta also uses (``agents``, ``skills``, ``vaults``,
``environments``, ``sessions``, on api.moonshot.cn with a ``kimi-api-version`` header) are not
listed: a request there is Moonshot's to answer. A path outside openai's resources
(``client.post("/anything")``) is never refused.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["UNSERVED_RESOURCES", "unserved_endpoint"]

UNSERVED_RESOURCES: Final[dict[str, str]] = {
    "assistants": "Assistants",
    "audio": "audio (speech, transcriptions, translations)",
    "chatkit": "ChatKit",
    "completions": "legacy text completions (use chat completions)",
    "containers": "containers",
    "content_provenance_checks": "content provenance checks",
    "conversations": "conversations (send the items in `input`)",
    "decisions": "decisions",
    "embeddings": "embeddings",
    "evals": "evals",
    "fine_tuning": "fine-tuning",
    "images": "image generation (images are input only, as chat content parts)",
    "live": "live sessions",
    "moderations": "moderations",
    "organization": "organization administration",
    "projects": "project administration",
    "realtime": "the Realtime API",
    "safety": "safety alerts and cases",
    "threads": "Assistants threads",
    "uploads": "multipart uploads (upload a file in one request with files.create)",
    "vector_stores": "vector stores",
    "videos": "video generation (video is input only)",
    "webhook_event_types": "webhook event types",
}
"""First path segment of an openai resource → what Moonshot lacks, as the error names it."""

_STATELESS_RESPONSES: Final = (
    "stored responses (retrieve, delete, cancel, input items, compact, input token counts)",
    "Its Responses API is stateless: keep the response you got, and chain turns with "
    "previous_response_id, which this client expands from its own memory",
)
_ELSEWHERE: Final = (
    "Call a provider that offers it; a KimiOpenAI pointed at another base URL (a self-hosted "
    "engine) sends it as given"
)
_STORED_CHAT: Final = (
    "stored chat completions (retrieve, update, list, delete, messages)",
    "Chat completions are not stored: keep the completion you got",
)
_FIRST: Final = re.compile(r"^/([a-z_]+)(/|$)")


def unserved_endpoint(method: str, url: str) -> tuple[str, str] | None:
    """What Moonshot's platform has no endpoint for in ``method url`` (openai's relative URL) and the fix, else ``None``."""
    path = url.split("?", 1)[0]
    match = _FIRST.match(path)
    if match is None:
        return None
    first, verb = match.group(1), method.upper()
    if first in UNSERVED_RESOURCES:
        return UNSERVED_RESOURCES[first], _ELSEWHERE
    if first == "responses" and path != "/responses":
        return _STATELESS_RESPONSES
    if (
        first == "chat"
        and path.startswith("/chat/completions")
        and (path != "/chat/completions" or verb != "POST")
    ):
        return _STORED_CHAT
    if first == "models" and verb == "DELETE":
        return "deleting models", "Moonshot has no fine-tuned models to delete"
    return None
