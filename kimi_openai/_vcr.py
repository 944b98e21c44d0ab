"""Cassette handling for VCR.py: scrubbing, a readable serializer, a JSON body matcher.

Used by :mod:`kimi_openai.pytest_plugin`; kept apart so that it can be tested
without pytest-recording's fixtures.

A cassette written here:

* never holds a key: secret-bearing headers are dropped and anything shaped like
  a key (``sk-…``, ``Bearer …``) in a URL or body is replaced;
* is scrubbed whatever the test's VCR.py options: :class:`ScrubbingPersister`
  cleans each interaction again as the file is written, so a user's own
  ``vcr_config`` or a marker's ``before_record_*`` cannot switch it off;
* is stable: volatile headers (``date``, ``user-agent``, ``x-stainless-*``) are
  dropped, and a recording against the local emulator is stored under the
  public Moonshot URL, so replays need no server;
* is readable: JSON bodies become YAML trees and SSE streams a list of events;
* says where it came from: a top-level ``source`` (``emulator`` or ``live``) and
  the command that records it again.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

import yaml

CassetteSource = Literal["emulator", "live"]

REPLAY_BASE_URL = "https://api.moonshot.ai/v1"
"""Every cassette is stored under this base URL, whatever server it was recorded from."""

RERECORD_COMMANDS: Mapping[str, str] = {
    "emulator": "pytest --record-mode=rewrite <test>",
    "live": "KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite <test>",
}

_DROPPED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "user-agent",
        "date",
        "host",
        "content-length",
        "openai-organization",
        "openai-project",
        "server",
        "connection",
        "keep-alive",
        "transfer-encoding",
    }
)
# Any header whose name suggests a credential is dropped too, whatever the server calls it.
_SECRET_HEADER = re.compile(r"(key|token|secret|auth|cookie|session|signature)", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-.=]{8,})")
_REDACTED = "REDACTED"


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every key-shaped string, and every given secret, in ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return _SECRET_VALUE.sub(_REDACTED, text)


def _keep_header(name: str) -> bool:
    lowered = name.lower()
    return not (
        lowered in _DROPPED_HEADERS or lowered.startswith("x-stainless") or _SECRET_HEADER.search(lowered)
    )


def _scrub_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in headers.items() if _keep_header(name)}


def rebase_uri(uri: str, recorded_base: str, replay_base: str = REPLAY_BASE_URL) -> str:
    """Store a request made to ``recorded_base`` as if it had gone to ``replay_base``."""
    recorded = recorded_base.rstrip("/")
    if not uri.startswith(recorded + "/") and uri != recorded:
        return uri
    return replay_base.rstrip("/") + uri[len(recorded) :]


def _scrub_bytes(body: bytes, secrets: Iterable[str]) -> bytes:
    # latin-1 maps every byte to one character and back, so binary uploads (images,
    # PDFs) survive unchanged while key-shaped ASCII inside them is still replaced.
    try:
        return scrub_text(body.decode("utf-8"), secrets).encode("utf-8")
    except UnicodeDecodeError:
        return scrub_text(body.decode("latin-1"), secrets).encode("latin-1")


_BOUNDARY = re.compile(r"boundary=([^;\s]+)")
STABLE_BOUNDARY = "kimi-cassette-boundary"


def _stable_boundary(headers: dict[str, Any], body: bytes | None) -> tuple[dict[str, Any], bytes | None]:
    """Multipart boundaries are random per request: fix them so re-recordings diff cleanly."""
    for name, value in headers.items():
        items = cast("list[object]", value) if isinstance(value, list) else [value]
        text = items[0] if items else None
        found = _BOUNDARY.search(text) if isinstance(text, str) else None
        if found is None:
            continue
        boundary = found.group(1).strip('"')
        headers[name] = cast(str, text).replace(boundary, STABLE_BOUNDARY)
        if body is not None:
            body = body.replace(boundary.encode(), STABLE_BOUNDARY.encode())
    return headers, body


def strip_query_secrets(uri: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(query=scrub_text(parts.query)))


@dataclass(frozen=True)
class Scrubber:
    """``before_record_request`` / ``before_record_response`` hooks for VCR.py."""

    secrets: tuple[str, ...] = ()
    recorded_base_url: str | None = None

    def request(self, request: Any) -> Any:
        if self.recorded_base_url:
            request.uri = rebase_uri(request.uri, self.recorded_base_url)
        request.uri = strip_query_secrets(scrub_text(request.uri, self.secrets))
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, bytes):
            body = _scrub_bytes(body, self.secrets)
        request.headers, request.body = _stable_boundary(_scrub_headers(request.headers), body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, Any] = response.get("headers", {})
        body = response.get("body", {})
        raw = body.get("string")
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if isinstance(raw, bytes):
            headers, raw = _decompressed(headers, raw)
            body["string"] = _scrub_bytes(raw, self.secrets)
        response["headers"] = _scrub_headers(headers)
        return response


def _decompressed(headers: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    """A gzip or deflate body unpacked (and its header dropped): a key inside is then found and replaced.

    VCR.py only does this when ``decode_compressed_response`` is set, which a
    user's own ``vcr_config`` may leave out.
    """
    for name, value in headers.items():
        if name.lower() != "content-encoding":
            continue
        items = cast("list[object]", value) if isinstance(value, list) else [value]
        encoding = str(items[0]).strip().lower() if items else ""
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            else:
                return headers, body
        except (OSError, zlib.error):
            return headers, body
        return {k: v for k, v in headers.items() if k != name}, body
    return headers, body


@dataclass(frozen=True)
class ScrubbingPersister:
    """Wraps a VCR.py persister: every interaction is scrubbed again as the cassette is written.

    The ``before_record_*`` hooks come from ``vcr_config`` and the ``vcr``
    marker, both of which a user may replace; the persister is registered by
    the plugin's hook on every cassette, so this pass always runs.
    """

    inner: Any  # vcr's persister protocol, untyped
    scrubber: Callable[[], Scrubber]
    """Called at save time: the secrets and the recorded URL are known only once the test ran."""

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        return self.inner.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        scrubber = self.scrubber()
        # Copies: the cassette in memory keeps what was really exchanged.
        cleaned = {
            **cassette_dict,
            "requests": [scrubber.request(copy.deepcopy(r)) for r in cassette_dict["requests"]],
            "responses": [scrubber.response(copy.deepcopy(r)) for r in cassette_dict["responses"]],
        }
        self.inner.save_cassette(cassette_path, cleaned, serializer=serializer)


# --- serializer --------------------------------------------------------------------------------


def _as_text(body: object) -> str | None:
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body if isinstance(body, str) else None


def _parse_sse(text: str) -> list[object] | None:
    """``data:`` events of an SSE body, or None when the body is not a plain SSE stream."""
    events: list[object] = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        if not block.startswith("data: ") or "\n" in block:
            return None
        data = block[len("data: ") :]
        try:
            events.append(data if data == "[DONE]" else json.loads(data))
        except json.JSONDecodeError:
            return None
    return events if events and text.endswith("\n\n") else None


def _encode_body(body: object) -> object:
    """A body as a YAML-friendly tree when it is JSON or SSE; as it was otherwise."""
    text = _as_text(body)
    if text is None or not text.strip():
        return body
    if text.lstrip().startswith(("{", "[")):
        try:
            tree = json.loads(text)
        except json.JSONDecodeError:
            return text
        return {"json": tree}
    events = _parse_sse(text)
    return {"sse": events} if events is not None else text


def _decode_body(body: object) -> object:
    if not isinstance(body, dict):
        return body
    tree = cast("dict[str, Any]", body)
    if "json" in tree:
        return json.dumps(tree["json"], ensure_ascii=False, separators=(",", ":"))
    if "sse" in tree:
        events = cast("list[object]", tree["sse"])
        return "".join(
            f"data: {e if e == '[DONE]' else json.dumps(e, ensure_ascii=False)}\n\n" for e in events
        )
    return tree


def _map_bodies(cassette: dict[str, Any], convert: Callable[[object], object]) -> dict[str, Any]:
    for interaction in cassette.get("interactions", []):
        request = interaction["request"]
        request["body"] = convert(request.get("body"))
        response_body = interaction["response"].get("body", {})
        if "string" in response_body:
            response_body["string"] = convert(response_body["string"])
    return cassette


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as YAML blocks, so SSE and HTML bodies stay readable."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)  # pyright: ignore[reportUnknownMemberType]


_Dumper.add_representer(str, _str_presenter)


@dataclass
class CassetteSerializer:
    """A VCR.py serializer (registered under ``"yaml"``) writing the readable, labelled format."""

    source: CassetteSource = "emulator"

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        data = _map_bodies(cassette_dict, _encode_body)
        command = RERECORD_COMMANDS[self.source]
        header = (
            f"# Recorded from the {'local Moonshot emulator (kimi_openai.testing)' if self.source == 'emulator' else 'live Moonshot API'}.\n"
            f"# Record again: {command}\n"
        )
        document = {"source": self.source, **data}
        return header + yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)

    def deserialize(self, cassette_string: str) -> dict[str, Any]:
        data = cast("dict[str, Any]", yaml.safe_load(cassette_string) or {})
        return _map_bodies(data, _decode_body)


def cassette_source(text: str) -> str | None:
    """The ``source`` label of a cassette file's text."""
    data = yaml.safe_load(text)
    return cast("dict[str, Any]", data).get("source") if isinstance(data, dict) else None


# --- body matcher ------------------------------------------------------------------------------


def _json_or_text(body: object) -> object:
    text = _as_text(body)
    if text is None:
        return body
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def json_body_matcher(r1: Any, r2: Any) -> None:
    """VCR.py matcher: the two request bodies are equal as JSON (key order and spacing ignored)."""
    left, right = _json_or_text(r1.body), _json_or_text(r2.body)
    if left != right:
        raise AssertionError(f"request bodies differ:\n  recorded: {right!r}\n  sent:     {left!r}")
