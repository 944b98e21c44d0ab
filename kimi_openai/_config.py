"""Where the API key and the base URL come from.

Pure functions, so the sync and async clients (and their ``copy()``) resolve
settings the same way. Order, first match wins:

* key: the ``api_key`` argument, ``MOONSHOT_API_KEY``, ``KIMI_API_KEY``, then the
  same two names in ``./.env`` (read without touching ``os.environ``);
* base URL: the ``base_url`` argument, ``MOONSHOT_BASE_URL``, ``KIMI_BASE_URL`` (the
  environment, then the same two in ``./.env``), then ``region`` (``"global"`` by default);
* platform (whether Moonshot's rules apply): the official host of the base URL, else the
  ``region`` given with a base URL that fronts Moonshot (a proxy or gateway), else none.

``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are never read: a Kimi client must not
send an OpenAI key to Moonshot, nor Kimi traffic to OpenAI.

What cannot work is refused here, at construction, by a :class:`KimiConfigurationError`
that names the argument or variable and never quotes a key: a key that is not a string,
has quotes or whitespace around it, or holds a line break, a control or a non-ASCII
character (it would fail later as a 401, or as an ``Authorization`` header httpx cannot
send); a base URL with a line break;
an ``http_client`` that is not a client of the kind the installed openai needs.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import urlsplit

from ._compat import httpx
from ._constants import (
    API_KEY_ENV_VARS,
    BASE_URL_ENV_VARS,
    DEFAULT_REGION,
    DOTENV_FILENAME,
    MOONPALACE_PORT,
    REGION_BASE_URLS,
    Region,
)
from ._errors import KimiConfigurationError, KimiConfigurationTypeError
from ._redaction import describe_value, install_log_redaction, redact_url_userinfo, remember_secret
from ._rules.model_specs import get_model_spec

_K = TypeVar("_K")
logger = logging.getLogger("kimi_openai")


def read_dotenv(directory: Path | None = None) -> Mapping[str, str]:
    """The ``.env`` file of the working directory as a mapping; empty when there is none.

    python-dotenv parses it (quotes, ``export``, comments) but we never call
    ``load_dotenv``: the user's process environment stays as it was.
    """
    path = (directory or Path.cwd()) / DOTENV_FILENAME
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # only when there is a file: keeps `import kimi_openai` light

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _lookup(names: tuple[str, ...], dotenv: Mapping[str, str]) -> tuple[str, str] | None:
    """The first of ``names`` set in the environment, else in ``.env``, with where it came from."""
    for name in names:
        if name in os.environ:
            return os.environ[name], f"the environment variable {name}"
    for name in names:
        if name in dotenv:
            return dotenv[name], f"{name} in {DOTENV_FILENAME}"
    return None


def api_key_is_set(dotenv: Mapping[str, str]) -> bool:
    """Whether a key variable is set (in the environment or ``./.env``), empty or not."""
    return _lookup(API_KEY_ENV_VARS, dotenv) is not None


def resolve_api_key(api_key: _K | str | None, dotenv: Mapping[str, str]) -> _K | str:
    """The key to send, or a :class:`KimiConfigurationError` that says what to set.

    The key found is handed to the log redaction (see ``_redaction``), so that httpx's and
    openai's log lines never show it, whatever its shape.
    """
    if api_key is not None:
        if isinstance(api_key, str) and not api_key.strip():
            raise KimiConfigurationError("The api_key argument is empty. Pass your Moonshot API key.")
        key = _checked_key(api_key, "The api_key argument")
    else:
        found = _lookup(API_KEY_ENV_VARS, dotenv)
        if found is None:
            names = " or ".join(API_KEY_ENV_VARS)
            raise KimiConfigurationError(
                f"No Moonshot API key found. Pass api_key=..., or set {names} "
                f"(in the environment or in a {DOTENV_FILENAME} file in the working directory). "
                "OPENAI_API_KEY is never used by the Kimi client."
            )
        value, where = found
        if not value.strip():
            raise KimiConfigurationError(f"{where} is set but empty. Put your Moonshot API key there.")
        key = _checked_key(value, where[0].upper() + where[1:])
    remember_secret(key)
    install_log_redaction()
    return key


def _checked_key(key: _K, where: str) -> _K:
    """``key`` if a server could accept it; else an error naming ``where`` (never quoting the key)."""
    if callable(key):  # a key provider, as openai takes: called for each request
        return key
    if not isinstance(key, str):
        kind = type(key).__name__
        fix = " Decode it first: api_key=key.decode()." if isinstance(key, bytes | bytearray) else ""
        raise KimiConfigurationError(
            f"{where} must be a string (or a callable returning one), not {kind}.{fix}"
        )
    problem = _key_problem(key)
    if problem is not None:
        raise KimiConfigurationError(f"{where} {problem}")
    return cast("_K", key)


_QUOTES = "\"'`\u2018\u2019\u201c\u201d"


def _key_problem(key: str) -> str | None:
    """What makes ``key`` unusable as a bearer token; None when it could work.

    A space inside is allowed: it is a legal header value, sent as given (a self-hosted
    engine may use such a key). What can never work is refused: whitespace or quote marks
    around the key (copied along with it), a line break or control character (httpx cannot
    send it in a header), a non-ASCII character (neither can it, and it is a look-alike).
    """
    stripped = key.strip()
    if (
        key.isascii()
        and key.isprintable()  # a space is printable; tabs, line breaks and controls are not
        and key == stripped
        and stripped[0] not in _QUOTES[:3]
        and stripped[-1] not in _QUOTES[:3]
    ):
        return None  # the usual key, checked at C speed: copy() and with_options() pass here too
    if stripped[0] in _QUOTES or stripped[-1] in _QUOTES:
        return "starts or ends with a quote mark, copied along with the key: remove it."
    if key != stripped:
        return "starts or ends with a space or a line break: remove it."
    for position, char in enumerate(key, start=1):
        if not char.isprintable():
            return f"holds a line break or control character (character {position}): a key is one line."
        if not char.isascii():
            return (
                f"holds a non-ASCII character (character {position}; a look-alike letter or dash "
                "copied from a web page?). Copy the key again from the Moonshot console."
            )
    return None


def check_region(region: str) -> str:
    if region not in REGION_BASE_URLS:
        allowed = ", ".join(repr(r) for r in REGION_BASE_URLS)
        raise KimiConfigurationError(
            f"Unknown region {describe_value(region)}. Allowed: {allowed} "
            "(or pass base_url=... / set MOONSHOT_BASE_URL for another endpoint)."
        )
    return region


def _base_url_problem(text: str) -> str | None:
    """What makes ``text`` unusable as a base URL, or None when it looks right."""
    if not text.isprintable():  # a space is printable; CR, LF, tab and other controls are not
        position = next(i for i, char in enumerate(text, start=1) if not char.isprintable())
        # A CR/LF would split the request line or a header if it ever reached the wire.
        return f"a line break or control character at character {position}"
    try:
        parts = urlsplit(text)  # raises ValueError for a malformed [IPv6] host
    except ValueError as error:
        return str(error)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "no http(s) scheme or no host"
    host = parts.hostname
    if ":" in host:
        import ipaddress  # only for an [IPv6] host: keeps `import kimi_openai` light

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"{host!r} is not an IPv6 address"
    elif not all(ch.isalnum() or ch in "-._" for ch in host):
        return f"the host {host!r} holds characters a host name cannot (a space?)"
    try:
        port = parts.port  # ValueError for a port that is not a number or is out of range
    except ValueError:
        port = 0
    if port == 0:
        return "the port is not a number from 1 to 65535"
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        # The SDK appends "/chat/completions" and friends to the base URL's path, so a
        # query or fragment would end up in the wrong place of every request URL.
        return "a query (?...) or fragment (#...) is not allowed; pass query parameters as default_query=..."
    return None


def check_base_url(url: str, *, where: str) -> str:
    """Reject what cannot be a base URL now, rather than failing on the first request."""
    text = url.strip()
    problem = _base_url_problem(text)
    if problem is not None:
        raise KimiConfigurationError(
            f"{where} {describe_value(url)} is not a valid base URL: expected http(s)://host[:port]/path, "
            f"e.g. {REGION_BASE_URLS[DEFAULT_REGION]!r} ({problem}). Fix it, or pass region='global' or region='cn'."
        )
    return text


def resolve_base_url(base_url: object, region: str | None, dotenv: Mapping[str, str]) -> str:
    """The base URL to use: argument, then ``MOONSHOT_BASE_URL`` / ``KIMI_BASE_URL``, then the region's endpoint."""
    return resolve_endpoint(base_url, region, dotenv)[0]


