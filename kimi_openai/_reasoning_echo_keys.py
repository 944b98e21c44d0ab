"""The keys the reasoning echo remembers turns by: a turn is found only after the messages it answered.

Moonshot's tool-call ids count within one conversation (``functions.lookup:0``:
https://platform.kimi.ai/docs/guide/use-kimi-api-to-complete-tool-calls), and short
answers ("Sure.") repeat, so neither tells two conversations of one client apart.
Every key therefore starts with a digest of the request messages *before* the turn:
the prefix the server saw when it wrote that turn. The digest covers what survives a
framework rebuilding its history (role, text, tool-call ids and names, tool results),
never ``reasoning_content``, so a turn sent back without it still finds it.

Each prefix has a second digest that leaves out system and developer messages. An
openai-agents handoff, or a system prompt rebuilt for every request (retrieved
documents, today's date), changes those and keeps the rest of the history: the
store finds a turn by that digest too, under the rules in ``_reasoning_echo``.

Keys are opaque ``bytes``: a prefix digest followed by the digest of one part of the
turn (a tool call's id and name, or its text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Final, cast

from pydantic import BaseModel

from ._fields import fields_of, fields_or_empty

__all__ = [
    "KEY_SIZE",
    "PENDING",
    "Prefix",
    "prefix_of",
    "text_of",
    "turn_parts",
]

_PREFIX_SIZE: Final = 16
"""Bytes of a prefix digest: 128 bits, so an accidental match across a fleet's stores never happens."""
_PART_SIZE: Final = 12
"""Bytes of a turn part's digest (a tool call's id and name, or its text), read after its prefix."""
KEY_SIZE: Final = _PREFIX_SIZE + _PART_SIZE
"""Bytes of a turn's key: its prefix digest, then one part's."""
_START: Final = hashlib.blake2b(b"kimi_openai reasoning prefix", digest_size=_PREFIX_SIZE).digest()
_IDENTITIES: dict[tuple[str | None, ...], bytes] = {}
"""The digest of each message identity computed lately: a history sent again costs a look-up per message."""
_IDENTITIES_KEPT: Final = 1 << 16
_INSTRUCTION_ROLES: Final = ("system", "developer")
"""Roles a handoff or a per-request system prompt rewrites; the second digest leaves them out."""


def _parts(content: object) -> list[Mapping[str, object]]:
    if not isinstance(content, list | tuple):
        return []
    items = cast("Iterable[object]", content)
    return [cast("Mapping[str, object]", p) for p in items if isinstance(p, Mapping)]


def text_of(content: object) -> str:
    """A turn's text: the string, or its text parts joined (frameworks switch between the two)."""
    if isinstance(content, str):
        return content
    return "".join(
        str(part.get("text", "")) for part in _parts(content) if part.get("type", "text") == "text"
    )


def _identity(fields: Mapping[str, object]) -> bytes:
    """One request message (as :func:`fields_or_empty` reads it) as a digest: what survives a rebuild,
    never its ``reasoning_content``.

    The same in every process (BLAKE2b of the fields as JSON, never Python's ``hash()``,
    which is salted per process), so every worker of a fleet finds a turn by the same key.
    The digests are kept by the fields they came from (found by Python's hash, kept by
    each string once computed), so the history a conversation sends again and again costs
    a look-up per message, not a digest of its text.
    """
    content = fields.get("content")
    role, call_id = fields.get("role"), fields.get("tool_call_id")
    identity: list[str | None] = [
        role if isinstance(role, str) else None,
        content if isinstance(content, str) else text_of(content),
        call_id if isinstance(call_id, str) else None,
    ]
    if not isinstance(content, str):
        for part in _parts(content):
            kind = str(part.get("type", "text"))
            if kind != "text":
                identity += (kind, str(fields_or_empty(part.get(kind)).get("url")))
    calls = fields.get("tool_calls")
    if calls:
        for call in _calls(calls):
            identity += _call_fields(call)
    key = tuple(identity)
    digest = _IDENTITIES.get(key)
    if digest is None:
        digest = _digest(json.dumps(identity, ensure_ascii=False).encode(), _PREFIX_SIZE)
        if len(_IDENTITIES) >= _IDENTITIES_KEPT:
            _IDENTITIES.clear()  # a bound, not a policy: the next requests fill it again
        _IDENTITIES[key] = digest
    return digest


def _digest(data: bytes, size: int) -> bytes:
    return hashlib.blake2b(data, digest_size=size).digest()


