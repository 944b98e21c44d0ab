"""Client-side memory of the Responses API: ``previous_response_id`` and reasoning items, on a stateless server.

Moonshot's ``POST /v1/responses`` keeps nothing: ``store`` is always false and
``previous_response_id`` always null (https://platform.kimi.ai/docs/api/responses). The client
does it instead. Of each response it returns it remembers, bounded:

* under the response id, the items of the conversation so far (the request's ``input`` as
  sent, then the response's ``output``, reasoning items included), so that a later request
  with ``previous_response_id`` is sent with that history in front of its own ``input``;
* under each ``call_id`` of a function call in the output, the reasoning items that came
  before it, so that a turn sent back without them (a framework that keeps only messages and
  calls) gets them back, under the client's ``reasoning_echo`` policy, as chat's
  ``reasoning_content`` does.

As openai documents for ``previous_response_id``, the earlier ``instructions`` are not carried
over: each request sends its own.

The memory reads and writes through a small key-value seam (:class:`KeyValueStore`: read many
keys, write many), the shape of the store the reasoning echo uses, so one shared store can
serve both; :class:`LocalStore` is the in-process default, bounded like the reasoning store
(``DEFAULT_MAX_TURNS`` entries, ``DEFAULT_MAX_CHARS`` characters of JSON), least recently used
first out.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol, cast

from ._errors import KimiValidationError
from ._reasoning_echo import DEFAULT_MAX_CHARS, DEFAULT_MAX_TURNS, ReasoningEchoPolicy

__all__ = ["KeyValueStore", "LocalStore", "ResponsesMemory"]

_RESPONSE: Final = "responses:response:"
_CALL: Final = "responses:call:"
_TURN_ITEMS: Final = frozenset({"reasoning", "function_call", "custom_tool_call", "web_search_call"})
"""Item types a model's turn is made of (with assistant messages)."""
_CALL_ITEMS: Final = frozenset({"function_call", "custom_tool_call"})


class KeyValueStore(Protocol):
    """Where the memory lives: read many keys at once, write many at once (JSON-able values)."""

    def get_many(self, keys: Sequence[str]) -> list[Any]:
        """The values of ``keys``, in order; ``None`` for a key not (or no longer) held."""
        ...

    def set_many(self, values: Mapping[str, Any]) -> None:
        """Hold each value under its key."""
        ...


class LocalStore:
    """An in-process :class:`KeyValueStore`: the most recently used entries, within two bounds."""

    def __init__(self, *, max_entries: int = DEFAULT_MAX_TURNS, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, keys: Sequence[str]) -> list[Any]:
        with self._lock:
            found: list[Any] = []
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                found.append(None if entry is None else entry[0])
            return found

    def set_many(self, values: Mapping[str, Any]) -> None:
        sized = [(key, value, len(json.dumps(value, default=str))) for key, value in values.items()]
        with self._lock:
            for key, value, size in sized:
                old = self._entries.pop(key, None)
                if old is not None:
                    self._chars -= old[1]
                self._entries[key] = (value, size)
                self._chars += size
            while self._entries and (len(self._entries) > self.max_entries or self._chars > self.max_chars):
                _, (_, size) = self._entries.popitem(last=False)
                self._chars -= size