def resolve_endpoint(
    base_url: object, region: str | None, dotenv: Mapping[str, str]
) -> tuple[str, Region | None]:
    """The base URL, and the platform it fronts when ``region`` was given with a non-official one.

    ``region`` next to a proxy's base URL says which Moonshot platform the proxy reaches, so
    Moonshot's rules keep applying; next to an official host it must name that host's platform.
    """
    if region is not None:
        check_region(region)
    if base_url is not None:
        url, where = check_base_url(str(base_url), where="base_url"), "base_url"
    else:
        found = _lookup(BASE_URL_ENV_VARS, dotenv)
        if found is None or not found[0].strip():
            return REGION_BASE_URLS[region or DEFAULT_REGION], None
        url, where = check_base_url(found[0], where=found[1]), found[1]
    official = region_of(url)
    if region is None or official is None:
        return url, _as_region(region)
    if official != region:
        raise KimiConfigurationError(
            f"region={region!r} contradicts {where} {redact_url_userinfo(url)!r}, which is Moonshot's {official!r} platform. "
            f"Pass region={official!r}, or drop one of the two (a key works on one platform only)."
        )
    return url, None


def _as_region(value: object) -> Region | None:
    return cast("Region", value) if value in REGION_BASE_URLS else None


# (region, "api.moonshot.ai", ".moonshot.ai"), worked out once: region_of runs on every request.
_OFFICIAL_HOSTS: tuple[tuple[str, str, str], ...] = tuple(
    (region, host, "." + host.split(".", 1)[1])
    for region, host in ((r, urlsplit(url).hostname or "") for r, url in REGION_BASE_URLS.items())
)


