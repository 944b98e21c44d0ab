"""Kimi request fields for a plain ``openai.OpenAI()`` client, as a validated ``extra_body``.

The openai SDK has no ``thinking`` or ``partial`` parameter; Kimi reads them from
the JSON body, which ``extra_body`` merges into (https://platform.kimi.ai/docs/api/chat).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, cast

from ._errors import KimiValidationError
from ._rules.chat import prepare_chat_request
from ._rules.partial import partial_message
from .types.thinking_param import ThinkingParam

__all__ = ["ThinkingParam", "kimi_params", "partial_message"]


def _copy(value: object) -> object:
    return dict(cast("Mapping[str, object]", value)) if isinstance(value, Mapping) else value


def kimi_params(
    *,
    model: str | None = None,
    thinking: ThinkingParam | Literal["enabled", "disabled"] | None = None,
    messages: Iterable[Mapping[str, object]] | None = None,
    partial: str | None = None,
    partial_name: str | None = None,
    prompt_cache_key: str | None = None,
    safety_identifier: str | None = None,
    reasoning_effort: str | None = None,
    validate: bool = True,
) -> dict[str, object]:
    """Build ``extra_body`` for ``client.chat.completions.create`` on a plain openai client.

    Only the arguments given are included. With ``model``, the fields are checked
    against that model's rules (pass the same model to ``create``).

    Args:
        model: the model the call goes to, for validation only (not included).
        thinking: ``"enabled"``/``"disabled"`` or a full :class:`ThinkingParam`.
        messages: the conversation; needed with ``partial`` (see below).
        partial: prefill for Partial Mode. ``extra_body`` replaces the top-level
            ``messages``, so the result carries ``messages`` plus a partial assistant
            message; pass the same ``messages`` to ``create`` (openai requires it).
        partial_name: ``name`` of the partial assistant message (role-play).
        prompt_cache_key: conversation or task id for prefix-cache affinity (keep it stable across resumes).
        safety_identifier: a stable, hashed end-user id.
        reasoning_effort: ``low``/``high``/``max`` on kimi-k3.
        validate: False skips the checks.

    Raises:
        KimiValidationError: a value the model rejects (the message says how to fix it).

    Example::

        from openai import OpenAI
        from kimi_openai import kimi_params

        client = OpenAI(base_url="https://api.moonshot.ai/v1", api_key="sk-...")
        messages = [{"role": "user", "content": "Write a haiku about tea."}]
        reply = client.chat.completions.create(
            model="kimi-k2.6",
            messages=messages,
            extra_body=kimi_params(model="kimi-k2.6", thinking="disabled", prompt_cache_key="chat-42"),
        )
    """
    extra: dict[str, object] = {}
    if thinking is not None:
        # A non-mapping (e.g. a bool) is passed on as is, for validation to explain the right shape.
        extra["thinking"] = {"type": thinking} if isinstance(thinking, str) else _copy(thinking)
    for key, value in (
        ("prompt_cache_key", prompt_cache_key),
        ("safety_identifier", safety_identifier),
        ("reasoning_effort", reasoning_effort),
    ):
        if value is not None:
            extra[key] = value
    if partial is not None:
        if messages is None:
            raise KimiValidationError(
                "partial needs messages=...: extra_body replaces the request's messages, so pass the "
                "conversation here too (or append partial_message(...) to your messages yourself)."
            )
        extra["messages"] = [*messages, partial_message(partial, name=partial_name)]
    body: dict[str, object] = {"model": model or "", "messages": extra.get("messages", []), **extra}
    prepared = prepare_chat_request(
        body,
        validate=validate,
        normalize_tool_schemas=False,
        off_switch="validate=False on kimi_params",
        whole_request=False,
    )
    return {key: prepared.body[key] for key in extra}
