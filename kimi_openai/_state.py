"""What a Kimi client keeps from openai's constructor, and what its ``copy()`` carries over.

openai's constructor reads ``OPENAI_*`` variables whenever an argument is missing;
:func:`forget_openai_environment` undoes that. ``copy()`` / ``with_options()`` take
each argument given, else the client's own, as openai's ``copy`` does, for openai's
options and for the Kimi ones alike.

The clients name every parameter of the installed openai's constructor. Those that
only mean something on OpenAI's platform (:data:`OPENAI_PLATFORM_ONLY`) are accepted
at their default and refused otherwise. A parameter added by an openai release newer
than this package reaches openai's constructor through :class:`NewerOpenAIOptions`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final, TypedDict, TypeVar

import openai
from openai import NotGiven, Timeout

from ._compat import httpx
from ._config import api_key_is_set, resolve_api_key
from ._constants import REGION_BASE_URLS, Region
from ._errors import KimiConfigurationError
from ._pipeline import KimiSettings
from ._reasoning_echo import ReasoningEchoPolicy
from ._retry import RetryConfig, RetrySetup, coerce_retry_policy
from ._rules.chat import TokenLimitField

__all__ = [
    "OPENAI_PLATFORM_ONLY",
    "NewerOpenAIOptions",
    "check_newer_options",
    "copied_endpoint",
    "copied_headers",
    "copied_query",
    "copied_retry",
    "forget_openai_environment",
    "inherited",
    "kimi_inherited",
    "moonshot_api_key",
    "openai_keywords",
    "refuse_platform_only",
    "unset",
]

_K = TypeVar("_K")

OPENAI_PLATFORM_ONLY: Final[Mapping[str, tuple[str, str]]] = {
    "admin_api_key": (
        "an organization admin key for OpenAI's Admin API",
        "authenticate with api_key= and your Moonshot key",
    ),
    "workload_identity": (
        "a cloud workload identity exchanged for an OpenAI access token",
        "Moonshot authenticates with an API key only (https://platform.kimi.ai/docs/api/chat): pass api_key=",
    ),
    "provider": (
        "a route to OpenAI models hosted by another cloud, such as Bedrock or Vertex",
        "a Kimi client talks to Moonshot, or to the base_url= you give it",
    ),
    "data_residency": (
        "a choice among OpenAI's regional endpoints",
        "choose Moonshot's platform with region='global' (api.moonshot.ai) or region='cn' (api.moonshot.cn)",
    ),
}
"""openai constructor options that only OpenAI's platform honours: what each is, and what to do instead.

At their default (``None``) they are ignored and change nothing in a request; any other
value is refused with a :class:`~kimi_openai.KimiConfigurationError`, since silently
dropping, say, a data-residency requirement would send the data elsewhere than asked.
"""


class NewerOpenAIOptions(TypedDict, total=False):
    """Constructor options of an openai release newer than this package; none are known yet.

    Declared empty, so type checkers accept only the parameters the Kimi clients name. At
    run time any other keyword that the installed openai's constructor takes is passed to
    it unchanged, and ``copy()`` carries it over; a keyword openai does not take either
    raises ``TypeError`` before anything else happens.
    """


def unset(value: object) -> bool:
    """Whether an option was left at its default: ``None`` or openai's ``NOT_GIVEN``."""
    return value is None or isinstance(value, NotGiven)


def refuse_platform_only(options: Mapping[str, object]) -> None:
    """A :class:`KimiConfigurationError` for an OpenAI-platform-only option given a value.

    The value itself is never shown: an admin key or an identity token is a secret.
    """
    for name, value in options.items():
        if not unset(value):
            what, instead = OPENAI_PLATFORM_ONLY[name]
            raise KimiConfigurationError(
                f"{name} is an OpenAI-platform option ({what}) and was set. Moonshot has no "
                f"such setting. Leave {name} unset (None, the default); {instead}."
            )


def check_newer_options(
    owner: str, openai_init: Callable[..., object], options: Mapping[str, object]
) -> None:
    """``TypeError`` for a keyword neither the Kimi client nor the installed openai takes.

    Raised before the key is looked up, so a misspelt ``api_key`` is reported as such
    rather than as a missing key. Only runs when such keywords were given.
    """
    accepted = inspect.signature(openai_init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    for name in options:
        parameter = accepted.get(name)
        if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}")


def openai_keywords(enforce_credentials: bool, newer: Mapping[str, object]) -> dict[str, Any]:
    """Keywords for openai's constructor beyond those every supported openai release takes.

    ``_enforce_credentials`` is passed only when false, and only to an openai that takes
    it: with a key always given its default changes nothing, and releases before it
    (2.14 among them) accept an empty key as it is.
    """
    keywords: dict[str, Any] = dict(newer)
    if not enforce_credentials and "_enforce_credentials" in inspect.signature(openai.OpenAI).parameters:
        keywords["_enforce_credentials"] = False
    return keywords


def moonshot_api_key(api_key: _K | str | None, dotenv: Mapping[str, str], *, enforce: bool) -> _K | str:
    """The key a client sends; ``""`` when none is found and ``_enforce_credentials=False``.

    openai's ``_enforce_credentials=False`` builds a client without credentials (requests
    then fail for want of one); the Kimi client does the same without ever falling back
    to ``OPENAI_API_KEY``: openai reads that variable only for a ``None`` key.
    """
    if not enforce and api_key is None and not api_key_is_set(dotenv):
        return ""
    # A key that is given but malformed is refused whatever `enforce` says.
    return resolve_api_key(api_key, dotenv)


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
