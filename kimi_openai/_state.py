"""A Kimi client's state: what it holds beyond openai's client, how it is built, how it is read.

Every Kimi client keeps one frozen :class:`KimiState` (its Kimi options, its retry setup, its
memory of reasoning, the platform a proxy fronts, the constructor keywords of a newer openai),
and everything that needs it (the request pipeline, streams, resources, workflows) reads it
through :func:`kimi_state_of`, which answers ``None`` for a plain ``openai.OpenAI``.

Both clients build it the same way, here: :func:`construct` turns the constructor's arguments
into what openai's constructor is given and the state, and :func:`copy_arguments` turns
``copy()`` / ``with_options()`` arguments into constructor arguments, each argument given,
else the client's own, as openai's ``copy`` does. The clients spell their signatures out (type
checkers and openai's copy-signature test read them) and pass them here whole; the Kimi
options are the fields of :class:`KimiSettings`, so adding one is a field there and a
parameter in the four signatures.

openai's constructor reads ``OPENAI_*`` variables whenever an argument is missing;
:func:`forget_openai_environment` undoes that. The clients name every parameter of the
installed openai's constructor. Those that only mean something on OpenAI's platform
(:data:`OPENAI_PLATFORM_ONLY`) are accepted at their default and refused otherwise. A
parameter added by an openai release newer than this package reaches openai's constructor
through :class:`NewerOpenAIOptions`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, TypedDict, TypeVar, cast, get_args

import openai
from openai import NotGiven

from ._compat import httpx
from ._config import (
    api_key_is_set,
    check_http_client,
    read_dotenv,
    region_of,
    resolve_api_key,
    resolve_endpoint,
)
from ._constants import REGION_BASE_URLS, Region, TokenLimitSetting
from ._errors import KimiConfigurationError
from ._reasoning_echo import ReasoningEchoPolicy, ReasoningStore
from ._reasoning_echo_counts import TOTAL, EchoCounts
from ._retry import DEFAULT_RETRY_POLICY, RetryConfig, RetrySetup, coerce_retry_policy
from ._store import KeyValueStore, MemoryStore, namespace_of
from ._usage import UsageTotals

__all__ = [
    "OPENAI_PLATFORM_ONLY",
    "KimiSettings",
    "KimiState",
    "NewerOpenAIOptions",
    "construct",
    "copy_arguments",
    "echo_counts",
    "forget_openai_environment",
    "kimi_state_of",
    "platform_of",
]

_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class KimiSettings:
    """The Kimi-only options of a client; ``copy()`` carries them over."""

    validation: bool = True
    """Check chat requests against the model's rules before sending (``KimiValidationError``)."""
    max_tokens_field: TokenLimitSetting = "auto"
    """The field the output limit is sent under (``"auto"``: the one Moonshot documents for the model);
    the other spelling is mapped to it."""
    normalize_tool_schemas: bool = True
    """Rewrite tool and ``json_schema`` schemas into what Moonshot accepts (MFJS)."""
    reasoning_echo: ReasoningEchoPolicy = "auto"
    """Put back the ``reasoning_content`` a framework dropped from an assistant turn."""
    k2_tool_call_markup: bool = False
    """Parse Kimi K2 tool-call markup left in ``content`` (self-hosted engines without a Kimi parser)."""
    reasoning_store: KeyValueStore | None = None
    """Where returned reasoning is shared with other clients and processes (e.g. a ``RedisStore``);
    ``None``: in this client's memory only (and its copies')."""
    prompt_cache_key: str | None = None
    """Sent as ``prompt_cache_key`` with each chat request that gives none: one cache key per
    session or task keeps requests sharing a prefix on the same cache (https://platform.kimi.ai/docs/api/chat)."""

    def __post_init__(self) -> None:
        # Checked here, so both the constructors and copy()/with_options() reject a typo
        # at once instead of sending it (e.g. a "max_tokenz" field Moonshot ignores).
        for name in ("validation", "normalize_tool_schemas", "k2_tool_call_markup"):
            value: object = getattr(self, name)
            if not isinstance(value, bool):
                raise KimiConfigurationError(
                    f"{name}={value!r} is not allowed: pass {name}=True or {name}=False."
                )
        for name, allowed in (
            ("max_tokens_field", get_args(TokenLimitSetting)),
            ("reasoning_echo", get_args(ReasoningEchoPolicy)),
        ):
            value = getattr(self, name)
            if value not in allowed:
                choices = ", ".join(repr(a) for a in allowed)
                raise KimiConfigurationError(f"{name}={value!r} is not allowed: pass one of {choices}.")
        store = cast("object", self.reasoning_store)
        if store is not None and not isinstance(store, KeyValueStore):
            raise KimiConfigurationError(
                f"reasoning_store={type(store).__name__} is not a key-value store: pass a "
                "kimi_openai.MemoryStore, a kimi_openai.RedisStore or another object with get_many, "
                "set_many, aget_many and aset_many, or None."
            )
        key = cast("object", self.prompt_cache_key)  # any value reaches here at run time
        if key is not None and (not isinstance(key, str) or not key.strip()):
            raise KimiConfigurationError(
                f"prompt_cache_key={key!r} is not allowed: pass a non-empty string (a session or task "
                "id, the same for every request that shares a prefix), or None for no default."
            )


