"""Partial mode's rules, stated once: the prefill message, where it may stand, what it cannot go with.

Partial mode (https://platform.kimi.ai/docs/api/partial) ends ``messages`` with an assistant
message flagged ``"partial": true``; the answer continues its ``content`` and holds only the
continuation. Only the last message may be partial, only an assistant message, and not with
``response_format={"type": "json_object"}``. ``name`` keeps a role-play character consistent
(https://platform.moonshot.ai/docs/guide/use-partial-mode-feature-of-kimi-api).

Two places apply these rules, to two kinds of request: the chat rules check any request's
messages, on Moonshot's platform (``chat.check_messages``), and ``chat.completions.partial()``,
which builds the partial message itself, refuses a request that already has one or asks for
``json_object``, wherever it goes, before building it.
"""

from __future__ import annotations

from typing import Final

from .schema import as_map

__all__ = ["PARTIAL_EXCLUDED_FORMAT", "excludes_partial", "is_partial", "partial_message"]

PARTIAL_EXCLUDED_FORMAT: Final = "json_object"
"""The ``response_format`` type partial mode cannot be combined with."""


def partial_message(content: str, *, name: str | None = None) -> dict[str, object]:
    """An assistant message that Kimi continues from (Partial Mode; put it last in ``messages``).

    The reply holds only the continuation: prepend ``content`` yourself
    (https://platform.kimi.ai/docs/api/partial). ``name`` keeps a role-play character
    consistent (https://platform.moonshot.ai/docs/guide/use-partial-mode-feature-of-kimi-api).
    """
    message: dict[str, object] = {"role": "assistant", "content": content, "partial": True}
    if name is not None:
        message["name"] = name
    return message


def is_partial(message: object) -> bool:
    """Whether a request message is a partial-mode prefill (``"partial": true``)."""
    fields = as_map(message)
    return fields is not None and fields.get("partial") is True


def excludes_partial(response_format: object) -> bool:
    """Whether a ``response_format`` rules partial mode out: ``{"type": "json_object"}``."""
    fields = as_map(response_format)
    return fields is not None and fields.get("type") == PARTIAL_EXCLUDED_FORMAT
