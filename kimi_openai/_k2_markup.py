"""Recover Kimi K2 tool calls that a self-hosted engine left as raw markup in ``content``.

vLLM, SGLang, KTransformers and TensorRT-LLM turn K2's tool-call tokens into
``tool_calls`` only when started with their Kimi tool-call parser. Without it the
markup reaches the client verbatim, for example::

    Let me check.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0
    <|tool_call_argument_begin|>{"city": "Beijing"}<|tool_call_end|><|tool_calls_section_end|>

``parse_k2_tool_calls`` converts a whole message and ``K2ToolCallStreamParser`` a
stream of content deltas. Both are pure (no I/O) and share one scanner, so a stream
cut at any point parses exactly like the joined text.

Rules, in the order the scanner applies them:

- A section holds calls; a call is ``<id> ARGUMENT_BEGIN <json> CALL_END``. Whitespace
  and newlines between tokens, around the id and around the arguments are ignored.
- Ids are kept verbatim, because K2 calls tools worse once its ids are rewritten
  (vybestack/llxprt-code #712, ml-explore/mlx-lm PR #821). The function name is read
  from ``functions.NAME:INDEX`` and, failing that, derived as well as possible.
- Arguments are the raw JSON text. Text that is not a JSON object is kept and flagged.
- Text around a section stays in ``content``. Whitespace touching a section is dropped,
  except that when text follows the section, the whitespace before it (or, if none,
  after it) separates the two parts.
- A call outside any section is still parsed; a lone closing or argument token in
  plain text is removed from ``content``. Both are flagged.
- Malformed markup becomes a ``K2Problem``; with ``strict=True`` the first problem
  raises ``K2MarkupError`` instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Final

from openai.types.chat import ChatCompletionMessageFunctionToolCall
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall, ChoiceDeltaToolCallFunction
from openai.types.chat.chat_completion_message_function_tool_call import Function

from ._errors import K2MarkupError, K2Problem, K2ProblemKind

# Token strings as documented in "Manually Parsing Tool Calls",
# https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md
TOOL_CALLS_SECTION_BEGIN: Final = "<|tool_calls_section_begin|>"
TOOL_CALLS_SECTION_END: Final = "<|tool_calls_section_end|>"
TOOL_CALL_BEGIN: Final = "<|tool_call_begin|>"
TOOL_CALL_ARGUMENT_BEGIN: Final = "<|tool_call_argument_begin|>"
TOOL_CALL_END: Final = "<|tool_call_end|>"

# Some K2 checkpoints write the section tokens in the singular, as does the template
# in the Kimi K2 technical report (arXiv:2507.20534, appendix on tool calling); vLLM's
# Kimi K2 parser (PR #32146) and llama.cpp (PR #17376) accept both spellings.
TOOL_CALL_SECTION_BEGIN_SINGULAR: Final = "<|tool_call_section_begin|>"
TOOL_CALL_SECTION_END_SINGULAR: Final = "<|tool_call_section_end|>"
# That report also spells the argument separator this way. The guidance and the engine
# parsers only know TOOL_CALL_ARGUMENT_BEGIN; accepting both costs nothing.
TOOL_ARGUMENTS_BEGIN_REPORT: Final = "<|tool_arguments_begin|>"

SECTION_BEGIN_TOKENS: Final = (TOOL_CALLS_SECTION_BEGIN, TOOL_CALL_SECTION_BEGIN_SINGULAR)
SECTION_END_TOKENS: Final = (TOOL_CALLS_SECTION_END, TOOL_CALL_SECTION_END_SINGULAR)
ARGUMENT_BEGIN_TOKENS: Final = (TOOL_CALL_ARGUMENT_BEGIN, TOOL_ARGUMENTS_BEGIN_REPORT)


# -- token search and call ids ----------------------------------------------------------------------

# Ids look like "functions.NAME:INDEX"
# (https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md).
# NAME may itself contain dots (namespaced tools), so take everything up to the last ":".
_CANONICAL_ID: Final = re.compile(r"functions\.(?P<name>.+):(?P<index>\d+)", re.DOTALL)
_INDEX_SUFFIX: Final = re.compile(r":\d+\Z")
_FUNCTIONS_PREFIX: Final = "functions"


def name_from_id(call_id: str) -> tuple[str, bool]:
    """Return the function name in ``call_id`` and whether the id is canonical."""
    match = _CANONICAL_ID.fullmatch(call_id)
    if match:
        return match["name"], True
    name = call_id
    if name.startswith(_FUNCTIONS_PREFIX):
        name = name.removeprefix(_FUNCTIONS_PREFIX).removeprefix(".")
        if ":" not in name:
            # K2.5 has been seen dropping both separators ("functionsexec5" for
            # exec:5, sglang PR #21377): trailing digits are then the counter.
            name = name.rstrip("0123456789") or name
    # "NAME:INDEX" without the prefix, or an id the model copied from history
    # ("call_abc", sglang issue #25358): keep whatever is left as the name.
    return _INDEX_SUFFIX.sub("", name) or name, False


def first_token(buffer: str, tokens: tuple[str, ...]) -> tuple[int, str | None]:
    """Return the position and value of the earliest token in ``buffer``."""
    best_pos, best = len(buffer), None
    for token in tokens:
        pos = buffer.find(token, 0, best_pos + len(token))
        if pos != -1 and pos < best_pos:
            best_pos, best = pos, token
    return best_pos, best


def partial_token_length(buffer: str, tokens: tuple[str, ...]) -> int:
    """Length of the longest suffix of ``buffer`` that could still become a token."""
    longest = max(len(token) for token in tokens)
    pos = buffer.find("<", max(0, len(buffer) - longest + 1))
    while pos != -1:
        tail = buffer[pos:]
        if any(token.startswith(tail) for token in tokens):
            return len(tail)
        pos = buffer.find("<", pos + 1)
    return 0


def short(text: str) -> str:
    """Quote ``text`` for an error message, cut to a readable length."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class K2ParseResult:
    """A message with its K2 tool-call markup turned into openai tool calls."""

    content: str
    """The text outside the markup (empty if there was none)."""
    tool_calls: list[ChatCompletionMessageFunctionToolCall]
    """The calls in the order written, ids verbatim, arguments as raw JSON text."""
    problems: list[K2Problem]
    """Defects found (always empty in strict mode, which raises instead)."""


