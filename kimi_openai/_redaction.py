"""Keys kept out of everything the package writes: errors, reprs, messages, log lines, cassettes.

What counts as a secret, decided here once:

* anything shaped like a key: ``sk-…``, the credential after ``Bearer``,
  the password of a URL (``https://user:…@host``);
* the values of credential headers (``Authorization``, ``X-Api-Key``, cookies...) of the
  request an error answers or a cassette records: a key of any shape is known that way;
* the keys this process's Kimi clients were built with, and credentials seen in recorded
  requests: a small in-memory book (:func:`remember_secret`), never written anywhere, so
  a key that looks like nothing in particular is still found in a log line or a cassette.

Each secret is also looked for as it appears percent-encoded in a URL and escaped in JSON.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Final, TypeVar, cast
from urllib.parse import quote, quote_plus

from ._compat import httpx

__all__ = [
    "MARKER",
    "KeyRedactingFilter",
    "contains_secret",
    "credentials_in_headers",
    "describe_value",
    "install_log_redaction",
    "is_credential_name",
    "known_secrets",
    "looks_like_key",
    "redact",
    "redact_bytes",
    "redact_json_text",
    "redact_log_text",
    "redact_tree",
    "redact_url_userinfo",
    "redacted_request",
    "redacted_response",
    "remember_secret",
    "secret_spans",
    "secret_variants",
    "splice",
]

MARKER: Final = "sk-***"
"""What a key is replaced by in errors, messages and log lines."""

MIN_SECRET_LENGTH: Final = 6
"""Shorter values are never treated as secrets: replacing them would garble ordinary text."""

_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{8,}")
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(Bearer)(\s+)[A-Za-z0-9_\-.~+/=:]{8,}")
# The password runs to the "@" (a "/" in it makes the URL invalid, but it must not show then either).
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@'\"<>]*):[^\s@'\"<>]+@")
# A name is split at "-", "_", "." and spaces; "x-ratelimit-remaining-tokens" and "max_tokens"
# count tokens, they do not carry one.
_CREDENTIAL_SEGMENT = re.compile(
    r"auth\w*|\w*key|token|\w*secret|passw(?:or)?d|credentials?|\w*cookie|session\w*|signature|sig",
    re.IGNORECASE,
)
_NAME_SEPARATORS = re.compile(r"[-_.\s]+")
_OPAQUE_TOKEN = re.compile(r"[A-Za-z0-9_\-.+/=~]{20,}")
# In log lines: a query parameter, and an entry of a printed dict, whose name says credential.
_QUERY_PARAM = re.compile(r"([?&;])([^=&\s#'\"]+)=([^&\s#'\"]+)")
_DICT_ENTRY = re.compile(r"(['\"])([^'\"\s]+)\1(\s*:\s*)(['\"])([^'\"]+)\4")

_BOOK_SIZE: Final = 64
_BOOK_MIN_LENGTH: Final = 12
"""Real keys are far longer (Moonshot's: ``sk-`` and 48 characters); a shorter one is a test's
stand-in (``sk-test``, ``testing``), which would otherwise be cut out of every recorded text."""
_book: OrderedDict[str, None] = OrderedDict()
_book_lock = threading.Lock()


def remember_secret(value: object) -> None:
    """Add a key to the in-memory book of secrets this process uses (the newest 64 are kept)."""
    if not isinstance(value, str) or len(value) < _BOOK_MIN_LENGTH:
        return
    with _book_lock:
        _book[value] = None
        _book.move_to_end(value)
        while len(_book) > _BOOK_SIZE:
            _book.popitem(last=False)


def known_secrets() -> tuple[str, ...]:
    """The keys of this process's Kimi clients and the credentials seen in recordings."""
    with _book_lock:
        return tuple(_book)


def is_credential_name(name: str) -> bool:
    """Whether a header or field called ``name`` carries a credential (key, token, cookie, auth...)."""
    return any(_CREDENTIAL_SEGMENT.fullmatch(part) for part in _NAME_SEPARATORS.split(name))


def credentials_in_headers(headers: Iterable[tuple[str, object]]) -> list[str]:
    """The secrets carried by credential headers: each value, and the credential after its scheme."""
    found: list[str] = []
    for name, raw in headers:
        if not is_credential_name(str(name)):
            continue
        values = cast("list[object]", raw) if isinstance(raw, list) else [raw]
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            found.extend(_credential_parts(text.strip()))
    return [secret for secret in found if len(secret) >= MIN_SECRET_LENGTH]


def _credential_parts(value: str) -> list[str]:
    scheme, _, credential = value.partition(" ")
    if credential and scheme.lower() in _AUTH_SCHEMES:  # "Bearer <key>": the key alone
        credential = credential.strip()
        return [credential, *(_basic_parts(credential) if scheme.lower() == "basic" else [])]
    # A plain value (X-Api-Key), or cookies: each cookie's value on its own too.
    return [value, *(cookie.partition("=")[2].strip() for cookie in value.split(";"))]


_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "apikey", "key"})


