"""What a Kimi client keeps from openai's constructor, and what its ``copy()`` carries over.

openai's constructor reads ``OPENAI_*`` variables whenever an argument is missing;
:func:`forget_openai_environment` undoes that. ``copy()`` / ``with_options()`` take
each argument given, else the client's own, as openai's ``copy`` does, for openai's
options and for the Kimi ones alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openai
from openai import NotGiven, Timeout

from ._compat import httpx
from ._constants import REGION_BASE_URLS, Region
from ._messages import ReasoningEchoPolicy
from ._request import KimiSettings
from ._retry import RetryConfig, RetrySetup, coerce_retry_policy
from ._validation import TokenLimitField

__all__ = [
    "copied_endpoint",
    "copied_headers",
    "copied_query",
    "copied_retry",
    "forget_openai_environment",
    "inherited",
    "kimi_inherited",
]


def forget_openai_environment(
    client: openai.OpenAI | openai.AsyncOpenAI,
    organization: str | None,
    project: str | None,
    webhook_secret: str | None,
    default_headers: Mapping[str, str] | None,
) -> None:
    """Undo what openai's constructor read from ``OPENAI_*`` variables.

    openai falls back to ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``,
    ``OPENAI_WEBHOOK_SECRET``, ``OPENAI_ADMIN_KEY`` and (3.x)
    ``OPENAI_CUSTOM_HEADERS`` whenever an argument is ``None``, and sends most of
    them as headers. A user's OpenAI setup must not reach Moonshot, so only what
    was passed explicitly stays. Changing ``os.environ`` instead would race with
    other threads and surprise the user.
    """
    client.organization = organization
    client.project = project
    client.webhook_secret = webhook_secret
    if hasattr(client, "admin_api_key"):
        client.admin_api_key = None
    client._custom_headers = dict(default_headers or {})  # pyright: ignore[reportPrivateUsage]
    if hasattr(client, "_ambient_authorizations"):
        client._ambient_authorizations = frozenset()  # pyright: ignore[reportAttributeAccessIssue, reportPrivateUsage]


def copied_headers(
    current: Mapping[str, str],
    default_headers: Mapping[str, str] | None,
    set_default_headers: Mapping[str, str] | None,
) -> Mapping[str, str]:
    if default_headers is not None and set_default_headers is not None:
        raise ValueError("The `default_headers` and `set_default_headers` arguments are mutually exclusive")
    if default_headers is not None:
        return {**current, **default_headers}
    return current if set_default_headers is None else set_default_headers


def copied_query(
    current: Mapping[str, object],
    default_query: Mapping[str, object] | None,
    set_default_query: Mapping[str, object] | None,
) -> Mapping[str, object]:
    if default_query is not None and set_default_query is not None:
        raise ValueError("The `default_query` and `set_default_query` arguments are mutually exclusive")
    if default_query is not None:
        return {**current, **default_query}
    return current if set_default_query is None else set_default_query


def copied_endpoint(
    current: object, fronts: Region | None, base_url: str | httpx.URL | None, region: Region | None
) -> tuple[str, Region | None]:
    """A copy's base URL and region, for its constructor.

    A region alone switches to that platform's official endpoint; a region with a base URL
    says that URL fronts it. A new base URL alone is taken as the constructor takes one:
    a proxy's region is not carried over to another URL, which may as well be a
    self-hosted engine. Otherwise the copy keeps the client's URL and the region its
    proxy fronts (``fronts``).
    """
    if region is not None:
        return (REGION_BASE_URLS[region] if base_url is None else str(base_url)), region
    if base_url is None or str(base_url).strip().rstrip("/") == str(current).rstrip("/"):
        return str(current), fronts
    return str(base_url), None


def inherited(
    client: openai.OpenAI | openai.AsyncOpenAI,
    *,
    organization: str | None,
    project: str | None,
    webhook_secret: str | None,
    websocket_base_url: str | httpx.URL | None,
    timeout: float | Timeout | NotGiven | None,
    headers: Mapping[str, str],
    query: Mapping[str, object],
) -> dict[str, Any]:
    """``copy()`` arguments: the given ones, else the client's own (as openai's ``copy`` does)."""
    return {
        "organization": organization or client.organization,
        "project": project or client.project,
        "webhook_secret": webhook_secret or client.webhook_secret,
        "websocket_base_url": websocket_base_url or client.websocket_base_url,
        "timeout": client.timeout if isinstance(timeout, NotGiven) else timeout,
        "default_headers": headers,
        "default_query": query,
    }


def kimi_inherited(
    settings: KimiSettings,
    retry: RetrySetup,
    *,
    retry_policy: RetryConfig | None,
    max_retries: int | NotGiven,
    validation: bool | None,
    max_tokens_field: TokenLimitField | None,
    normalize_tool_schemas: bool | None,
    reasoning_echo: ReasoningEchoPolicy | None,
    k2_tool_call_markup: bool | None,
) -> dict[str, Any]:
    """The Kimi options of a copy: the given ones, else the client's own."""
    return {
        "retry_policy": copied_retry(retry, retry_policy, max_retries),
        "validation": settings.validation if validation is None else validation,
        "max_tokens_field": max_tokens_field or settings.max_tokens_field,
        "normalize_tool_schemas": (
            settings.normalize_tool_schemas if normalize_tool_schemas is None else normalize_tool_schemas
        ),
        "reasoning_echo": reasoning_echo or settings.reasoning_echo,
        "k2_tool_call_markup": settings.k2_tool_call_markup
        if k2_tool_call_markup is None
        else k2_tool_call_markup,
    }


def copied_retry(
    current: RetrySetup, retry_policy: RetryConfig | None, max_retries: int | NotGiven
) -> RetrySetup:
    """A copy's retries: the given ``retry_policy`` (else the client's), then ``max_retries`` if given.

    ``max_retries`` governs whichever layer retries: the SDK's count, or a cap on the
    attempts of a tenacity object given as ``retry_policy``. ``0`` leaves no retry
    layer at all, so a feature that retries on its own (stream resume, batch polling)
    never multiplies attempts with the client's.
    """
    setup = current if retry_policy is None else coerce_retry_policy(retry_policy, default=current.policy)
    return setup if isinstance(max_retries, NotGiven) else setup.with_max_retries(max_retries)