@dataclass(frozen=True)
class K2StreamEvent:
    """What one ``feed()`` or ``finish()`` call releases."""

    content: str = ""
    """Content text now certain not to be markup."""
    tool_calls: list[ChoiceDeltaToolCall] = field(default_factory=lambda: list[ChoiceDeltaToolCall]())
    """Tool-call deltas in openai's streaming shape (see ``K2ToolCallStreamParser``)."""
    problems: list[K2Problem] = field(default_factory=lambda: list[K2Problem]())
    """Defects found during this call."""


def parse_k2_tool_calls(text: str, *, strict: bool = False) -> K2ParseResult:
    """Split a complete message into content and the tool calls K2 wrote as markup.

    Text without markup comes back unchanged as ``content``. With ``strict=True`` the
    first defect raises ``K2MarkupError``; otherwise defects are listed in ``problems``.
    """
    parser = K2ToolCallStreamParser(strict=strict)
    parser.feed(text)
    parser.finish()
    return parser.result()


class _State(Enum):
    TEXT = auto()
    SECTION = auto()
    CALL_ID = auto()
    ARGUMENTS = auto()


# Tokens that change the state, per state. Anything else is ordinary text of that
# state: inside arguments even a stray section token is kept as raw argument text.
_ACTIVE: Final[dict[_State, tuple[str, ...]]] = {
    _State.TEXT: (
        *SECTION_BEGIN_TOKENS,
        TOOL_CALL_BEGIN,
        *SECTION_END_TOKENS,
        TOOL_CALL_END,
        *ARGUMENT_BEGIN_TOKENS,
    ),
    _State.SECTION: (TOOL_CALL_BEGIN, *SECTION_END_TOKENS),
    _State.CALL_ID: (*ARGUMENT_BEGIN_TOKENS, TOOL_CALL_END, TOOL_CALL_BEGIN, *SECTION_END_TOKENS),
    _State.ARGUMENTS: (TOOL_CALL_END, TOOL_CALL_BEGIN, *SECTION_END_TOKENS),
}