@dataclass(frozen=True, slots=True)
class KimiState:
    """What a Kimi client holds beyond openai's client; read it with :func:`kimi_state_of`."""

    settings: KimiSettings
    """The Kimi options (``validation``, ``reasoning_echo``...)."""
    retry: RetrySetup
    """Who retries and how: the SDK's loop with the client's policy, or the caller's tenacity object."""
    reasoning: ReasoningStore
    """The memory of returned reasoning; one store is shared by a client and its copies."""
    store: KeyValueStore = field(default_factory=MemoryStore)
    """Where the client keeps what later requests find again: ``reasoning_store`` when given, else a
    :class:`MemoryStore` of its own; shared by a client and its copies."""
    fronts: Region | None = None
    """The Moonshot platform a non-Moonshot base URL fronts, as told by ``region=`` (see :func:`platform_of`)."""
    newer_options: Mapping[str, object] = field(default_factory=dict[str, object])
    """Constructor keywords of a newer openai than this package names, for ``copy()`` to carry over."""
    usage: UsageTotals = field(default_factory=UsageTotals)
    """Running totals of the chat requests (``client.usage``); one is shared by a client and its copies."""
    notices: set[str] = field(default_factory=set[str])
    """One-time notices already logged for this client (``"rules_off"``: see ``_config.rules_off_notice``)."""

    def remembering_with(self, other: KimiState) -> KimiState:
        """This state, sharing ``other``'s memory of reasoning and usage totals: a copy answers for what its client returned.

        A copy given another ``reasoning_store`` (or another key, whose entries live in another
        namespace) keeps its own memory of reasoning; the usage totals are always shared.
        """
        if self.settings.reasoning_store is not other.settings.reasoning_store:
            return replace(self, usage=other.usage)
        if self.reasoning.namespace != other.reasoning.namespace:
            return replace(self, store=other.store, usage=other.usage)
        return replace(self, reasoning=other.reasoning, store=other.store, usage=other.usage)


def kimi_state_of(client: object) -> KimiState | None:
    """The state of a Kimi client; ``None`` for anything else (a plain ``openai.OpenAI``). The one accessor."""
    state = getattr(client, "_kimi_state", None)
    return state if isinstance(state, KimiState) else None


def echo_counts(client: object = None) -> EchoCounts:
    """What the reasoning echo did with the assistant turns sent without ``reasoning_content``.

    Of one Kimi client (its copies share its count), or of every client of this process when
    none is given; a snapshot that later requests leave unchanged. A plain ``openai.OpenAI``
    echoes nothing: all zeros.
    """
    if client is None:
        return TOTAL.snapshot()
    state = kimi_state_of(client)
    return EchoCounts() if state is None else state.reasoning.counts.snapshot()


def platform_of(client: object) -> Region | None:
    """The Moonshot platform a client's requests reach: ``None`` for a self-hosted engine.

    The base URL's official host decides; else the region a Kimi client was told its proxy
    fronts (``KimiOpenAI(base_url=proxy, region=...)``). A plain ``openai.OpenAI`` has only
    its base URL. The one place that decides whether Moonshot's platform rules apply.
    """
    state = kimi_state_of(client)
    return region_of(getattr(client, "base_url", "")) or (None if state is None else state.fronts)


# -- construction ---------------------------------------------------------------------------------


_GIVEN_TO_OPENAI: Final = (
    "organization",
    "project",
    "webhook_secret",
    "websocket_base_url",
    "timeout",
    "default_headers",
    "default_query",
    "http_client",
    "_strict_response_validation",
)
"""Constructor arguments openai's constructor gets as they were given."""


def construct(
    arguments: Mapping[str, Any], openai_init: Callable[..., object], *, sync: bool
) -> tuple[dict[str, Any], KimiState]:
    """What a Kimi client's constructor hands openai's, and the Kimi state it keeps.

    ``arguments`` are the constructor's own (its ``locals()``): ``self``, openai's parameters by
    name, ``region``, ``retry_policy``, the :class:`KimiSettings` fields, and ``openai_options``
    (a newer openai's keywords); ``openai_init`` is the constructor it will call (``super().__init__``). Checked in the order a caller meets them: OpenAI-platform-only
    options, unknown keywords, the endpoint, retries, the ``http_client``, then the key.
    """
    refuse_platform_only({name: arguments[name] for name in OPENAI_PLATFORM_ONLY})
    newer: Mapping[str, object] = arguments["openai_options"]
    if newer:
        check_newer_options(type(arguments["self"]).__name__, openai_init, newer)
    api_key, base_url = arguments["api_key"], arguments["base_url"]
    base = None if isinstance(base_url, NotGiven) else base_url
    dotenv: Mapping[str, str] = read_dotenv() if api_key is None or base is None else {}
    url, fronts = resolve_endpoint(base, arguments["region"], dotenv)
    default = replace(DEFAULT_RETRY_POLICY, max_retries=arguments["max_retries"])
    retry = coerce_retry_policy(arguments["retry_policy"], default=default, sync=sync)
    check_http_client(arguments["http_client"], sync=sync)
    enforce: bool = arguments["_enforce_credentials"]
    given = {name: arguments[name] for name in _GIVEN_TO_OPENAI}
    to_openai = {
        **given,
        "api_key": moonshot_api_key(api_key, dotenv, enforce=enforce),
        "base_url": url,
        "max_retries": retry.sdk_max_retries,
        **openai_keywords(enforce, newer),
    }
    settings = KimiSettings(**{option.name: arguments[option.name] for option in fields(KimiSettings)})
    shared = settings.reasoning_store
    namespace = _namespace(to_openai["api_key"], shared)
    echo = ReasoningStore(shared=shared, namespace=namespace, asynchronous=not sync)
    store = MemoryStore() if shared is None else shared
    usage = UsageTotals.for_platform(region_of(url) or fronts)
    return to_openai, KimiState(settings, retry, echo, store, fronts, dict(newer), usage)


