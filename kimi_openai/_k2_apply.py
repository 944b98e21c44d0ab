"""Apply K2 tool-call markup parsing to client responses (the ``k2_tool_call_markup`` option).

A self-hosted engine started without its Kimi tool-call parser returns K2's tool
calls as raw markup in ``content``
(https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md). With the
option on, the client rewrites what it returns so the calls are in ``tool_calls``:

- a completion: each choice's ``content`` is parsed; the calls go to
  ``message.tool_calls`` (after any the engine parsed itself), the rest stays in
  ``content``, and ``finish_reason`` becomes ``"tool_calls"`` when calls were found;
- a stream: each choice's ``delta.content`` goes through its own
  :class:`K2ToolCallStreamParser`, so markup split across chunks is held back until
  it is complete; a choice's parser is flushed on its ``finish_reason`` chunk, and any
  still open at ``[DONE]`` are flushed into one extra chunk.

Ids are kept verbatim (``functions.NAME:IDX``) so the next turn echoes them: K2 calls
tools worse once its ids are rewritten (vybestack/llxprt-code #712). Defects in the
markup are never dropped: they are listed by :func:`k2_problems_of` on the message
(or delta) they concern, kept as a private attribute so that echoing the message
does not send them back to the engine.
"""

from __future__ import annotations

from typing import Any, Final, cast

from openai.types.chat import ChatCompletion

from ._k2_markup import (
    K2Problem,
    K2StreamEvent,
    K2ToolCallStreamParser,
    parse_k2_tool_calls,
)

__all__ = ["K2ChunkRewriter", "apply_k2_markup", "k2_problems_of"]

_PROBLEMS: Final = "_k2_problems"
_MARKER: Final = "<|"
"""Every K2 token starts with this; text without it cannot hold markup."""


def k2_problems_of(obj: object) -> list[K2Problem]:
    """Defects found in the K2 markup of a message or a stream delta (empty if none)."""
    problems = getattr(obj, _PROBLEMS, None)
    return list(cast("list[K2Problem]", problems)) if isinstance(problems, list) else []


def _flag(obj: object, problems: list[K2Problem]) -> None:
    if problems:
        object.__setattr__(obj, _PROBLEMS, [*k2_problems_of(obj), *problems])


def apply_k2_markup(completion: ChatCompletion) -> ChatCompletion:
    """Move K2 markup out of each choice's ``content`` into ``tool_calls``, in place.

    A body openai built unvalidated (``choices`` missing or not a list, a ``null`` message) is left as it is.
    """
    choices = completion.__dict__.get("choices")
    for choice in cast("list[Any]", choices) if isinstance(choices, list) else ():
        message: Any = getattr(choice, "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or _MARKER not in text:
            continue
        parsed = parse_k2_tool_calls(text)
        _flag(message, parsed.problems)
        if parsed.content == text and not parsed.tool_calls:
            continue
        if parsed.tool_calls:
            existing = list(message.tool_calls or [])
            message.tool_calls = [*existing, *parsed.tool_calls]
            # An empty string next to tool calls is what Moonshot sends; None is openai's reading.
            message.content = parsed.content or None
            choice.finish_reason = "tool_calls"
        else:
            message.content = parsed.content
    return completion


class K2ChunkRewriter:
    """Rewrites the chunks of one stream; one parser per choice index."""

    def __init__(self, problems: list[K2Problem] | None = None) -> None:
        self._parsers: dict[int, K2ToolCallStreamParser] = {}
        self._found_calls: set[int] = set()
        self._closed: set[int] = set()
        self._last: Any = None
        self.problems: list[K2Problem] = problems if problems is not None else []
        """Every defect found in this stream, in order."""

    def rewrite(self, chunk: Any) -> list[Any]:
        """The chunk with its choices' content parsed (the same object, changed in place)."""
        choices = getattr(chunk, "choices", None)
        if not isinstance(choices, list):
            return [chunk]
        self._last = chunk
        for choice in cast("list[Any]", choices):
            index = getattr(choice, "index", None)
            delta = getattr(choice, "delta", None)
            if isinstance(index, int) and delta is not None and index not in self._closed:
                self._rewrite_choice(choice, index, delta)
        return [chunk]

    def flush(self) -> list[Any]:
        """At ``[DONE]``: what the parsers of unfinished choices still hold, as one extra chunk."""
        open_indexes = [i for i in sorted(self._parsers) if i not in self._closed]
        if self._last is None or not open_indexes:
            return []
        from kimi_openai.types.chat.kimi_chat_completion_chunk import KimiChoiceDelta, KimiChunkChoice

        choices: list[KimiChunkChoice] = []
        for index in open_indexes:
            delta = KimiChoiceDelta.construct()
            self._set(delta, index, [self._parsers[index].finish()])
            self._closed.add(index)
            if delta.content or delta.tool_calls or k2_problems_of(delta):
                choices.append(KimiChunkChoice.construct(index=index, delta=delta, finish_reason=None))
        if not choices:
            return []
        return [self._last.model_copy(update={"choices": choices, "usage": None})]

    def _parser(self, index: int) -> K2ToolCallStreamParser:
        parser = self._parsers.get(index)
        if parser is None:
            parser = self._parsers[index] = K2ToolCallStreamParser()
        return parser

    def _rewrite_choice(self, choice: Any, index: int, delta: Any) -> None:
        text = getattr(delta, "content", None)
        finish = getattr(choice, "finish_reason", None)
        events: list[K2StreamEvent] = []
        if isinstance(text, str) and text:
            events.append(self._parser(index).feed(text))
        if finish is not None:
            # The choice's last chunk: release what its parser holds back.
            events.append(self._parser(index).finish())
            self._closed.add(index)
        if events:
            self._set(delta, index, events)
        if finish == "stop" and index in self._found_calls:
            choice.finish_reason = "tool_calls"

    def _set(self, delta: Any, index: int, events: list[K2StreamEvent]) -> None:
        content = "".join(event.content for event in events)
        calls = [call for event in events for call in event.tool_calls]
        problems = [problem for event in events for problem in event.problems]
        if content or isinstance(getattr(delta, "content", None), str):
            delta.content = content
        if calls:
            self._found_calls.add(index)
            delta.tool_calls = [*(getattr(delta, "tool_calls", None) or []), *calls]
        if problems:
            self.problems.extend(problems)
            _flag(delta, problems)
