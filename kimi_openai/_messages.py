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
  calls or its text: see ``_echo_keys``) and restores it on any later request whose
  assistant turn lacks it, under the ``reasoning_echo`` policy (``"auto"``,
  ``"strict"`` or ``"off"``).
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

from ._echo_keys import PENDING, Prefix, call_keys, fields_of, fields_or_empty, prefix_of, text_key
from ._errors import KimiValidationError
from ._models import ModelSpec, get_model_spec
from ._validation import KimiWarning
from .types.assistant_message_param import KimiAssistantMessageParam
from .types.chat._reasoning import reasoning_content_of

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_ENTRIES",
    "PLACEHOLDER_REASONING",
    "EchoContext",
    "ReasoningEchoPolicy",
    "ReasoningStore",
    "ShouldEchoReasoning",
    "echo_message",
    "should_echo_reasoning",
]

ReasoningEchoPolicy = Literal["auto", "strict", "off"]
"""``auto``: restore what is known, else a placeholder where the server demands one;
``strict``: restore what is known, else raise before sending; ``off``: send as given."""

PLACEHOLDER_REASONING: Final = " "
"""The smallest ``reasoning_content`` Moonshot accepts: ``""`` counts as missing, ``" "`` passes
(theopenco/llmgateway PR #2093; earendil-works/pi PR #4178)."""

DEFAULT_MAX_ENTRIES: Final = 4096
"""Keys a :class:`ReasoningStore` keeps (one per tool call, one per turn text) before
forgetting the least recently used."""

DEFAULT_MAX_CHARS: Final = 16 * 1024 * 1024
"""Characters of reasoning a :class:`ReasoningStore` keeps, counted once per key (so a turn
known by two keys counts twice): the bound that holds when single reasonings are huge."""

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


class _StreamedTurn:
    """One choice of a finished stream, gathered from its deltas."""

    __slots__ = ("calls", "content", "reasoning")

    def __init__(self) -> None:
        self.reasoning: list[str] = []
        self.content: list[str] = []
        self.calls: dict[object, list[str]] = {}
        """Tool calls by stream ``index``: id and name (the first delta of a call carries them)."""

    def add(self, delta: object) -> None:
        piece = getattr(delta, "reasoning_content", None)
        if isinstance(piece, str) and piece:
            self.reasoning.append(piece)
        text = getattr(delta, "content", None)
        if isinstance(text, str) and text:
            self.content.append(text)
        for call in cast("Iterable[object]", getattr(delta, "tool_calls", None) or ()):
            fields = fields_or_empty(call)
            slot = self.calls.setdefault(fields.get("index", len(self.calls)), ["", ""])
            fn = fields_or_empty(fields.get("function"))
            for position, value in ((0, fields.get("id")), (1, fn.get("name"))):
                if isinstance(value, str) and value:
                    slot[position] = value

    def tool_calls(self) -> list[object]:
        return [{"id": call_id, "function": {"name": name}} for call_id, name in self.calls.values()]