def _basic_parts(credential: str) -> list[str]:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return []
    user, _, password = decoded.partition(":")
    return [decoded, user, password]


def secret_variants(secret: str) -> frozenset[str]:
    """``secret`` as written, percent-encoded (both ways) and escaped inside a JSON string."""
    if len(secret) < MIN_SECRET_LENGTH:
        return frozenset()
    return frozenset({secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]})


def _expanded(secrets: Iterable[str]) -> tuple[str, ...]:
    return _expanded_once(tuple(secrets))


@lru_cache(maxsize=64)  # the same few keys, on every log record and every cassette string
def _expanded_once(secrets: tuple[str, ...]) -> tuple[str, ...]:
    every: set[str] = set()
    for secret in secrets:
        every |= secret_variants(secret)
    # Longest first: a key that contains another key is replaced whole.
    return tuple(sorted(every, key=len, reverse=True))


def secret_spans(text: str, secrets: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where ``text`` holds a given secret or something key-shaped: sorted, non-overlapping spans."""
    spans: list[tuple[int, int]] = []
    for secret in _expanded(secrets):
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + len(secret))
    # Each pattern runs only when its literal part is there: most texts hold none.
    if "sk-" in text:
        spans += [match.span() for match in _KEY_SHAPE.finditer(text)]
    if "earer" in text or "EARER" in text:
        spans += [(match.end(2), match.end()) for match in _SCHEME_CREDENTIAL.finditer(text)]
    if "@" in text:
        spans += [(match.end(1) + 1, match.end() - 1) for match in _URL_PASSWORD.finditer(text)]
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def contains_secret(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` holds one of ``secrets`` as such (key shapes aside)."""
    return any(secret in text for secret in _expanded(secrets))


def redact(text: str, secrets: Iterable[str] = (), *, marker: str = MARKER) -> str:
    """``text`` with every given secret and every key-shaped string replaced by ``marker``."""
    return splice(text, secret_spans(text, secrets), marker)


def splice(text: str, spans: list[tuple[int, int]], marker: str) -> str:
    """``text`` with each span replaced by ``marker``."""
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += (text[last:start], marker)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def redact_bytes(data: bytes, secrets: Iterable[str] = (), *, marker: str = MARKER) -> bytes:
    """``redact`` for any bytes: latin-1 maps each byte to one character and back, so binary survives."""
    # UTF-8 text keeps its bytes through latin-1, and the secrets are matched in the same form.
    as_latin = [s.encode("utf-8").decode("latin-1") for s in secrets]
    return redact(data.decode("latin-1"), as_latin, marker=marker).encode("latin-1")


_T = TypeVar("_T")


def redact_tree(value: _T, secrets: Iterable[str] = (), *, marker: str = MARKER) -> _T:
    """A copy of a JSON-like value (dicts, lists, strings, bytes) with every string redacted."""
    return cast("_T", _redact_tree(value, tuple(secrets), marker))


def _redact_tree(value: object, secrets: tuple[str, ...], marker: str) -> object:
    if isinstance(value, str):
        return redact(value, secrets, marker=marker)
    if isinstance(value, bytes):
        return redact_bytes(value, secrets, marker=marker)
    if isinstance(value, Mapping):
        items = cast("Mapping[object, object]", value).items()
        return {_redact_tree(k, secrets, marker): _redact_tree(v, secrets, marker) for k, v in items}
    if isinstance(value, list | tuple):
        redacted = [_redact_tree(item, secrets, marker) for item in cast("Iterable[object]", value)]
        return tuple(redacted) if isinstance(value, tuple) else redacted
    return value


def redact_json_text(text: str, secrets: Iterable[str] = (), *, marker: str = MARKER) -> str:
    """``redact`` for a body that may be JSON: a key hidden by escapes (``\\u0073k-…``) is found too."""
    secrets = tuple(secrets)
    text = redact(text, secrets, marker=marker)
    if not text.lstrip().startswith(("{", "[")):
        return text
    try:
        tree: object = json.loads(text)
    except (ValueError, RecursionError):
        return text
    cleaned = _redact_tree(tree, secrets, marker)
    return text if cleaned == tree else json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))