def _calls(calls: object) -> list[object]:
    if not isinstance(calls, list | tuple):
        return []
    return [call for call in cast("Iterable[object]", calls) if isinstance(call, BaseModel | Mapping)]


def _call_fields(call: object) -> tuple[str, str]:
    fields = fields_of(call)
    fn = fields_or_empty(fields.get("function"))
    call_id = fields.get("id")
    return (call_id if isinstance(call_id, str) else "", str(fn.get("name") or ""))


class Prefix:
    """The rolling digests of one request's messages, computed only as far as they are asked for.

    Asked for in increasing positions (the restore walk, then the whole request when its
    answer comes back), so each message is read once per request. Two digests are kept:
    of the messages but system and developer ones, and of those (with their positions);
    a prefix's full digest combines the two. 128-bit BLAKE2b chains, the same in every
    process, on every Python version and under every hash seed: keys a fleet's workers share.
    """

    __slots__ = ("_done", "_instructions", "_known", "_messages", "_relaxed", "fetched", "shared_end")

    def __init__(self, messages: Sequence[object]) -> None:
        self._messages = tuple(messages)
        self._relaxed = self._instructions = _START
        self._done = 0
        self._known: dict[int, tuple[bytes, bytes]] = {}
        self.fetched = False
        """Whether what a shared store holds for this request was read (once per request)."""
        self.shared_end: bytes | None = None
        """What the shared store said of this request's messages but system ones: under which
        system messages another answer to them was written (see ``_reasoning_echo_shared``)."""

    def _advance(self, index: int) -> None:
        relaxed, instructions, position = self._relaxed, self._instructions, self._done
        for message in self._messages[position:index]:
            fields = fields_or_empty(message)
            role = fields.get("role")
            if role == "system" or role == "developer":  # _INSTRUCTION_ROLES
                chained = instructions + position.to_bytes(4, "little") + _identity(fields)
                instructions = _digest(chained, _PREFIX_SIZE)
            else:
                relaxed = _digest(relaxed + _identity(fields), _PREFIX_SIZE)
            position += 1
        self._relaxed, self._instructions = relaxed, instructions
        self._done = max(self._done, index)

    def at(self, index: int) -> tuple[bytes, bytes]:
        """The digests of ``messages[:index]``: of every message, and without system and developer ones.

        Kept once computed: the shared store's read asks for the turns and the end before the
        restore walk asks for the turns again.
        """
        known = self._known.get(index)
        if known is not None:
            return known
        if index < self._done:  # asked out of order: computed afresh, rarely
            return Prefix(self._messages[:index]).at(index)
        if index > self._done:
            self._advance(index)
        if self._instructions is _START:  # no system message: nothing to combine
            known = (self._relaxed, self._relaxed)
        else:
            known = (_digest(self._relaxed + self._instructions, _PREFIX_SIZE), self._relaxed)
        self._known[index] = known
        return known

    def before(self, index: int) -> bytes:
        """The digest of ``messages[:index]``."""
        return self.at(index)[0]

    def whole(self) -> bytes:
        """The digest of every message: the prefix of the answer to this request."""
        return self.at(len(self._messages))[0]

    def ends(self) -> tuple[bytes, bytes]:
        """:meth:`at` the end: the prefixes of the answer to this request."""
        return self.at(len(self._messages))


def prefix_of(messages: Sequence[object]) -> bytes:
    """The digest of a message list, as :class:`Prefix` computes it."""
    return Prefix(messages).whole()


def turn_parts(tool_calls: object, content: object) -> list[bytes]:
    """What a turn is found by after its prefix: each tool call (id and name), then its text.

    Not a call's arguments: frameworks re-serialize or repair them, and after the same
    messages an id names one call. A call without an id, and empty text, give no part.
    """
    parts: list[bytes] = []
    for call in _calls(tool_calls):
        call_id, name = _call_fields(call)
        if call_id:
            parts.append(_digest(f"call\0{call_id}\0{name}".encode(), _PART_SIZE))
    text = text_of(content)
    if text:
        parts.append(_digest(b"text\0" + text.encode(), _PART_SIZE))
    return parts


PENDING: ContextVar[tuple[object, Prefix] | None] = ContextVar("kimi_openai_echo_pending", default=None)
"""The request a store last prepared in this context (thread or task), with that store.

openai runs ``_prepare_options`` and the response processing of one request in the
caller's context, so the answer is remembered under the prefix of the request that
produced it; a request from another thread or task never sees it.
"""