def _namespace(api_key: object, store: KeyValueStore | None) -> str:
    """The namespace of a client's entries: the store's own, else a digest of the key.

    A key given as a callable (openai's key provider) is not known before a request: its
    entries share one namespace, unless the store names one.
    """
    given = None if store is None else store.namespace
    return namespace_of(api_key if isinstance(api_key, str) else "", given)


def copy_arguments(
    client: openai.OpenAI | openai.AsyncOpenAI, state: KimiState, arguments: Mapping[str, Any]
) -> tuple[dict[str, Any], Mapping[str, Any], Mapping[str, Any]]:
    """The constructor arguments of ``client.copy(**arguments)``: each one given, else the client's own.

    Returned in three parts (the named arguments, ``_extra_kwargs``, a newer openai's keywords)
    for the constructor call to spread, so a keyword given twice is a ``TypeError`` as in openai.
    """
    base_url, provider, timeout = arguments["base_url"], arguments["provider"], arguments["timeout"]
    url, fronted = copied_endpoint(
        client.base_url,
        state.fronts,
        None if isinstance(base_url, NotGiven) else base_url,
        arguments["region"],
    )
    enforce = arguments["_enforce_credentials"]
    headers, query = client._custom_headers, client._custom_query  # pyright: ignore[reportPrivateUsage]
    named: dict[str, Any] = {
        "api_key": arguments["api_key"] or client._api_key_provider or client.api_key or None,  # pyright: ignore[reportPrivateUsage]
        **{name: arguments[name] for name in ("admin_api_key", "workload_identity", "data_residency")},
        "provider": None if isinstance(provider, NotGiven) else provider,
        "region": fronted,
        "base_url": url,
        "http_client": arguments["http_client"] or client._client,  # pyright: ignore[reportPrivateUsage]
        "_enforce_credentials": True if enforce is None else enforce,
        "retry_policy": copied_retry(state.retry, arguments["retry_policy"], arguments["max_retries"]),
        **_copied_settings(state.settings, arguments),
        **{name: arguments[name] or getattr(client, name) for name in _INHERITED},
        "timeout": client.timeout if isinstance(timeout, NotGiven) else timeout,
        "default_headers": copied_headers(
            headers, arguments["default_headers"], arguments["set_default_headers"]
        ),
        "default_query": copied_query(query, arguments["default_query"], arguments["set_default_query"]),
    }
    return named, arguments["_extra_kwargs"], {**state.newer_options, **arguments["openai_options"]}


_INHERITED: Final = ("organization", "project", "webhook_secret", "websocket_base_url")
"""openai options a copy takes from its client unless given (a falsy one counts as not given, as in openai)."""


def _copied_settings(settings: KimiSettings, arguments: Mapping[str, Any]) -> dict[str, object]:
    """The Kimi options of a copy: each one given (not ``None``), else the client's own."""
    return {
        option.name: getattr(settings, option.name)
        if arguments[option.name] is None
        else arguments[option.name]
        for option in fields(KimiSettings)
    }


# -- the parts --------------------------------------------------------------------------------------


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


def forget_openai_environment(client: openai.OpenAI | openai.AsyncOpenAI, given: Mapping[str, Any]) -> None:
    """Undo what openai's constructor read from ``OPENAI_*`` variables.

    openai falls back to ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``,
    ``OPENAI_WEBHOOK_SECRET``, ``OPENAI_ADMIN_KEY`` and (3.x)
    ``OPENAI_CUSTOM_HEADERS`` whenever an argument is ``None``, and sends most of
    them as headers. A user's OpenAI setup must not reach Moonshot, so only what
    was passed explicitly (``given``: the arguments handed to openai) stays. Changing ``os.environ`` instead would race with
    other threads and surprise the user.
    """
    client.organization = given["organization"]
    client.project = given["project"]
    client.webhook_secret = given["webhook_secret"]
    if hasattr(client, "admin_api_key"):
        client.admin_api_key = None
    client._custom_headers = dict(given["default_headers"] or {})  # pyright: ignore[reportPrivateUsage]
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
