"""Endpoints of the openai SDK that Moonshot does not serve, and what the emulator answers for them.

The list is every top-level resource of ``openai.OpenAI`` on openai 2.x and 3.x with no Moonshot
counterpart (moonshot-api-2026-12.md §3; Moonshot serves chat completions, responses, files,
batches, models and its own tokenizers, users and formulas endpoints), plus the stored-state calls
of the served resources: chat completions by id, ``/v1/responses/{id}`` and its siblings (the
Responses API is stateless), and ``DELETE /v1/models/{id}``.

The one recorded answer is for ``POST /v1/embeddings``: 403 ``permission_denied_error`` ``The API
you are accessing is not open`` (MoonshotAI-Cookbook #21, 2024-04-18). ⚠ It was not recorded again
since, nor for any other path; ``unserved="not_found"`` answers a 404 instead.
"""

from __future__ import annotations

import re

from ._types import UnservedAnswer
from ._wire import EmulatorError, not_found

UNSERVED_RESOURCES = (
    "agents",
    "assistants",
    "audio",
    "chatkit",
    "completions",
    "containers",
    "content_provenance_checks",
    "conversations",
    "decisions",
    "embeddings",
    "evals",
    "fine_tuning",
    "images",
    "live",
    "moderations",
    "organization",
    "projects",
    "realtime",
    "safety",
    "skills",
    "threads",
    "uploads",
    "vaults",
    "vector_stores",
    "videos",
    "webhook_event_types",
)
"""First path segments of openai resources Moonshot has no counterpart for (both openai lines)."""
_UNSERVED = re.compile(
    rf"^/v1/(?:(?:{'|'.join(UNSERVED_RESOURCES)})(?:/.*)?|chat/completions/.+|responses/.+|models/[^/]+)$"
)
NOT_OPEN_MESSAGE = "The API you are accessing is not open"


def is_unserved(method: str, path: str) -> bool:
    """Whether ``method path`` is an openai endpoint Moonshot does not serve.

    Called only for requests no route of the emulator took, so a served method on the same path
    (``GET /v1/models/{id}``, ``POST /v1/chat/completions``) never gets here.
    """
    return _UNSERVED.match(path) is not None or (method != "POST" and path == "/v1/chat/completions")


def unserved_error(answer: UnservedAnswer, method: str, path: str) -> EmulatorError:
    if answer == "not_found":
        return not_found(f"Not found: {method} {path}")  # ⚠ wording
    return EmulatorError(403, "permission_denied_error", NOT_OPEN_MESSAGE)
