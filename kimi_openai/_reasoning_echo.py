"""Reasoning echo: remember the ``reasoning_content`` of returned assistant turns, restore it on the way out.

Kimi's thinking models reject a tool-call assistant message sent back without its
``reasoning_content`` (HTTP 400, "thinking is enabled but reasoning_content is
missing in assistant tool call message at index N":
https://platform.kimi.ai/docs/guide/use-thinking-models). An empty string counts
as missing; a single space passes (theopenco/llmgateway PR #2093). Frameworks
rebuild messages with their own types and drop the field; the client puts it back.

Two ways to send a turn back with its reasoning:

* :func:`echo_message` turns a returned message into the clean request param;
* the clients' :class:`ReasoningStore` remembers the reasoning of every assistant
  turn they returned (keyed by the request messages before the turn, then its tool
  calls or its text: see ``_reasoning_echo_keys``) and restores it on any later request whose
  assistant turn lacks it, under the ``reasoning_echo`` policy (``"auto"``,
  ``"strict"`` or ``"off"``).

Which reasoning a turn may get (the promise ``docs/thinking.md`` states):

* the reasoning written for the same turn after exactly the same earlier messages;
* else, when only system and developer messages differ (a handoff, a system prompt
  rebuilt per request), the reasoning written for the same turn after the same user,
  assistant and tool messages, if the store returned such a turn under one set of
  system messages only. Two conversations this client answered that differ only in
  their system prompt make that match ambiguous, and then neither gets the other's;
* else nothing: the policy decides (placeholder, error, or as sent).

Memory is counted in turns: the store keeps the ``max_turns`` most recently used
turns (returned, or sent back and found) and at most ``max_chars`` characters of
reasoning, so a working set within both is never forgotten.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from ._errors import KimiValidationError, KimiWarning
from ._fields import fields_of, fields_or_empty
from ._reasoning_echo_counts import EchoCounts, record
from ._reasoning_echo_keys import KEY_SIZE, PENDING, Prefix, turn_parts
from ._reasoning_echo_shared import AMBIGUOUS_VALUE, SharedEcho
from ._rules.model_specs import ModelSpec, get_model_spec
from ._store import KeyValueStore
from ._stream_index import ToolCallSlots
from .types.assistant_message_param import KimiAssistantMessageParam

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_TURNS",
    "PLACEHOLDER_REASONING",
    "EchoContext",
    "EchoMiss",
    "ReasoningEchoPolicy",
    "ReasoningStore",
    "ShouldEchoReasoning",
    "StreamedTurn",
    "echo_message",
    "should_echo_reasoning",
]

ReasoningEchoPolicy = Literal["auto", "strict", "off"]
"""``auto``: restore what is known, else a placeholder where the server demands one;
``strict``: restore what is known, else raise before sending; ``off``: send as given."""

PLACEHOLDER_REASONING: Final = " "
"""The smallest ``reasoning_content`` Moonshot accepts: ``""`` counts as missing, ``" "`` passes
(theopenco/llmgateway PR #2093; earendil-works/pi PR #4178)."""

DEFAULT_MAX_TURNS: Final = 16_384
"""Assistant turns a :class:`ReasoningStore` keeps before forgetting the least recently used:
e.g. 800 live conversations of 20 tool-call turns."""

DEFAULT_MAX_CHARS: Final = 16 * 1024 * 1024
"""Characters of reasoning a :class:`ReasoningStore` keeps (each turn counted once): the bound
that holds when reasonings are long. 16,384 turns of 1,024 characters fill both bounds."""

_SEEN_PER_TURN: Final = 2
"""The store remembers that it returned a turn (not its reasoning) for twice as many turns as it
keeps reasonings: a forgotten turn still makes a later look-alike ambiguous."""

_AMBIGUOUS: Final = b""
"""Marks a turn returned under more than one set of system messages (a key is never empty)."""

_Wanted = tuple[list[bytes], bytes]
"""A turn to read from the shared store: its keys, and its key without system messages."""
_Entries = dict[tuple[str, bytes], bytes]
"""Entries for the shared store, by kind and digest (see ``_reasoning_echo_shared``)."""

EchoMiss = Literal["unknown", "forgotten", "ambiguous"]
"""Why a turn's reasoning is not known: see :meth:`ReasoningStore.explain`."""

# Keys openai's own message models put on a message sent back as an object (the final message
# of `.stream()` has every field set), always null in a Kimi answer: not Kimi request fields.
_OPENAI_NULL_KEYS: Final = frozenset({"refusal", "annotations", "audio", "function_call", "parsed"})


@dataclass(frozen=True, slots=True)
class EchoContext:
    """What :func:`should_echo_reasoning` decides from: one assistant turn of a request."""

    model: str
    """The request's model."""
    index: int
    """Position of the turn in ``messages`` (as the server counts it in its 400)."""
    message: Mapping[str, object]
    """The assistant message as it would be sent, without ``reasoning_content`` (or with ``""``)."""
    thinking: bool | None
    """Whether the request thinks: explicit ``thinking.type``, else the model's default; ``None``
    when neither is known (an unknown model, or kimi-k3)."""
    known: str | None
    """The reasoning the store remembers for this turn, or ``None``."""
    has_tool_calls: bool
    """Whether the turn carries ``tool_calls`` (the turns Moonshot checks)."""
    platform: bool = True
    """Whether the model is served by Moonshot's API; ``False`` for self-hosted open weights
    (vLLM, SGLang), whose engines do not demand the echo."""


ShouldEchoReasoning = Callable[[EchoContext], bool]
"""Decides whether an assistant turn lacking ``reasoning_content`` gets one before sending."""


def should_echo_reasoning(ctx: EchoContext) -> bool:
    """The default echo decision.

    Put back reasoning the store remembers, on any turn: with ``thinking.keep="all"``
    earlier reasoning is read, and replaying history with different reasoning breaks
    the prompt-cache prefix (forum.moonshot.ai thread 602). Where nothing is known,
    fill only a tool-call turn of a request that thinks or may think, on Moonshot's
    API: the turns it rejects without reasoning.
    """
    if ctx.known is not None:
        return True
    return ctx.platform and ctx.has_tool_calls and ctx.thinking is not False


def _echo_call(call: object) -> dict[str, object]:
    """One tool call as sent back: id verbatim, ``type`` as received, no stream ``index``."""
    fields = fields_of(call)
    out: dict[str, object] = {"id": fields.get("id"), "type": fields.get("type") or "function"}
    function = fields.get("function")
    if function is not None:
        fn = fields_of(function)
        arguments = fn.get("arguments")
        out["function"] = {"name": fn.get("name"), "arguments": arguments if arguments is not None else ""}
    custom = fields.get("custom")
    if custom is not None:
        out["custom"] = {key: value for key, value in fields_of(custom).items() if value is not None}
    return out


def echo_message(message: BaseModel | Mapping[str, Any]) -> KimiAssistantMessageParam:
    """The request param that sends a returned assistant message back, ``reasoning_content`` kept.

    Takes the message of a ``create``, ``parse`` or ``.stream()`` completion (Kimi's
    types or openai's own ``ChatCompletionMessage``) or a message dict. Keeps ``role``,
    ``content``, ``name``, ``tool_calls`` (ids verbatim, ``type`` as received, e.g.
    ``builtin_function`` for ``$web_search``) and ``reasoning_content``; drops what
    only openai's response models carry (``parsed``, ``refusal``, ``audio``,
    ``annotations``, ``function_call``) and every null. Built by hand, so no pydantic
    serializer warnings for builtin tool calls.

    Raises:
        ValueError: the message is not an assistant message.
    """
    fields = fields_of(message)
    role = fields.get("role", "assistant")
    if role != "assistant":
        raise ValueError(f"echo_message takes an assistant message, got role={role!r}")
    out: dict[str, object] = {"role": "assistant"}
    content = fields.get("content")
    if content is not None:
        out["content"] = content if isinstance(content, str) else list(cast("Iterable[object]", content))
    name = fields.get("name")
    if isinstance(name, str):
        out["name"] = name
    calls = fields.get("tool_calls")
    if calls:
        out["tool_calls"] = [_echo_call(call) for call in cast("Iterable[object]", calls)]
    reasoning = fields.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        out["reasoning_content"] = reasoning
    return cast(KimiAssistantMessageParam, out)


def _thinking_of(body: Mapping[str, Any], spec: ModelSpec) -> bool | None:
    """Whether a request thinks: what the model forces, else ``thinking.type``, else its default."""
    if spec.thinking == "none":
        return False
    if spec.thinking in ("always_on", "enabled_only"):
        return True
    thinking = body.get("thinking")
    kind = cast("Mapping[str, object]", thinking).get("type") if isinstance(thinking, Mapping) else None
    if kind in ("enabled", "disabled"):
        return kind == "enabled"
    return None if spec.thinking_default is None else spec.thinking_default == "enabled"


def _without_openai_nulls(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` without the null openai-only keys a message object brings (same dict if none)."""
    if _OPENAI_NULL_KEYS.isdisjoint(message):
        return message
    out = {k: v for k, v in message.items() if not (v is None and k in _OPENAI_NULL_KEYS)}
    calls = out.get("tool_calls")
    if isinstance(calls, list):
        out["tool_calls"] = [_without_parsed_arguments(call) for call in cast("list[object]", calls)]
    return out


def _without_parsed_arguments(call: object) -> object:
    # `.stream()` tool calls carry `function.parsed_arguments` (null unless strict tools parsed).
    if not isinstance(call, dict):
        return call
    call = cast("dict[str, Any]", call)
    function = call.get("function")
    if isinstance(function, dict) and "parsed_arguments" in function:
        function = cast("dict[str, Any]", function)
        return {**call, "function": {k: v for k, v in function.items() if k != "parsed_arguments"}}
    return call


class _Request:
    """What restoring one request needs, computed once and only when a turn lacks reasoning."""

    __slots__ = ("model", "platform", "policy", "thinking")

    def __init__(self, body: Mapping[str, Any], policy: ReasoningEchoPolicy, moonshot_hosted: bool) -> None:
        self.policy = policy
        model = body.get("model")
        self.model = model if isinstance(model, str) else ""
        spec = get_model_spec(self.model)
        self.thinking = _thinking_of(body, spec)
        # Moonshot's rule, not an engine's: https://platform.kimi.ai/docs/guide/use-thinking-models
        # Only where the client's platform rules apply (Moonshot's hosts, or a proxy given
        # region=), as for validation: an engine may serve Moonshot's names too (vLLM/SGLang
        # --served-model-name) and takes an assistant turn without reasoning_content.
        self.platform = spec.hosting == "moonshot" and moonshot_hosted


class StreamedTurn:
    """One choice of a stream, gathered from its deltas as they arrive (for :meth:`ReasoningStore.remember_stream`)."""

    __slots__ = ("calls", "content", "reasoning", "slots")

    def __init__(self) -> None:
        self.reasoning: list[str] = []
        self.content: list[str] = []
        self.calls: dict[int, list[str]] = {}
        """Tool calls by slot (see ``_stream_index``): id and name (a call's first delta carries them)."""
        self.slots = ToolCallSlots()

    def add(self, delta: object) -> None:
        piece = getattr(delta, "reasoning_content", None)
        if isinstance(piece, str) and piece:
            self.reasoning.append(piece)
        text = getattr(delta, "content", None)
        if isinstance(text, str) and text:
            self.content.append(text)
        calls = getattr(delta, "tool_calls", None)
        if isinstance(calls, list) and calls:
            self._add_calls(cast("list[object]", calls))

    def _add_calls(self, calls: list[object]) -> None:
        for call in calls:
            fields = fields_or_empty(call)
            if not fields:
                continue
            slot = self.calls.setdefault(self.slots.slot(fields.get("index"), fields.get("id")), ["", ""])
            fn = fields_or_empty(fields.get("function"))
            for position, value in ((0, fields.get("id")), (1, fn.get("name"))):
                if isinstance(value, str) and value:
                    slot[position] = value

    def tool_calls(self) -> list[object]:
        return [{"id": call_id, "function": {"name": name}} for call_id, name in self.calls.values()]


def _answers(completion: object) -> list[tuple[str, object, object]]:
    """Each assistant message of a completion that has reasoning: (reasoning, tool calls, content).

    openai builds an odd 200 body (``choices`` missing, ``null``, a string, ``[5]``, a
    ``null`` message) into its object unvalidated; the caller gets that object, and the
    store simply has nothing to remember from it.
    """
    choices = _field(completion, "choices")
    if not isinstance(choices, list):
        return []
    found: list[tuple[str, object, object]] = []
    for choice in cast("list[object]", choices):
        message = _field(choice, "message")
        reasoning = _field(message, "reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            found.append((reasoning, _field(message, "tool_calls"), _field(message, "content")))
    return found


def _field(obj: object, name: str) -> object:
    """A field of a response model (declared, or an extra) or of a dict; ``None`` for anything else.

    Plain attribute access: pydantic answers a model's extras through it, and a field openai
    left unset (or an object that is no model at all) gives the default.
    """
    if type(obj) is dict:
        return cast("dict[str, object]", obj).get(name)
    return getattr(obj, name, None)


class _Turn:
    """One remembered assistant turn: its reasoning and the keys it is found by."""

    __slots__ = ("keys", "reasoning")

    def __init__(self, reasoning: str, keys: tuple[bytes, ...]) -> None:
        self.reasoning = reasoning
        self.keys = keys


class ReasoningStore:
    """What a client remembers of the assistant turns it returned, bounded, least recently used first out.

    A turn is found by a digest of the request messages before it followed by one of its
    tool calls (id and name) or its text, so only after the messages it answered; when
    only system and developer messages changed, by the same digest without them, as long
    as that is not ambiguous (see the module docstring). Values are the turns'
    ``reasoning_content``. The ``max_turns`` most recently used turns are kept, within
    ``max_chars`` characters of reasoning. One store is shared by a client and its
    ``copy()``/``with_options()`` copies; it is thread-safe.
    """

    def __init__(
        self,
        *,
        max_turns: int = DEFAULT_MAX_TURNS,
        max_chars: int = DEFAULT_MAX_CHARS,
        shared: KeyValueStore | None = None,
        namespace: str = "",
        asynchronous: bool = False,
    ) -> None:
        if max_turns < 1 or max_chars < 1:
            raise ValueError("max_turns and max_chars must be at least 1")
        self.max_turns = max_turns
        self.max_chars = max_chars
        self.shared = shared
        """The store shared with other clients and processes, or ``None`` (this memory only)."""
        self.namespace = namespace
        """What this client's entries in ``shared`` start with (see ``_store.namespace_of``)."""
        self._shared = None if shared is None else SharedEcho(shared, namespace, asynchronous=asynchronous)
        self.counts = EchoCounts()
        """What the echo did with the turns this client (and its copies) sent without reasoning."""
        self.should_echo_reasoning: ShouldEchoReasoning = should_echo_reasoning
        """The echo decision (:func:`should_echo_reasoning` unless replaced)."""
        self._turns: OrderedDict[_Turn, None] = OrderedDict()
        """Every turn held, least recently used first."""
        self._keys: dict[bytes, _Turn] = {}
        self._seen: OrderedDict[bytes, bytes] = OrderedDict()
        """A turn's key without system messages -> its key, or ``_AMBIGUOUS``; outlives the turn."""
        self._chars = 0
        self._lock = threading.Lock()
        self._warned: set[EchoMiss] = set()

    def __len__(self) -> int:
        """The number of turns held."""
        return len(self._turns)

    @property
    def chars(self) -> int:
        """Characters of reasoning held."""
        return self._chars

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._turns.clear()
            self._keys.clear()
            self._seen.clear()
            self._chars = 0

    # -- remembering ---------------------------------------------------------------------------

    def remember(
        self,
        reasoning: str,
        *,
        before: Sequence[object],
        tool_calls: Iterable[object] = (),
        content: object = None,
    ) -> None:
        """Record the reasoning of one assistant turn that answered the messages ``before``.

        The turn is found again by its tool calls (id and name) or its text, and only
        after the same messages (or the same but for system and developer messages, see
        :meth:`lookup`): another conversation reusing the ids never gets it.
        """
        self._write(self._remember(reasoning, Prefix(before), list(tool_calls), content))

    def _remember(
        self, reasoning: str, request: Prefix, tool_calls: object, content: object
    ) -> _Entries | None:
        """Keep one answered turn; its entries for the shared store (``None`` without one)."""
        if not reasoning:
            return None
        parts = turn_parts(tool_calls, content)
        if not parts:  # no call id and no text: nothing could find this turn again
            return None
        exact, relaxed = request.ends()
        turn = _Turn(reasoning, tuple([exact + part for part in parts]))
        relaxed_key = relaxed + parts[0]
        with self._lock:
            for key in turn.keys:
                if (previous := self._keys.get(key)) is not None:
                    self._drop(previous)  # a newer answer to the same messages replaces it
            for key in turn.keys:
                self._keys[key] = turn
            self._turns[turn] = None
            self._chars += len(reasoning)
            self._note_seen(relaxed_key, turn.keys[0])
            if len(self._turns) > self.max_turns or self._chars > self.max_chars:
                self._evict()
            ambiguous = self._seen.get(relaxed_key) == _AMBIGUOUS
        if self._shared is None:
            return None
        # Another process answered the same messages under other system ones: ambiguous too.
        elsewhere = request.shared_end not in (None, exact)
        entries = SharedEcho.turn_entries(turn.keys, reasoning, relaxed_key, ambiguous=ambiguous or elsewhere)
        entries["p", relaxed] = AMBIGUOUS_VALUE if elsewhere else exact
        return entries

    def _write(self, entries: _Entries | None) -> None:
        if entries and self._shared is not None:
            self._shared.write(entries)

    def _note_seen(self, relaxed_key: bytes, key: bytes) -> None:
        seen = self._seen
        previous = seen.get(relaxed_key)
        seen[relaxed_key] = key if previous is None or previous == key else _AMBIGUOUS
        seen.move_to_end(relaxed_key)
        while len(seen) > _SEEN_PER_TURN * self.max_turns:
            seen.popitem(last=False)

    def _drop(self, turn: _Turn) -> None:
        del self._turns[turn]
        self._chars -= len(turn.reasoning)
        for key in turn.keys:
            if self._keys.get(key) is turn:
                del self._keys[key]

    def _evict(self) -> None:
        while self._turns and (len(self._turns) > self.max_turns or self._chars > self.max_chars):
            self._drop(next(iter(self._turns)))

    # -- finding -------------------------------------------------------------------------------

    def lookup(self, message: Mapping[str, object], *, before: Sequence[object]) -> str | None:
        """The reasoning remembered for an assistant message sent after the messages ``before``.

        Found after exactly these messages, or after the same ones but for system and
        developer messages when the store returned that turn under one set of them only.
        """
        return self._find(message, *Prefix(before).ends())[0]

    def explain(self, message: Mapping[str, object], *, before: Sequence[object]) -> EchoMiss | None:
        """Why :meth:`lookup` finds nothing for this turn, or ``None`` when it finds its reasoning.

        ``"unknown"``: the store never returned this turn after these messages.
        ``"forgotten"``: it did, but the reasoning was evicted (see ``max_turns``).
        ``"ambiguous"``: only system or developer messages differ, and the store returned
        this turn under more than one set of them, so it cannot tell whose it is.
        """
        return self._find(message, *Prefix(before).ends())[1]

    def _find(
        self, message: Mapping[str, object], exact: bytes, relaxed: bytes
    ) -> tuple[str | None, EchoMiss | None]:
        parts = turn_parts(message.get("tool_calls"), message.get("content"))
        if not parts:
            return None, "unknown"
        relaxed_key = relaxed + parts[0]
        with self._lock:
            for part in parts:
                turn = self._keys.get(exact + part)
                if turn is not None:
                    self._used(turn, relaxed_key)
                    return turn.reasoning, None
            recorded = self._seen.get(relaxed_key)
            if recorded is None:
                return None, "unknown"
            if recorded == _AMBIGUOUS:
                self._seen.move_to_end(relaxed_key)
                return None, "ambiguous"
            turn = self._keys.get(recorded)
            if turn is None:
                return None, "forgotten"
            # Returned after the same user, assistant and tool messages, under other system ones only.
            self._used(turn, relaxed_key)
            return turn.reasoning, None

    def _used(self, turn: _Turn, relaxed_key: bytes) -> None:
        self._turns.move_to_end(turn)
        if relaxed_key in self._seen:
            self._seen.move_to_end(relaxed_key)

    # -- the shared store ----------------------------------------------------------------------

    def _wanted(self, messages: list[object], prefix: Prefix) -> tuple[list[str], list[_Wanted]]:
        """What to read for a request: each turn lacking reasoning that this memory lacks too, then
        the request's messages but system ones (``p``: see ``_reasoning_echo_shared``)."""
        shared = cast("SharedEcho", self._shared)
        keys: list[str] = []
        wanted: list[_Wanted] = []
        for index, item in enumerate(messages):
            if not isinstance(item, dict) or cast("dict[str, Any]", item).get("role") != "assistant":
                continue
            message = cast("dict[str, Any]", item)
            reasoning = message.get("reasoning_content")
            if (reasoning is not None and reasoning != "") or message.get("partial") is True:
                continue
            parts = turn_parts(message.get("tool_calls"), message.get("content"))
            if not parts:
                continue
            exact, relaxed = prefix.at(index)
            turn_keys = [exact + part for part in parts]
            if any(key in self._keys for key in turn_keys):
                continue
            wanted.append((turn_keys, relaxed + parts[0]))
            keys += [shared.key("e", key) for key in turn_keys]
            keys.append(shared.key("r", relaxed + parts[0]))
        keys.append(shared.key("p", prefix.ends()[1]))
        return keys, wanted

    def _fetch(self, messages: list[object], prefix: Prefix) -> None:
        keys, wanted = self._wanted(messages, prefix)
        prefix.fetched = True
        values = cast("SharedEcho", self._shared).read(keys)
        if values is not None:
            self._absorb(wanted, values, prefix)

    async def afetch(self, body: Mapping[str, Any], policy: ReasoningEchoPolicy) -> Prefix | None:
        """Read what a request's turns need from the shared store (an async client, before :meth:`restore`).

        ``None`` without a shared store, or when nothing is to be restored.
        """
        messages = body.get("messages")
        if self._shared is None or policy == "off" or not isinstance(messages, list):
            return None
        prefix = Prefix(cast("list[object]", messages))
        keys, wanted = self._wanted(cast("list[object]", messages), prefix)
        prefix.fetched = True
        values = await self._shared.aread(keys)
        if values is not None:
            self._absorb(wanted, values, prefix)
        return prefix

    async def drain(self) -> None:
        """Wait until the answers' entries are written to the shared store (an async client)."""
        if self._shared is not None:
            await self._shared.drain()

    def _absorb(self, wanted: list[_Wanted], values: list[bytes | None], prefix: Prefix) -> None:
        """Keep what the shared store answered, so :meth:`_find` finds it as if this process had returned it."""
        position = 0
        with self._lock:
            for turn_keys, relaxed_key in wanted:
                found = values[position : position + len(turn_keys)]
                relaxed = values[position + len(turn_keys)]
                position += len(turn_keys) + 1
                hits = tuple(key for key, value in zip(turn_keys, found, strict=True) if value is not None)
                if hits:
                    self._adopt(cast("bytes", found[turn_keys.index(hits[0])]), hits)
                elif relaxed == AMBIGUOUS_VALUE:
                    self._seen[relaxed_key] = _AMBIGUOUS
                elif relaxed is not None and len(relaxed) > KEY_SIZE:
                    original = relaxed[1 : 1 + KEY_SIZE]
                    self._adopt(relaxed[1 + KEY_SIZE :], (original,))
                    self._note_seen(relaxed_key, original)
        prefix.shared_end = values[position]

    def _adopt(self, reasoning: bytes, keys: tuple[bytes, ...]) -> None:
        """Hold a turn another process returned (the lock is held)."""
        if any(key in self._keys for key in keys):
            return
        turn = _Turn(reasoning.decode(errors="replace"), keys)
        for key in keys:
            self._keys[key] = turn
        self._turns[turn] = None
        self._chars += len(turn.reasoning)
        self._evict()

    # -- the request cycle ---------------------------------------------------------------------

    def take_pending(self) -> Prefix | None:
        """The request this store last prepared in this context, taken (an answer is remembered once).

        A stream takes it when it is created, in the request's context: it may be read
        to its end later, or elsewhere, after this context has sent other requests.
        """
        pending = PENDING.get()
        if pending is None or pending[0] is not self:
            return None
        PENDING.set(None)
        return pending[1]

    def remember_completion(self, completion: ChatCompletion) -> None:
        """Record the reasoning of a returned completion's assistant turns.

        Only an answer to a request this store prepared in the same thread or task is
        recorded: its key needs that request's messages. A body of an odd shape that
        openai built unvalidated is skipped where it holds no message.
        """
        request = self.take_pending()
        if request is None:
            return
        entries: _Entries = {}
        for reasoning, tool_calls, content in _answers(completion):
            entries.update(self._remember(reasoning, request, tool_calls, content) or {})
        self._write(entries)

    def remember_stream(self, turns: Iterable[StreamedTurn], request: Prefix | None) -> None:
        """Record the reasoning of a finished stream's assistant turns (one per choice index).

        ``request`` is what :meth:`take_pending` gave when the stream was created; the turns
        were gathered while the stream was read. Tool-call deltas are put together by the rule
        in ``_stream_index`` (an ``index`` that is not an int, or none, never stops it).
        """
        if request is None:
            return
        entries: _Entries = {}
        for turn in turns:
            if turn.reasoning:
                text = "".join(turn.content)
                entries.update(
                    self._remember("".join(turn.reasoning), request, turn.tool_calls(), text) or {}
                )
        self._write(entries)

    def restore(
        self,
        body: dict[str, Any],
        policy: ReasoningEchoPolicy,
        *,
        moonshot_hosted: bool = True,
        prefix: Prefix | None = None,
    ) -> dict[str, Any]:
        """The body to send, with known ``reasoning_content`` put back on assistant turns.

        Never mutates ``body``; returns ``body`` itself when nothing changes. Assistant
        turns sent as openai message objects also lose the null openai-only keys
        (``parsed``, ``refusal``...), so they go out as :func:`echo_message` would send them.
        Whatever the policy, the request's messages are kept for remembering its answer.
        With a shared store, what its turns need is read from it first, in one call (an
        async client reads it with :meth:`afetch` and passes the ``prefix`` it returns).

        Raises:
            KimiValidationError: ``policy="strict"`` and a turn needs reasoning that is not known.
        """
        messages = body.get("messages")
        if not isinstance(messages, list):
            PENDING.set(None)
            return body
        if prefix is None:
            prefix = Prefix(cast("list[object]", messages))
        PENDING.set((self, prefix))
        if policy == "off":
            return body
        if self._shared is not None and not prefix.fetched:
            self._fetch(cast("list[object]", messages), prefix)
        request: _Request | None = None
        tally = EchoCounts()
        changed: dict[int, dict[str, Any]] = {}
        for index, item in enumerate(cast("list[object]", messages)):
            if not isinstance(item, dict):
                continue
            message = cast("dict[str, Any]", item)
            if message.get("role") != "assistant":
                continue
            reasoning = message.get("reasoning_content")
            if (reasoning is not None and reasoning != "") or message.get("partial") is True:
                cleaned = _without_openai_nulls(message)
            else:
                request = request or _Request(body, policy, moonshot_hosted)
                cleaned = self._restored(_without_openai_nulls(message), index, request, prefix, tally)
            if cleaned is not message:
                changed[index] = cleaned
        if tally:
            record(self.counts, tally, str(body.get("model")))
        if not changed:
            return body
        out = list(cast("list[object]", messages))
        for index, message in changed.items():
            out[index] = message
        return {**body, "messages": out}

    def _restored(
        self, message: dict[str, Any], index: int, request: _Request, prefix: Prefix, tally: EchoCounts
    ) -> dict[str, Any]:
        """One assistant turn lacking reasoning, as it should be sent (its outcome added to ``tally``)."""
        known, miss = self._find(message, *prefix.at(index))
        has_calls = bool(message.get("tool_calls"))
        ctx = EchoContext(request.model, index, message, request.thinking, known, has_calls, request.platform)
        if not self.should_echo_reasoning(ctx):
            tally.add("not_needed")
            return message
        if known is not None:
            tally.add("restored")
            return {**message, "reasoning_content": known}
        what = self._what_happened(miss or "unknown")
        if request.policy == "strict":
            tally.add("refused")
            record(self.counts, tally, request.model)
            raise KimiValidationError(
                f"messages[{index}] is an assistant turn with tool_calls but no reasoning_content, and "
                f"model {request.model!r} thinks: Moonshot answers 400 'reasoning_content is missing in "
                f"assistant tool call message'. {what} Send the message as returned "
                "(kimi_openai.echo_message), or use reasoning_echo='auto' to send a placeholder."
            )
        self._warn_placeholder(index, request.model, miss or "unknown", what)
        tally.add("placeholder")
        return {**message, "reasoning_content": PLACEHOLDER_REASONING}

    def _what_happened(self, miss: EchoMiss) -> str:
        if miss == "forgotten":
            return (
                "This client returned the turn but no longer holds its reasoning: it keeps the "
                f"{self.max_turns:,} most recently used turns and {self.max_chars:,} characters of reasoning."
            )
        if miss == "ambiguous":
            return (
                "This client returned the same turn after the same user, assistant and tool messages in "
                "more than one conversation, each under other system or developer messages than this "
                "request's, so it cannot tell which reasoning belongs to this one."
            )
        return (
            "This client has no reasoning for it after these messages: the turn was rebuilt without "
            "reasoning_content and did not come from this client (or its copies), or a user, assistant "
            "or tool message before it changed since it was returned."
        )

    def _warn_placeholder(self, index: int, model: str, miss: EchoMiss, what: str) -> None:
        if miss in self._warned:
            return
        self._warned.add(miss)
        warnings.warn(
            f"messages[{index}]: the reasoning_content of this tool-call turn is missing. {what} Model "
            f"{model!r} gets the placeholder {PLACEHOLDER_REASONING!r}. Send turns back with "
            "kimi_openai.echo_message to keep the real reasoning. Warned once per client for this cause.",
            KimiWarning,
            stacklevel=2,
        )