def region_of(base_url: object) -> Region | None:
    """The Moonshot platform a base URL belongs to, or None for a proxy or a self-hosted engine."""
    return _region_of_url(str(base_url))


@lru_cache(maxsize=64)
def _region_of_url(url: str) -> Region | None:
    host = urlsplit(url).hostname or ""
    for region, official, domain in _OFFICIAL_HOSTS:
        if host == official or host.endswith(domain):
            return _as_region(region)
    return None


def check_http_client(http_client: object, *, sync: bool) -> None:
    """Refuse, at construction, an ``http_client`` the installed openai cannot send with.

    openai fails on its own with an ``AttributeError`` (any object) or a ``TypeError``;
    this names the argument, what was given and what to pass instead.
    """
    if http_client is None or _is_http_client(http_client, sync=sync):
        return
    wanted = "Client" if sync else "AsyncClient"
    default = "DefaultHttpxClient" if sync else "DefaultAsyncHttpxClient"
    client_class = "KimiOpenAI" if sync else "AsyncKimiOpenAI"
    other = _is_http_client(http_client, sync=not sync)
    hint = f" ({'an async' if sync else 'a sync'} client given to {client_class})" if other else ""
    given = type(http_client)
    given_name = (
        given.__qualname__ if given.__module__ == "builtins" else f"{given.__module__}.{given.__qualname__}"
    )
    # A TypeError too, as openai raises one for the same argument ("Invalid `http_client` argument").
    raise KimiConfigurationTypeError(
        f"Invalid `http_client` argument: {client_class} needs an {httpx.__name__}.{wanted}, not {given_name}{hint}. "
        f"Pass openai.{default}(...), which keeps openai's defaults, or {httpx.__name__}.{wanted}(...)."
    )


def _is_http_client(value: object, *, sync: bool) -> bool:
    """Whether openai takes ``value`` as its ``http_client`` (3.x also takes an httpx 0.x client)."""
    if isinstance(value, httpx.Client if sync else httpx.AsyncClient):
        return True
    legacy = sys.modules.get("httpx")  # openai 3.x accepts a client of httpx, when it is loaded
    if legacy is None or legacy is httpx:
        return False
    return isinstance(value, legacy.Client if sync else legacy.AsyncClient)


def moonpalace_endpoint(
    current: Region | None, *, host: str, port: int, region: Region | None
) -> tuple[str, Region]:
    """The base URL and region of a copy sent through MoonPalace, a proxy of a Moonshot platform.

    MoonPalace records every request and forwards it to Moonshot
    (https://github.com/MoonshotAI/moonpalace): Moonshot's rules still apply, so the copy says
    which platform the proxy fronts, the client's own unless ``region`` is given.
    """
    given = cast("object", port)  # any value reaches here at run time
    if isinstance(given, bool) or not isinstance(given, int) or not 0 < given < 65536:
        raise KimiConfigurationError(
            f"port={port!r} is not a port: pass the number MoonPalace listens on "
            f"(moonpalace start --port ..., {MOONPALACE_PORT} by default)."
        )
    fronts = current if region is None else _as_region(check_region(region))
    if fronts is None:
        raise KimiConfigurationError(
            "with_moonpalace() needs region='global' or region='cn': this client does not talk to a "
            "Moonshot platform, so which one MoonPalace forwards to is not known (its --endpoint)."
        )
    netloc = f"[{host}]" if ":" in host else host
    url = check_base_url(f"http://{netloc}:{port}/v1", where="with_moonpalace(host=...)")
    return url, fronts


def rules_off_notice(base_url: object, model: object) -> str | None:
    """What to log when a Moonshot model goes to a base URL where Moonshot's rules are off; else None.

    Only an id Moonshot serves (a row or family of the spec table hosted by Moonshot): an open
    weights id (``moonshotai/Kimi-K2-Instruct``) or an unknown one is a self-hosted engine's
    business. A local engine serving under a Moonshot id gets the line too: the client cannot
    tell it from MoonPalace or another local proxy, which is the mistake this catches.
    """
    if not isinstance(model, str):
        return None
    spec = get_model_spec(model)
    if not spec.is_known or spec.hosting != "moonshot":
        return None
    return (
        f"Moonshot's request rules are off for {redact_url_userinfo(str(base_url))!r}: model {model!r} is a "
        "Moonshot model, but this base URL is neither Moonshot's (api.moonshot.ai, api.moonshot.cn) nor "
        "declared as fronting it, so requests go out unchecked. For a proxy of Moonshot (MoonPalace, a "
        "gateway), pass region='global' or region='cn' with base_url, or use client.with_moonpalace(); "
        "for an engine serving the model itself, nothing needs to change. (Logged once per client.)"
    )
