"""Cassette handling for VCR.py: scrubbing, a readable serializer, a JSON body matcher.

Used by :mod:`kimi_openai.testing.pytest_plugin`; kept apart so that it can be tested
without pytest-recording's fixtures.

A cassette written here:

* never holds a key: credential headers are dropped; the known keys (see
  :mod:`kimi_openai._redaction`) and anything shaped like a key are replaced in every
  other header value, the URL, the bodies and streams (a key streamed back in
  pieces included), and a cassette still holding a known key is not written;
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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from kimi_openai._redaction import (
    contains_secret,
    credentials_in_headers,
    is_credential_name,
    known_secrets,
    redact,
    redact_bytes,
    redact_json_text,
    remember_secret,
    secret_spans,
)

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
_REDACTED = "REDACTED"


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every key-shaped string, and every given secret, in ``text``."""
    return redact(text, secrets, marker=_REDACTED)


def _keep_header(name: str) -> bool:
    # Any header whose name says credential (key, token, secret, auth, cookie...) is dropped,
    # whatever the server calls it; the values of the others are scrubbed.
    lowered = name.lower()
    return not (
        lowered in _DROPPED_HEADERS or lowered.startswith("x-stainless") or is_credential_name(lowered)
    )


def _scrub_headers(headers: Mapping[str, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: _scrub_header_value(value, secrets) for name, value in headers.items() if _keep_header(name)
    }


def _scrub_header_value(value: object, secrets: tuple[str, ...]) -> object:
    if isinstance(value, list):
        return [_scrub_header_value(item, secrets) for item in cast("list[object]", value)]
    return scrub_text(value, secrets) if isinstance(value, str) else value


def _header_items(headers: Mapping[str, Any]) -> list[tuple[str, object]]:
    return [(str(name), value) for name, value in headers.items()]


def rebase_uri(uri: str, recorded_base: str, replay_base: str = REPLAY_BASE_URL) -> str:
    """Store a request made to ``recorded_base`` as if it had gone to ``replay_base``."""
    recorded = recorded_base.rstrip("/")
    if not uri.startswith(recorded + "/") and uri != recorded:
        return uri
    return replay_base.rstrip("/") + uri[len(recorded) :]


def scrub_body(body: bytes, secrets: Iterable[str] = ()) -> bytes:
    """A request or response body without keys: JSON, an SSE stream, text or binary."""
    secrets = tuple(secrets)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # latin-1 maps every byte to one character and back, so binary uploads (images,
        # PDFs) survive unchanged while key-shaped ASCII inside them is still replaced.
        return redact_bytes(body, secrets, marker=_REDACTED)
    if _looks_like_sse(text):
        return scrub_stream(text, secrets).encode("utf-8")
    return redact_json_text(text, secrets, marker=_REDACTED).encode("utf-8")


def _looks_like_sse(text: str) -> bool:
    return text.lstrip().startswith(("data:", "event:", "id:", "retry:", ":"))


# --- streams: a key sent back in pieces ----------------------------------------------------------


@dataclass
class _Event:
    """One ``data:`` line of a stream, decoded: the JSON tree, or the text as a one-item list."""

    prefix: str
    tree: Any
    is_json: bool
    end: str

    def line(self) -> str:
        data = (
            json.dumps(self.tree, ensure_ascii=False, separators=(",", ":")) if self.is_json else self.tree[0]
        )
        return f"{self.prefix}{data}{self.end}"


_Leaf = tuple[int, Any, Any]
"""One string of a stream: the line it came on, its container, and its key or index there."""


def scrub_stream(text: str, secrets: Iterable[str] = ()) -> str:
    """An SSE body without keys, also where one arrived split over several events.

    A model can stream a key back as deltas (``sk-LE``, ``AKCANA``, ``RY7f…``) that no
    single event shows. The strings at the same place of every event (the content of
    choice 0, the arguments of tool call 1...) are joined and searched as one text, and
    each piece of a key found there is cut out, the marker standing where the key began.
    """
    secrets = tuple(secrets)
    lines = scrub_text(text, secrets).split("\n")
    events: dict[int, _Event] = {}
    groups: dict[tuple[object, ...], list[_Leaf]] = {}
    for number, line in enumerate(lines):
        if line.startswith("data:"):
            events[number] = event = _decode_event(line)
            _collect_leaves(number, event.tree, () if event.is_json else ("text",), groups)
    for number in {n for leaves in groups.values() for n in _cut_keys(leaves, secrets)}:
        lines[number] = events[number].line()
    return "\n".join(lines)


def _decode_event(line: str) -> _Event:
    payload, end = (line[:-1], "\r") if line.endswith("\r") else (line, "")
    data = payload[len("data:") :].removeprefix(" ")
    prefix = payload[: len(payload) - len(data)]
    try:
        return _Event(prefix, json.loads(data), True, end)
    except (ValueError, RecursionError):
        return _Event(prefix, [data], False, end)


def _collect_leaves(
    number: int, node: object, path: tuple[object, ...], groups: dict[tuple[object, ...], list[_Leaf]]
) -> None:
    """Every string of ``node`` under its place: list items that carry an ``index`` are placed by it."""
    if isinstance(node, dict):
        items: Iterable[tuple[object, object, object]] = (
            (key, key, value) for key, value in cast("dict[str, object]", node).items()
        )
    elif isinstance(node, list):
        items = ((_slot(i, item), i, item) for i, item in enumerate(cast("list[object]", node)))
    else:
        return
    for slot, key, value in items:
        if isinstance(value, str):
            groups.setdefault((*path, slot), []).append((number, cast(Any, node), key))
        else:
            _collect_leaves(number, value, (*path, slot), groups)


def _slot(position: int, item: object) -> object:
    if isinstance(item, dict) and "index" in item:
        return f"index={cast('dict[str, object]', item)['index']!r}"
    return position


def _cut_keys(leaves: list[_Leaf], secrets: tuple[str, ...]) -> set[int]:
    """Cut every key found in the joined pieces out of the pieces; the lines that changed."""
    spans = secret_spans("".join(container[key] for _, container, key in leaves), secrets)
    changed: set[int] = set()
    offset = 0
    for number, container, key in leaves:
        piece: str = container[key]
        cut = _cut_piece(piece, offset, spans)
        if cut != piece:
            container[key] = cut
            changed.add(number)
        offset += len(piece)
    return changed


def _cut_piece(piece: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """``piece`` (at ``offset`` in the joined text) without what the spans cover; the marker where one starts."""
    local = [
        (max(start, offset) - offset, min(end, offset + len(piece)) - offset, start >= offset)
        for start, end in spans
        if start < offset + len(piece) and end > offset
    ]
    if not local:
        return piece
    parts: list[str] = []
    last = 0
    for start, end, begins_here in local:
        parts += (piece[last:start], _REDACTED if begins_here else "")
        last = end
    parts.append(piece[last:])
    return "".join(parts)


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


def strip_query_secrets(uri: str, secrets: Iterable[str] = ()) -> str:
    """``uri`` without keys: anywhere in it, and as the value of a credential-named query parameter."""
    secrets = tuple(secrets)
    parts = urlsplit(scrub_text(uri, secrets))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [(k, _REDACTED if v and is_credential_name(k) else scrub_text(v, secrets)) for k, v in pairs]
    if cleaned == pairs:
        return urlunsplit(parts)
    return urlunsplit(parts._replace(query=urlencode(cleaned, safe="/:")))


@dataclass(frozen=True)
class Scrubber:
    """``before_record_request`` / ``before_record_response`` hooks for VCR.py.

    Besides ``secrets``, every key in the in-memory book is scrubbed: the keys of this
    process's Kimi clients, and the credential headers of each request recorded (noted
    before the headers are dropped), so a key of any shape is found in the answer too.
    """

    secrets: tuple[str, ...] = ()
    recorded_base_url: str | None = None

    def every_secret(self) -> tuple[str, ...]:
        return (*self.secrets, *known_secrets())

    def request(self, request: Any) -> Any:
        note_credentials(request)
        secrets = self.every_secret()
        if self.recorded_base_url:
            request.uri = rebase_uri(request.uri, self.recorded_base_url)
        request.uri = strip_query_secrets(request.uri, secrets)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, bytes):
            body = scrub_body(body, secrets)
        request.headers, request.body = _stable_boundary(_scrub_headers(request.headers, secrets), body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        secrets = self.every_secret()
        headers: dict[str, Any] = response.get("headers", {})
        body = response.get("body", {})
        raw = body.get("string")
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if isinstance(raw, bytes):
            headers, raw = _decompressed(headers, raw)
            body["string"] = scrub_body(raw, secrets)
        response["headers"] = _scrub_headers(headers, secrets)
        status: object = response.get("status")
        if isinstance(status, dict):  # the reason phrase is the server's text too
            status = cast("dict[str, object]", status)
            if isinstance(message := status.get("message"), str):
                status["message"] = scrub_text(message, secrets)
        return response


def note_credentials(request: Any) -> None:
    """Put the credential headers of a recorded request in the book of secrets, before they are dropped."""
    headers = getattr(request, "headers", None)
    if isinstance(headers, Mapping):
        for secret in credentials_in_headers(_header_items(cast("Mapping[str, Any]", headers))):
            remember_secret(secret)


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
        for request in cassette_dict["requests"]:  # what a user's config left of the credentials
            note_credentials(request)
        scrubber = self.scrubber()
        # Copies: the cassette in memory keeps what was really exchanged.
        cleaned = {
            **cassette_dict,
            "requests": [scrubber.request(copy.deepcopy(r)) for r in cassette_dict["requests"]],
            "responses": [scrubber.response(copy.deepcopy(r)) for r in cassette_dict["responses"]],
        }
        guarded = _CheckedSerializer(serializer, scrubber.every_secret(), cassette_path)
        self.inner.save_cassette(cassette_path, cleaned, serializer=guarded)


class CassetteLeakError(RuntimeError):
    """A key survived scrubbing: the cassette is not written."""


@dataclass(frozen=True)
class _CheckedSerializer:
    """The last gate: the text about to be written is searched for every known key."""

    inner: Any  # a VCR.py serializer
    secrets: tuple[str, ...]
    path: str

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        text = cast(str, self.inner.serialize(cassette_dict))
        if contains_secret(text, self.secrets):
            raise CassetteLeakError(
                f"Not writing {self.path}: a key is still in it after scrubbing (a new body or "
                "header shape?). Nothing was written; please report this to kimi_openai."
            )
        return text

    def deserialize(self, cassette_string: str) -> Any:
        return self.inner.deserialize(cassette_string)


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


def _scrubbed(body: object) -> object:
    """A body as the cassette stores it: the request being played is compared in that form."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return scrub_body(body, known_secrets()) if isinstance(body, bytes) else body


def json_body_matcher(r1: Any, r2: Any) -> None:
    """VCR.py matcher: the two request bodies are equal as JSON (key order and spacing ignored)."""
    note_credentials(r1)
    left, right = _json_or_text(_scrubbed(r1.body)), _json_or_text(_scrubbed(r2.body))
    if left != right:
        raise AssertionError(f"request bodies differ:\n  recorded: {right!r}\n  sent:     {left!r}")


def scrubbed_query_matcher(r1: Any, r2: Any) -> None:
    """VCR.py's ``query`` matcher, comparing queries as the cassette stores them (keys scrubbed).

    Without it, a request whose query held a key would never match its own recording,
    which holds the key's marker instead.
    """
    note_credentials(r1)  # a test's own client: its key is known from the request being played
    left, right = _scrubbed_query(r1.uri), _scrubbed_query(r2.uri)
    if left != right:
        raise AssertionError(f"{left} != {right}")


def _scrubbed_query(uri: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(strip_query_secrets(uri, known_secrets())).query))