@dataclass
class _Call:
    index: int
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=lambda: list[str]())


@dataclass
class _DeltaDraft:
    index: int
    id: str | None
    name: str | None
    arguments: str


class K2ToolCallStreamParser:
    """Incremental K2 markup parser for a stream of content deltas.

    ``feed()`` returns content as soon as it cannot be markup. It holds back only a
    trailing piece that may start a token (such as ``"<|tool_ca"``) and trailing
    whitespace, which is dropped if a section follows. Markup may be split anywhere,
    including inside tokens and inside the JSON arguments.

    Tool calls come out in openai's streaming shape: a first delta per call with
    ``index``, ``id``, ``type="function"`` and ``function.name``, sent once the id is
    complete, then deltas carrying only ``function.arguments`` fragments as they
    arrive. Fragments released by one ``feed()`` are merged into one delta per call
    (into the first delta too, when the call started in that same ``feed()``). ``index`` is the call's position in this message, not the counter in
    its id (that one counts calls across the whole conversation). Joining the deltas
    gives exactly the calls of ``parse_k2_tool_calls`` on the joined text.

    Call ``finish()`` once the stream ends, then ``result()`` if the whole message is
    wanted. In strict mode a ``K2MarkupError`` leaves the parser unusable.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self._strict = strict
        self._state = _State.TEXT
        self._buffer = ""
        self._finished = False
        # Whole-message record, for result().
        self._content: list[str] = []
        self._calls: list[ChatCompletionMessageFunctionToolCall] = []
        self._problems: list[K2Problem] = []
        # Output of the current feed()/finish() call.
        self._out_content: list[str] = []
        self._out_calls: list[_DeltaDraft] = []
        self._out_problems: list[K2Problem] = []
        # Content whitespace around sections (see the module docstring).
        self._held_space: str = ""
        self._content_started: bool = False
        self._after_section: bool = False
        self._separator: str = ""
        self._implicit_section: bool = False
        # The section or call being read.
        self._stray: str = ""
        self._call_id: str = ""
        self._call: _Call = _Call(index=0)
        self._arguments_started: bool = False
        self._arguments_space: str = ""

    def feed(self, delta: str) -> K2StreamEvent:
        """Consume one content delta and return what can be released."""
        if self._finished:
            raise RuntimeError("K2ToolCallStreamParser.feed() called after finish()")
        self._buffer += delta
        self._scan(final=False)
        return self._release()

    def finish(self) -> K2StreamEvent:
        """Flush held text at the end of the stream and report unclosed markup."""
        if self._finished:
            raise RuntimeError("K2ToolCallStreamParser.finish() called twice")
        self._scan(final=True)
        self._finished = True
        state, self._state = self._state, _State.TEXT
        if state is _State.TEXT:
            if not self._after_section:
                self._emit_content(self._held_space)
        elif state is _State.SECTION:
            self._flush_stray()
        elif state is _State.CALL_ID:
            self._close_call_without_arguments(None)
        else:
            self._problem("unclosed_call", self._unclosed_call_message(None), self._call.index)
            self._finish_call()
        if state is not _State.TEXT and not self._implicit_section:
            self._problem(
                "unclosed_section",
                f"the stream ended inside a tool-call section (no {TOOL_CALLS_SECTION_END})",
            )
        return self._release()

    def result(self) -> K2ParseResult:
        """The whole message seen so far; available after ``finish()``."""
        if not self._finished:
            raise RuntimeError("K2ToolCallStreamParser.result() called before finish()")
        return K2ParseResult("".join(self._content), list(self._calls), list(self._problems))

    # -- scanning ---------------------------------------------------------------

    def _scan(self, *, final: bool) -> None:
        while True:
            tokens = _ACTIVE[self._state]
            pos, token = first_token(self._buffer, tokens)
            if token is None:
                keep = 0 if final else partial_token_length(self._buffer, tokens)
                cut = len(self._buffer) - keep
                text, self._buffer = self._buffer[:cut], self._buffer[cut:]
                self._on_text(text)
                return
            text, self._buffer = self._buffer[:pos], self._buffer[pos + len(token) :]
            self._on_text(text)
            self._on_token(token)

    def _on_text(self, text: str) -> None:
        if not text:
            return
        if self._state is _State.TEXT:
            self._on_content_text(text)
        elif self._state is _State.SECTION:
            self._stray += text
        elif self._state is _State.CALL_ID:
            self._call_id += text
        else:
            self._on_arguments_text(text)

    def _on_token(self, token: str) -> None:
        if self._state is _State.TEXT:
            self._token_in_text(token)
        elif self._state is _State.SECTION:
            self._flush_stray()
            if token == TOOL_CALL_BEGIN:
                self._open_call()
            else:
                self._state = _State.TEXT
        elif self._state is _State.CALL_ID:
            if token in ARGUMENT_BEGIN_TOKENS:
                self._start_arguments(self._call_id.strip())
            else:
                self._close_call_without_arguments(token)
        else:
            if token != TOOL_CALL_END:
                self._problem("unclosed_call", self._unclosed_call_message(token), self._call.index)
            self._finish_call()
            self._after_call(token)

    def _token_in_text(self, token: str) -> None:
        if token in SECTION_BEGIN_TOKENS:
            self._open_section(implicit=False)
        elif token == TOOL_CALL_BEGIN:
            self._problem("missing_section_begin", f"{TOOL_CALL_BEGIN} outside a tool-call section")
            self._open_section(implicit=True)
            self._open_call()
        else:
            self._problem("unexpected_token", f"{token} outside a tool-call section was removed from content")

    # -- content ----------------------------------------------------------------

    def _on_content_text(self, text: str) -> None:
        text = self._held_space + text
        body = text.rstrip()
        self._held_space = text[len(body) :]
        if not body:
            return
        if self._after_section:
            stripped = body.lstrip()
            if self._content_started:
                self._emit_content(self._separator or body[: len(body) - len(stripped)])
            body, self._after_section = stripped, False
        self._content_started = True
        self._emit_content(body)

    def _emit_content(self, text: str) -> None:
        if text:
            self._content.append(text)
            self._out_content.append(text)

    def _open_section(self, *, implicit: bool) -> None:
        if not self._after_section:
            self._separator, self._after_section = self._held_space, True
        self._held_space = ""
        self._implicit_section = implicit
        self._state = _State.SECTION

    def _flush_stray(self) -> None:
        stray, self._stray = self._stray.strip(), ""
        if stray:
            self._problem("stray_text", f"text between tool calls was ignored: {short(stray)}")

    # -- calls ------------------------------------------------------------------

    def _open_call(self) -> None:
        self._call = _Call(index=len(self._calls))
        self._call_id = ""
        self._state = _State.CALL_ID

    def _start_arguments(self, call_id: str) -> None:
        call = self._call
        call.id = call_id
        call.name, canonical = name_from_id(call_id)
        self._out_calls.append(_DeltaDraft(call.index, call_id, call.name, ""))
        self._arguments_started = False
        self._arguments_space = ""
        self._state = _State.ARGUMENTS
        if not canonical:
            message = f"tool call id {call_id!r} is not functions.NAME:INDEX; name taken as {call.name!r}"
            self._problem("nonstandard_id", message, call.index)

    def _close_call_without_arguments(self, token: str | None) -> None:
        """End a call whose id part never saw the argument token."""
        index, raw = self._call.index, self._call_id.strip()
        # Best effort: the arguments most likely start at the first brace.
        brace = raw.find("{")
        call_id, arguments = (raw[:brace].rstrip(), raw[brace:]) if brace != -1 else (raw, "")
        self._problem("missing_argument_begin", f"tool call {raw!r} has no {TOOL_CALL_ARGUMENT_BEGIN}", index)
        if token != TOOL_CALL_END:
            self._problem("unclosed_call", self._unclosed_call_message(token), index)
        self._start_arguments(call_id)
        self._on_arguments_text(arguments)
        self._finish_call()
        self._after_call(token)

    def _on_arguments_text(self, text: str) -> None:
        # Whitespace around the JSON is not part of it: drop it in front, and hold it
        # at the end until more argument text shows it was inside the JSON after all.
        if not self._arguments_started:
            text = text.lstrip()
            self._arguments_started = bool(text)
        text = self._arguments_space + text
        body = text.rstrip()
        self._arguments_space = text[len(body) :]
        if not body:
            return
        self._call.arguments.append(body)
        last = self._out_calls[-1] if self._out_calls else None
        if last is not None and last.index == self._call.index:
            last.arguments += body
        else:
            self._out_calls.append(_DeltaDraft(self._call.index, None, None, body))

    def _finish_call(self) -> None:
        call = self._call
        arguments = "".join(call.arguments)
        self._calls.append(
            ChatCompletionMessageFunctionToolCall(
                id=call.id, type="function", function=Function(name=call.name, arguments=arguments)
            )
        )
        self._state = _State.SECTION
        try:
            valid = isinstance(json.loads(arguments), dict)
        except ValueError:
            valid = False
        if not valid:
            message = (
                f"arguments of tool call {call.id!r} are not a JSON object (kept raw): {short(arguments)}"
            )
            self._problem("invalid_arguments", message, call.index)

    def _after_call(self, token: str | None) -> None:
        if token == TOOL_CALL_BEGIN:
            self._open_call()
        elif token in SECTION_END_TOKENS:
            self._state = _State.TEXT

    def _unclosed_call_message(self, token: str | None) -> str:
        where = "the stream ended" if token is None else f"{token} came"
        return f"tool call {self._call.index} has no {TOOL_CALL_END}: {where} first"

    # -- output -----------------------------------------------------------------

    def _problem(self, kind: K2ProblemKind, message: str, call_index: int | None = None) -> None:
        problem = K2Problem(kind, message, call_index)
        self._problems.append(problem)
        self._out_problems.append(problem)
        if self._strict:
            raise K2MarkupError(problem)

    def _release(self) -> K2StreamEvent:
        calls = [_to_delta(draft) for draft in self._out_calls]
        event = K2StreamEvent("".join(self._out_content), calls, list(self._out_problems))
        self._out_content.clear()
        self._out_calls.clear()
        self._out_problems.clear()
        return event


def _to_delta(draft: _DeltaDraft) -> ChoiceDeltaToolCall:
    if draft.id is None:
        function = ChoiceDeltaToolCallFunction(arguments=draft.arguments)
        return ChoiceDeltaToolCall(index=draft.index, function=function)
    function = ChoiceDeltaToolCallFunction(name=draft.name, arguments=draft.arguments)
    return ChoiceDeltaToolCall(index=draft.index, id=draft.id, type="function", function=function)


__all__ = [
    "ARGUMENT_BEGIN_TOKENS",
    "SECTION_BEGIN_TOKENS",
    "SECTION_END_TOKENS",
    "TOOL_ARGUMENTS_BEGIN_REPORT",
    "TOOL_CALLS_SECTION_BEGIN",
    "TOOL_CALLS_SECTION_END",
    "TOOL_CALL_ARGUMENT_BEGIN",
    "TOOL_CALL_BEGIN",
    "TOOL_CALL_END",
    "TOOL_CALL_SECTION_BEGIN_SINGULAR",
    "TOOL_CALL_SECTION_END_SINGULAR",
    "K2MarkupError",
    "K2ParseResult",
    "K2Problem",
    "K2ProblemKind",
    "K2StreamEvent",
    "K2ToolCallStreamParser",
    "parse_k2_tool_calls",
]