def _as_items(value: object) -> list[Any]:
    """``input`` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list | tuple):
        return list(value)  # pyright: ignore[reportUnknownArgumentType]
    return []


def _kind(item: object) -> str | None:
    if not isinstance(item, Mapping):
        return None
    kind = item.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if kind is None and item.get("role") == "assistant":  # pyright: ignore[reportUnknownMemberType]
        return "message:assistant"
    if kind == "message" and item.get("role") == "assistant":  # pyright: ignore[reportUnknownMemberType]
        return "message:assistant"
    return kind if isinstance(kind, str) else "message"


def _turns(items: Sequence[object]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of model-made items (reasoning, assistant messages, calls)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, item in enumerate([*items, None]):
        kind = _kind(item) if item is not None else None
        made = kind is not None and (kind in _TURN_ITEMS or kind == "message:assistant")
        if made and start is None:
            start = index
        elif not made and start is not None:
            runs.append((start, index))
            start = None
    return runs


class ResponsesMemory:
    """What a client remembers of the responses it returned; one is shared by a client and its copies."""

    def __init__(self, store: KeyValueStore | None = None) -> None:
        self.store: KeyValueStore = LocalStore() if store is None else store

    def remember(
        self, request: Mapping[str, Any], response_id: str, output: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep a returned response: the request's ``input`` as sent, then its ``output``."""
        history = [*_as_items(request.get("input")), *output]
        values: dict[str, Any] = {_RESPONSE + response_id: history}
        reasoning: list[Mapping[str, Any]] = []
        for item in output:
            kind = item.get("type")
            if kind == "reasoning":
                reasoning.append(item)
            elif kind in _CALL_ITEMS and isinstance(item.get("call_id"), str):
                values[_CALL + str(item["call_id"])] = reasoning
        self.store.set_many(values)

    def expand(self, body: Mapping[str, Any], *, refuse_unknown: bool) -> Mapping[str, Any]:
        """``body`` with the history of its ``previous_response_id`` in front of its ``input``.

        An id this memory does not hold is refused when ``refuse_unknown`` (Moonshot would
        answer without the history), else sent as given (a server that keeps responses).
        """
        previous = body.get("previous_response_id")
        if not isinstance(previous, str):
            return body
        (history,) = self.store.get_many([_RESPONSE + previous])
        if history is None:
            if refuse_unknown:
                raise KimiValidationError(_unknown_id_message(previous))
            return body
        expanded = {key: value for key, value in body.items() if key != "previous_response_id"}
        expanded["input"] = [*history, *_as_items(body.get("input"))]
        return expanded

    def restore_reasoning(
        self, body: Mapping[str, Any], policy: ReasoningEchoPolicy, *, moonshot_hosted: bool
    ) -> Mapping[str, Any]:
        """``body`` with the reasoning items put back before each call turn that lost them."""
        given: object = body.get("input")
        if policy == "off" or not isinstance(given, list | tuple):
            return body
        items: list[Any] = list(cast("Sequence[Any]", given))
        missing = [
            (start, call) for start, end in _turns(items) if (call := _unreasoned_call(items[start:end]))
        ]
        if not missing:
            return body
        found = self.store.get_many([_CALL + call for _, call in missing])
        restored: list[Any] = list(items)
        for (start, call), reasoning in sorted(zip(missing, found, strict=True), reverse=True):
            if reasoning is None:
                if policy == "strict" and moonshot_hosted:
                    raise KimiValidationError(_unknown_call_message(call))
                continue
            restored[start:start] = reasoning
        return {**body, "input": restored}


def _unreasoned_call(turn: Sequence[Any]) -> str | None:
    """The ``call_id`` of the first call of a turn with no reasoning item, else ``None``."""
    if any(_kind(item) == "reasoning" for item in turn):
        return None
    for item in turn:
        if _kind(item) in _CALL_ITEMS and isinstance(item.get("call_id"), str):
            return str(item["call_id"])
    return None


def _unknown_id_message(previous: str) -> str:
    return (
        f"previous_response_id={previous!r} is not a response this client returned (or it was "
        "forgotten): Moonshot's Responses API is stateless and keeps no responses "
        "(https://platform.kimi.ai/docs/api/responses), so the client sends the history itself, "
        "and only knows the responses it (or a copy made with with_options) returned. Make the "
        "request with the client that returned it, give the clients one shared store, or send the "
        "earlier items in `input`."
    )


def _unknown_call_message(call: str) -> str:
    return (
        f"the function call {call!r} in `input` is sent back without the reasoning item that "
        "came before it, and this client does not know that reasoning (reasoning_echo='strict'). "
        "Send the call's turn back as it was returned (reasoning items included), or use "
        "reasoning_echo='auto'."
    )