def redact_url_userinfo(url: str) -> str:
    """``url`` with the password of its userinfo replaced (``https://user:sk-***@host``)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MARKER}@", url)


def looks_like_key(value: object) -> bool:
    """Whether a value given where a URL or a region belongs is probably a key: never quote it back."""
    text = str(value)
    if _KEY_SHAPE.search(text) or _SCHEME_CREDENTIAL.search(text):
        return True
    token = text.strip()
    return (
        _OPAQUE_TOKEN.fullmatch(token) is not None
        and any(ch.isdigit() for ch in token)
        and any(ch.isalpha() for ch in token)
    )


def describe_value(value: object) -> str:
    """A value for an error message: quoted, unless it looks like a key (then a marker and why).

    A URL is quoted with its password, credential query parameters and any known or
    key-shaped secret replaced, so what is wrong with it can still be seen.
    """
    text = str(value)
    if "://" not in text and looks_like_key(text):
        return f"'{MARKER}' (a value shaped like an API key, not shown)"
    return repr(redact_log_text(text))


# --- requests and responses held by errors -------------------------------------------------------


def _redacted_headers(headers: httpx.Headers, secrets: tuple[str, ...]) -> list[tuple[str, str]]:
    cleaned: list[tuple[str, str]] = []
    for name, value in headers.multi_items():
        if name.lower() == "content-encoding":  # the copy holds the decoded body
            continue
        if is_credential_name(name):
            value = MARKER
        cleaned.append((name, redact(value, secrets)))
    return cleaned


def redacted_request(request: httpx.Request, secrets: Iterable[str] = ()) -> httpx.Request:
    """A copy of ``request`` without any credential: for errors that are kept, printed or pickled."""
    secrets = tuple(secrets)
    try:
        content: bytes | None = redact_bytes(request.content, secrets)
    except httpx.RequestNotRead:  # a streamed upload: its body was never held
        content = None
    return httpx.Request(
        request.method,
        redact(str(request.url), secrets),
        headers=_redacted_headers(request.headers, secrets),
        content=content,
    )


def redacted_response(
    response: httpx.Response, secrets: Iterable[str] = (), *, request: httpx.Request | None = None
) -> httpx.Response:
    """A copy of ``response`` (status, headers, body, ``request``) without any credential."""
    secrets = tuple(secrets)
    try:
        content = redact_json_text(response.text, secrets).encode("utf-8")
    except httpx.ResponseNotRead:  # a stream whose body was never read
        content = b""
    extensions = {k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")}
    copy = httpx.Response(
        response.status_code,
        headers=_redacted_headers(response.headers, secrets),
        content=content,
        request=request,
        extensions=extensions,
    )
    with contextlib.suppress(RuntimeError):  # never closed: no elapsed time to carry over
        copy.elapsed = response.elapsed
    return copy


# --- log records ---------------------------------------------------------------------------------

REDACTED_LOGGERS: Final[tuple[str, ...]] = (
    "httpx",
    "httpx2",
    "openai",
    "openai._base_client",
    "openai._response",
    "openai._legacy_response",
    "kimi_openai",
)
"""The loggers that can print a request's URL, options or headers (a filter applies to its own logger only)."""


def redact_log_text(text: str) -> str:
    """A log line without keys: known secrets, key shapes, credential query parameters and dict entries."""
    text = redact(text, known_secrets())
    if "=" in text:
        text = _QUERY_PARAM.sub(_hide_credential_param, text)
    return _DICT_ENTRY.sub(_hide_credential_entry, text) if ":" in text else text


def _hide_credential_param(match: re.Match[str]) -> str:
    separator, name, _ = match.groups()
    return f"{separator}{name}={MARKER}" if is_credential_name(name) else match.group(0)


def _hide_credential_entry(match: re.Match[str]) -> str:
    quote_mark, name, colon, value_quote, _ = match.groups()
    if not is_credential_name(name):
        return match.group(0)
    return f"{quote_mark}{name}{quote_mark}{colon}{value_quote}{MARKER}{value_quote}"


class KeyRedactingFilter(logging.Filter):
    """Rewrites a record whose message or traceback would show a key; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it as it always does
            return True
        redacted = redact_log_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set: an httpx error names the URL, query included.
            record.exc_text = redact_log_text(_formatter.formatException(record.exc_info))
        return True


_formatter = logging.Formatter()
_log_filter = KeyRedactingFilter()


_installed = threading.Event()


def install_log_redaction() -> None:
    """Add the filter to the loggers of httpx/httpx2, openai and this package (once per process)."""
    if _installed.is_set():  # every client construction passes here, copies included
        return
    for name in REDACTED_LOGGERS:
        logging.getLogger(name).addFilter(_log_filter)  # addFilter never adds the same filter twice
    _installed.set()