class ReasoningStore:
    """What a client remembers of the assistant turns it returned, bounded, least recently used first out.

    Keys are a digest of the request messages before the turn followed by one of its
    tool calls (id and name) or its text, so a turn is found only in the conversation
    that produced it; values are the turn's ``reasoning_content``. At most
    ``max_entries`` keys and ``max_chars`` characters of reasoning are kept. One store
    is shared by a client and its ``copy()``/``with_options()`` copies; it is
    thread-safe.
    """

    def __init__(self, *, max_entries: int = DEFAULT_MAX_ENTRIES, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if max_entries < 1 or max_chars < 1:
            raise ValueError("max_entries and max_chars must be at least 1")
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.should_echo_reasoning: ShouldEchoReasoning = should_echo_reasoning
        """The echo decision (:func:`should_echo_reasoning` unless replaced)."""
        self._entries: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self._warned = False

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        """Characters of reasoning held (counted once per key)."""
        return self._chars

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._chars = 0

    def remember(
        self,
        reasoning: str,
        *,
        before: Sequence[object],
        tool_calls: Iterable[object] = (),
        content: object = None,
    ) -> None:
        """Record the reasoning of one assistant turn that answered the messages ``before``.

        The turn is found again by its tool calls (id and name) or its text, and
        only after the same messages: another conversation reusing the ids never gets it.
        """
        self._remember(reasoning, prefix_of(before), list(tool_calls), content)

    def _remember(self, reasoning: str, prefix: bytes, tool_calls: list[object], content: object) -> None:
        if not reasoning:
            return
        keys = call_keys(prefix, tool_calls)
        by_text = text_key(prefix, content)
        if by_text is not None:
            keys.append(by_text)
        with self._lock:
            entries = self._entries
            for key in keys:
                previous = entries.get(key)
                if previous is not None:
                    self._chars -= len(previous)
                entries[key] = reasoning
                entries.move_to_end(key)
                self._chars += len(reasoning)
            while entries and (len(entries) > self.max_entries or self._chars > self.max_chars):
                _, dropped = entries.popitem(last=False)
                self._chars -= len(dropped)

    def lookup(self, message: Mapping[str, object], *, before: Sequence[object]) -> str | None:
        """The reasoning remembered for an assistant message sent after the messages ``before``."""
        return self._find(message, prefix_of(before))

    def _find(self, message: Mapping[str, object], prefix: bytes) -> str | None:
        keys = call_keys(prefix, message.get("tool_calls"))
        by_text = text_key(prefix, message.get("content"))
        if by_text is not None:
            keys.append(by_text)
        with self._lock:
            for key in keys:
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    return found
        return None

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
        recorded: its key needs that request's messages.
        """
        request = self.take_pending()
        if request is None:
            return
        prefix: bytes | None = None
        for choice in completion.choices:
            message = choice.message
            reasoning = reasoning_content_of(message)
            if reasoning:
                prefix = prefix or request.whole()
                self._remember(reasoning, prefix, list(message.tool_calls or ()), message.content)

    def remember_chunks(self, chunks: list[Any], request: Prefix | None) -> None:
        """Record the reasoning of a finished stream's assistant turns (one per choice index).

        ``request`` is what :meth:`take_pending` gave when the stream was created.
        """
        if request is None:
            return
        turns: dict[int, _StreamedTurn] = {}
        for chunk in chunks:
            for choice in getattr(chunk, "choices", None) or ():
                delta = getattr(choice, "delta", None)
                if delta is not None:
                    turns.setdefault(getattr(choice, "index", 0), _StreamedTurn()).add(delta)
        prefix: bytes | None = None
        for turn in turns.values():
            if turn.reasoning:
                prefix = prefix or request.whole()
                self._remember("".join(turn.reasoning), prefix, turn.tool_calls(), "".join(turn.content))

    def restore(
        self, body: dict[str, Any], policy: ReasoningEchoPolicy, *, moonshot_hosted: bool = True
    ) -> dict[str, Any]:
        """The body to send, with known ``reasoning_content`` put back on assistant turns.

        Never mutates ``body``; returns ``body`` itself when nothing changes. Assistant
        turns sent as openai message objects also lose the null openai-only keys
        (``parsed``, ``refusal``...), so they go out as :func:`echo_message` would send them.
        Whatever the policy, the request's messages are kept for remembering its answer.

        Raises:
            KimiValidationError: ``policy="strict"`` and a turn needs reasoning that is not known.
        """
        messages = body.get("messages")
        if not isinstance(messages, list):
            PENDING.set(None)
            return body
        prefix = Prefix(cast("list[object]", messages))
        PENDING.set((self, prefix))
        if policy == "off":
            return body
        request: _Request | None = None
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
                cleaned = self._restored(_without_openai_nulls(message), index, request, prefix.before(index))
            if cleaned is not message:
                changed[index] = cleaned
        if not changed:
            return body
        out = list(cast("list[object]", messages))
        for index, message in changed.items():
            out[index] = message
        return {**body, "messages": out}

    def _restored(
        self, message: dict[str, Any], index: int, request: _Request, prefix: bytes
    ) -> dict[str, Any]:
        """One assistant turn lacking reasoning, as it should be sent."""
        known = self._find(message, prefix)
        has_calls = bool(message.get("tool_calls"))
        ctx = EchoContext(request.model, index, message, request.thinking, known, has_calls, request.platform)
        if not self.should_echo_reasoning(ctx):
            return message
        if known is not None:
            return {**message, "reasoning_content": known}
        if request.policy == "strict":
            raise KimiValidationError(
                f"messages[{index}] is an assistant turn with tool_calls but no reasoning_content, and "
                f"model {request.model!r} thinks: Moonshot answers 400 'reasoning_content is missing in "
                "assistant tool call message'. Send the message as returned (kimi_openai.echo_message), "
                "or use reasoning_echo='auto' to send a placeholder."
            )
        self._warn_placeholder(index, request.model)
        return {**message, "reasoning_content": PLACEHOLDER_REASONING}

    def _warn_placeholder(self, index: int, model: str) -> None:
        if self._warned:
            return
        self._warned = True
        warnings.warn(
            f"messages[{index}]: the reasoning of this tool-call turn is not known (the message was "
            f"rebuilt without reasoning_content and did not come from this client), so model {model!r} "
            f"gets the placeholder {PLACEHOLDER_REASONING!r}. Send turns back with "
            "kimi_openai.echo_message to keep the real reasoning. Warned once per client.",
            KimiWarning,
            stacklevel=2,
        )
