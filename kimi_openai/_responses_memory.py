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

It keeps them in the client's store (``_store``: ``reasoning_store=``, else an in-process
``MemoryStore`` shared by the client and its copies), where the reasoning echo keeps its own
entries: one shared store serves both, with the same bounds (the store's entries, bytes and
expiry) and the same namespace per API key. A store that fails is a cache that missed: an
answer is not lost for it, and a later ``previous_response_id`` it cannot answer is refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from ._errors import KimiValidationError
from ._reasoning_echo import ReasoningEchoPolicy
from ._store import KeyValueStore

__all__ = ["ResponsesMemory"]

logger = logging.getLogger("kimi_openai")

_TURN_ITEMS: Final = frozenset({"reasoning", "function_call", "custom_tool_call", "web_search_call"})
"""Item types a model's turn is made of (with assistant messages)."""
_CALL_ITEMS: Final = frozenset({"function_call", "custom_tool_call"})


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
    """What a client remembers of the responses it returned, in its store under its namespace."""

    def __init__(self, store: KeyValueStore, namespace: str) -> None:
        self.store = store
        self._response = f"resp:{namespace}:response:"
        self._call = f"resp:{namespace}:call:"

    def _get(self, keys: Sequence[str]) -> list[Any]:
        try:
            found = self.store.get_many(keys)
        except Exception:  # a store that fails is a cache that missed (see the module docstring)
            logger.warning("kimi_openai: the store did not answer; Responses memory not read", exc_info=True)
            return [None] * len(keys)
        return [None if value is None else json.loads(value) for value in found]

    def _set(self, values: Mapping[str, Any]) -> None:
        entries = {key: json.dumps(value, separators=(",", ":")).encode() for key, value in values.items()}
        try:
            self.store.set_many(entries)
        except Exception:
            logger.warning(
                "kimi_openai: the store did not answer; Responses memory not written", exc_info=True
            )

    def remember(
        self, request: Mapping[str, Any], response_id: str, output: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep a returned response: the request's ``input`` as sent, then its ``output``."""
        history = [*_as_items(request.get("input")), *output]
        values: dict[str, Any] = {self._response + response_id: history}
        reasoning: list[Mapping[str, Any]] = []
        for item in output:
            kind = item.get("type")
            if kind == "reasoning":
                reasoning.append(item)
            elif kind in _CALL_ITEMS and isinstance(item.get("call_id"), str):
                values[self._call + str(item["call_id"])] = reasoning
        self._set(values)

    def expand(self, body: Mapping[str, Any], *, refuse_unknown: bool) -> Mapping[str, Any]:
        """``body`` with the history of its ``previous_response_id`` in front of its ``input``.

        An id this memory does not hold is refused when ``refuse_unknown`` (Moonshot would
        answer without the history), else sent as given (a server that keeps responses).
        """
        previous = body.get("previous_response_id")
        if not isinstance(previous, str):
            return body
        (history,) = self._get([self._response + previous])
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
        found = self._get([self._call + call for _, call in missing])
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
