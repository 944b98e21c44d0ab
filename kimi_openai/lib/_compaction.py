"""Transcript compaction for the tool loops: what a ``compact=`` callable may send, and one ready-made.

A tool loop keeps the whole transcript and returns it; a compactor only rewrites the list sent
on each turn (to drop old tool output that has done its job, say). Whatever it returns must
still be a request Moonshot accepts, so the loop checks it before sending:

* every message is a dict with a ``role``;
* the newest message of the transcript is the last one sent, unchanged (the model must see the
  results it is being asked about);
* every ``tool`` message stands in the run of tool messages right after the assistant turn that
  made its call, answers one of that turn's ``tool_call_id``\\ s, and answers it once
  (Moonshot answers 400 ``tool_call_id ... not found`` otherwise: moonshot-api.md §2.2);
* every call of an assistant turn that is sent gets its tool message;
* an assistant turn with tool calls keeps its ``reasoning_content`` when the transcript has one
  (thinking models answer 400 without it: https://platform.kimi.ai/docs/guide/use-thinking-models).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, cast

from kimi_openai._errors import KimiValidationError

from .web_search import WEB_SEARCH

__all__ = ["Compactor", "check_compacted", "elide_old_tool_results"]

Compactor: TypeAlias = Callable[[list[dict[str, Any]]], Sequence[Mapping[str, Any]]]
"""Takes a copy of the full transcript, returns the messages to send this turn."""


def _call_ids(message: Mapping[str, Any]) -> list[str]:
    calls = cast("list[Mapping[str, Any]]", message.get("tool_calls") or [])
    return [str(call.get("id")) for call in calls]


def _describe(index: int, message: Mapping[str, Any]) -> str:
    call_id = message.get("tool_call_id")
    extra = f", tool_call_id {call_id!r}" if call_id is not None else ""
    return f"message {index} (role {message.get('role')!r}{extra})"


def _reasoning_by_call(full: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The ``reasoning_content`` each tool call's assistant turn had in the full transcript."""
    found: dict[str, str] = {}
    for message in full:
        reasoning = message.get("reasoning_content")
        if message.get("role") == "assistant" and isinstance(reasoning, str) and reasoning:
            found.update(dict.fromkeys(_call_ids(message), reasoning))
    return found


def _check_assistant(index: int, message: Mapping[str, Any], reasoning: Mapping[str, str]) -> str | None:
    ids = _call_ids(message)
    if any(call_id in reasoning for call_id in ids) and not message.get("reasoning_content"):
        return (
            f"{_describe(index, message)} lost its reasoning_content, which a thinking model needs back "
            "with its tool calls; keep reasoning_content on assistant turns that made tool calls"
        )
    return None


def check_compacted(full: Sequence[Mapping[str, Any]], compacted: object) -> str | None:
    """What is wrong with ``compacted`` as the messages of the next request, or ``None``."""
    if not isinstance(compacted, Sequence) or isinstance(compacted, str | bytes):
        return f"it returned {type(compacted).__name__}, not a list of message dicts"
    messages = cast("Sequence[object]", compacted)
    if not messages:
        return "it returned an empty list"
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or "role" not in message:
            return f"item {index} is {message!r}, not a message dict with a 'role'"
    sent = cast("Sequence[Mapping[str, Any]]", messages)
    if dict(sent[-1]) != dict(full[-1]):
        return (
            f"the last message sent must be the newest message of the transcript, unchanged "
            f"({_describe(len(full) - 1, full[-1])}); rewrite older messages only"
        )
    return _check_pairs(sent, _reasoning_by_call(full))


def _check_pairs(sent: Sequence[Mapping[str, Any]], reasoning: Mapping[str, str]) -> str | None:
    """Each tool message in the block right after its assistant turn; each call of a turn answered once."""
    open_ids: list[str] | None = None  # the calls of the assistant turn whose tool block is running
    for index, message in enumerate(sent):
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id"))
            if open_ids is None or call_id not in open_ids:
                return (
                    f"{_describe(index, message)} does not follow the assistant turn that made that call; "
                    "keep each tool message right after its assistant turn, or drop both"
                )
            open_ids.remove(call_id)
            continue
        if open_ids:
            return _unanswered(index, open_ids)
        open_ids = _call_ids(message) if role == "assistant" else None
        if role == "assistant":
            problem = _check_assistant(index, message, reasoning)
            if problem is not None:
                return problem
    return None if not open_ids else _unanswered(len(sent), open_ids)


def _unanswered(index: int, ids: Sequence[str]) -> str:
    return (
        f"the tool calls {list(ids)!r} have no tool message before message {index}; an assistant turn "
        "that is sent needs a tool message for each of its calls (shorten their content instead of dropping them)"
    )


def elide_old_tool_results(
    keep_turns: int = 1, *, placeholder: str = "[{chars} characters elided]"
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A compactor that replaces the content of old tool results with a short note.

    The tool messages of the newest ``keep_turns`` tool-calling assistant turns go out as they
    are; older ones keep their place and ``tool_call_id`` (the request stays valid) with
    ``placeholder`` as content (``{chars}`` is the length of what it replaces). ``$web_search``
    results are left alone: their content is the call's own arguments, which Moonshot reads back
    (https://platform.kimi.ai/docs/guide/use-web-search).

    Raises:
        KimiValidationError: ``keep_turns`` is not a whole number of 1 or more.
    """
    if isinstance(keep_turns, bool) or not isinstance(keep_turns, int) or keep_turns < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise KimiValidationError(
            f"elide_old_tool_results(keep_turns={keep_turns!r}): pass a whole number of 1 or more "
            "(the newest turn's tool results must go out whole)."
        )

    def compact(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant" and m.get("tool_calls")]
        cutoff = turns[-keep_turns] if len(turns) >= keep_turns else 0
        return [
            {**m, "content": placeholder.format(chars=len(str(m.get("content") or "")))}
            if m.get("role") == "tool" and i < cutoff and m.get("name") != WEB_SEARCH
            else m
            for i, m in enumerate(messages)
        ]

    return compact
