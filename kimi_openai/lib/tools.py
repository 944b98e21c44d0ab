"""A tool-call loop for Kimi: chat, run the tools the model asks for, send the results, repeat.

``run_tools(client, model=..., messages=..., tools=[...])`` drives the conversation until the
model answers. One request may mix:

* Python functions (plain, or built with :func:`function_tool`), run in process;
* ``WEB_SEARCH_TOOL``: Moonshot runs the search; the loop sends the call's arguments back
  unchanged (https://platform.kimi.ai/docs/guide/use-web-search);
* :class:`Formula` (``Formula("moonshot/date:latest")``): Moonshot's official tools, declared from
  ``client.formulas.tools(uri)`` and run with ``client.formulas.call``
  (https://platform.kimi.ai/docs/guide/use-official-tools).

What the loop keeps to Moonshot's rules:

* each assistant turn goes back as returned, ``reasoning_content`` included (thinking models
  answer 400 without it: https://platform.kimi.ai/docs/guide/use-thinking-models);
* call ids are echoed verbatim and every call gets exactly one tool message with its id
  (``tool_call_id not found`` otherwise; K2 degrades on rewritten ids: moonshot-api.md §9.5);
* the loop is bounded by ``max_steps`` requests and, when asked, by a ``max_tokens_budget``, a
  ``repeated_call_limit`` (the same call N times in a row) and a ``read_only_streak_limit`` (N
  read-only calls with no mutating one), each raising its own :class:`ToolLoopError`;
* a ``compact=`` callable may rewrite the messages sent on each turn; the loop checks them
  (``_compaction``) and keeps the full transcript.

``async_run_tools`` runs the independent calls of one turn concurrently (anyio), then each
``function_tool(parallel=False)`` call alone, and still sends the results in the model's order.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import anyio
import anyio.to_thread

from kimi_openai._errors import (
    InvalidCompactionError,
    KimiValidationError,
    ReadOnlyStreakError,
    RepeatedToolCallError,
)
from kimi_openai._rules.model_specs import KnownModel
from kimi_openai.types.chat import KimiChatCompletion
from kimi_openai.types.formula import FiberResult
from kimi_openai.types.tool_run import ToolCallRecord, ToolRunResult

from ._compaction import Compactor, check_compacted, elide_old_tool_results
from ._function_tool import FunctionTool, function_tool, tool_output
from ._loop import (
    MaxStepsExceededError,
    TokenBudgetExceededError,
    ToolExecutionError,
    ToolLoopError,
    echo_dict,
    total_tokens,
)
from .web_search import WEB_SEARCH, thinking_for_search, web_search_tool_message

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

    from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI

__all__ = [
    "Compactor",
    "Formula",
    "FunctionTool",
    "InvalidCompactionError",
    "MaxStepsExceededError",
    "ReadOnlyStreakError",
    "RepeatedToolCallError",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "ToolRunResult",
    "async_run_tools",
    "elide_old_tool_results",
    "function_tool",
    "run_tools",
]

DEFAULT_MAX_STEPS = 10
OnToolError: TypeAlias = Literal["return", "raise"]


@dataclass(frozen=True)
class Formula:
    """An official tool set, by URI (``"moonshot/web-search:latest"``): declared and run by Moonshot."""

    uri: str


ToolSpec: TypeAlias = "FunctionTool[..., Any] | Formula | Callable[..., Any] | ChatCompletionToolUnionParam"
"""What ``tools=`` takes: a function, a :class:`FunctionTool`, a :class:`Formula` or ``WEB_SEARCH_TOOL``."""


@dataclass(frozen=True)
class LoopLimits:
    """How a tool loop is bounded; each guard is off at ``None`` and raises its own :class:`ToolLoopError`."""

    max_steps: int = DEFAULT_MAX_STEPS
    max_tokens_budget: int | None = None
    repeated_call_limit: int | None = None
    read_only_streak_limit: int | None = None
    on_tool_error: OnToolError = "return"
    compact: Compactor | None = None

    def __post_init__(self) -> None:
        for name in ("max_steps", "max_tokens_budget", "repeated_call_limit", "read_only_streak_limit"):
            value: object = getattr(self, name)
            if value is None and name != "max_steps":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                off = "" if name == "max_steps" else ", or None to turn the guard off"
                raise KimiValidationError(
                    f"{name}={value!r} is not allowed: pass a whole number of 1 or more{off}."
                )
        if self.on_tool_error not in ("return", "raise"):
            raise KimiValidationError(
                f"on_tool_error={self.on_tool_error!r} is not allowed: pass 'return' or 'raise'."
            )
        if self.compact is not None and not callable(self.compact):
            raise KimiValidationError(
                f"compact={self.compact!r} is not callable: pass a function taking the transcript "
                "(a list of message dicts) and returning the messages to send, or None."
            )


@dataclass(frozen=True)
class _Call:
    id: str
    name: str
    arguments: str


def _normalised(arguments: str) -> str:
    """Arguments compared by meaning: key order and spacing do not make a call different."""
    try:
        return json.dumps(json.loads(arguments), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return arguments.strip()


class LoopRun:
    """The state of one loop; the sync and async drivers share it."""

    def __init__(self, model: str, messages: Iterable[object], limits: LoopLimits) -> None:
        self.model = model
        self.messages: list[dict[str, Any]] = [dict(cast("Mapping[str, Any]", m)) for m in messages]
        self.limits = limits
        self.functions: dict[str, FunctionTool[..., Any]] = {}
        self.formulas: dict[str, str] = {}
        self.declared: list[Any] = []
        self.searching = False
        self.records: list[ToolCallRecord] = []
        self.steps = 0
        self.tokens = 0
        self.on_completion: Callable[[KimiChatCompletion], None] | None = None
        self._last_call: tuple[str, str] | None = None
        self._repeats = 0
        self._read_only = 0

    def add(self, spec: object) -> str | None:
        """Declare one tool; a :class:`Formula`'s URI is returned for the driver to fetch."""
        if isinstance(spec, Formula):
            return spec.uri
        if isinstance(spec, Mapping):
            declaration = cast("Mapping[str, Any]", spec)
            function = cast("Mapping[str, object]", declaration.get("function") or {})
            if function.get("name") != WEB_SEARCH:
                raise KimiValidationError(
                    "run_tools runs the tools it is given: pass functions, function_tool(...), Formula(uri) "
                    f"or WEB_SEARCH_TOOL, not a bare declaration ({dict(declaration)!r})."
                )
            self.searching = True
            self.declared.append(dict(declaration))
            return None
        tool: FunctionTool[..., Any] = (
            cast("FunctionTool[..., Any]", spec)
            if isinstance(spec, FunctionTool)
            else function_tool(cast("Callable[..., Any]", spec))
        )
        self.functions[tool.name] = tool
        self.declared.append(tool.param)
        return None

    def add_formula(self, uri: str, declarations: Sequence[Mapping[str, Any]]) -> None:
        for declaration in declarations:
            self.formulas[str(declaration["function"]["name"])] = uri
            self.declared.append(dict(declaration))

    def request(self, create_kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs = thinking_for_search(self.model, create_kwargs) if self.searching else create_kwargs
        return {**kwargs, "model": self.model, "messages": self._sent(), "tools": self.declared}

    def _sent(self) -> list[dict[str, Any]]:
        """The messages of the next request: the transcript, or what ``compact`` makes of it (checked)."""
        if self.limits.compact is None:
            return self.messages
        compacted = self.limits.compact([dict(m) for m in self.messages])
        problem = check_compacted(self.messages, compacted)
        if problem is not None:
            raise InvalidCompactionError(
                f"compact= returned messages Moonshot would reject: {problem}. Nothing was sent "
                "(the full transcript is on this error's .messages).",
                messages=list(self.messages),
                steps=self.steps,
                total_tokens=self.tokens,
                problem=problem,
            )
        return [dict(m) for m in compacted]

    def _stop(self, error: type[ToolLoopError], message: str) -> ToolLoopError:
        return error(message, messages=list(self.messages), steps=self.steps, total_tokens=self.tokens)

    def absorb(self, completion: KimiChatCompletion) -> list[_Call] | None:
        """Take an answer in: the calls to run, or ``None`` when the model has answered."""
        self.steps += 1
        self.tokens += total_tokens(completion)
        if self.on_completion is not None:
            self.on_completion(completion)
        choice = completion.choices[0]
        calls = [
            _Call(c.id, str(getattr(c, "function").name), str(getattr(c, "function").arguments))  # noqa: B009
            for c in choice.message.tool_calls or []
        ]
        if choice.finish_reason != "tool_calls" or not calls:
            return None
        limits = self.limits
        if self.steps >= limits.max_steps:
            raise self._stop(
                MaxStepsExceededError,
                f"the model still called tools after max_steps={limits.max_steps} requests; raise max_steps= "
                "(the transcript up to the unanswered turn is on this error's .messages).",
            )
        if limits.max_tokens_budget is not None and self.tokens >= limits.max_tokens_budget:
            raise self._stop(
                TokenBudgetExceededError,
                f"{self.tokens} tokens used, max_tokens_budget={limits.max_tokens_budget}; raise the budget "
                "to go on (the transcript up to the unanswered turn is on this error's .messages).",
            )
        for call in calls:
            self._guard(call)
        self.messages.append(echo_dict(choice.message))
        return calls

    def _guard(self, call: _Call) -> None:
        """Count one call toward the repeated-call and read-only-streak guards; raise when one trips."""
        key = (call.name, _normalised(call.arguments))
        self._repeats = self._repeats + 1 if key == self._last_call else 1
        self._last_call = key
        tool = self.functions.get(call.name)
        reads = call.name == WEB_SEARCH or (tool is not None and tool.read_only)
        self._read_only = self._read_only + 1 if reads else 0
        limits = self.limits
        if limits.repeated_call_limit is not None and self._repeats >= limits.repeated_call_limit:
            raise self._guard_error(
                RepeatedToolCallError,
                call,
                self._repeats,
                f"the model called {call.name}({call.arguments}) {self._repeats} times in a row "
                f"(repeated_call_limit={limits.repeated_call_limit}); that call was not run. Change the prompt or "
                "the tool's answer so the model moves on, or raise repeated_call_limit=",
            )
        if limits.read_only_streak_limit is not None and self._read_only >= limits.read_only_streak_limit:
            raise self._guard_error(
                ReadOnlyStreakError,
                call,
                self._read_only,
                f"{self._read_only} calls in a row to read-only tools and none to a tool that changes something "
                f"(read_only_streak_limit={limits.read_only_streak_limit}); the last, {call.name}, was not run. "
                "Ask the model to act on what it found, or raise read_only_streak_limit=",
            )

    def _guard_error(
        self, error: type[RepeatedToolCallError | ReadOnlyStreakError], call: _Call, count: int, message: str
    ) -> ToolLoopError:
        return error(
            f"{message} (the transcript up to the unanswered turn is on this error's .messages).",
            messages=list(self.messages),
            steps=self.steps,
            total_tokens=self.tokens,
            tool_name=call.name,
            arguments=call.arguments,
            count=count,
        )

    def order(self, calls: list[_Call]) -> tuple[list[int], list[int]]:
        """The calls that may run together, and those that run after them one at a time (``parallel=False``)."""
        serial = [
            i for i, c in enumerate(calls) if (t := self.functions.get(c.name)) is not None and not t.parallel
        ]
        return [i for i in range(len(calls)) if i not in serial], serial

    def failed(self, call: _Call, exc: BaseException) -> str:
        """The text sent back for a failed call, or raise when ``on_tool_error="raise"``."""
        text = f"Error: {type(exc).__name__}: {exc}"
        if self.limits.on_tool_error == "raise":
            raise ToolExecutionError(
                f"tool {call.name!r} (call {call.id}) failed: {exc}",
                messages=list(self.messages),
                steps=self.steps,
                total_tokens=self.tokens,
                tool_name=call.name,
                tool_call_id=call.id,
            ) from exc
        return text

    def answer(self, call: _Call, content: str, error: str | None) -> None:
        """Record one result and append its tool message (the id paired verbatim)."""
        if call.name == WEB_SEARCH:
            message = web_search_tool_message(call.id, call.arguments)
        else:
            message = {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": content}
        self.messages.append(message)
        self.records.append(
            ToolCallRecord(call.id, call.name, call.arguments, message["content"], error, self.steps)
        )

    def result(self, completion: KimiChatCompletion) -> ToolRunResult:
        return ToolRunResult(completion, self.messages, self.records, self.steps, self.tokens)


class _UnknownToolError(LookupError):
    pass


class _FiberError(RuntimeError):
    pass


class _AsyncToolError(TypeError):
    pass


def _fiber_content(result: FiberResult) -> str:
    if not result.succeeded:
        raise _FiberError(result.error_message or "the fiber failed")
    return result.content


def _unknown(call: _Call) -> _UnknownToolError:
    return _UnknownToolError(f"no tool named {call.name!r} was offered")


def _run_call(client: KimiOpenAI, run: LoopRun, call: _Call) -> tuple[str, str | None]:
    """(content, error) of one call, run synchronously."""
    if call.name == WEB_SEARCH:
        return call.arguments, None  # Moonshot searches; the arguments go back as they came
    try:
        if call.name in run.formulas:
            return _fiber_content(
                client.formulas.call(run.formulas[call.name], call.name, call.arguments)
            ), None
        tool = run.functions.get(call.name)
        if tool is None:
            raise _unknown(call)
        if tool.is_async:
            raise _AsyncToolError(f"tool {call.name!r} is a coroutine function: use async_run_tools")
        return tool_output(tool.fn(**tool.bind(call.arguments))), None
    except Exception as exc:
        return run.failed(call, exc), str(exc)


async def _async_run_call(client: AsyncKimiOpenAI, run: LoopRun, call: _Call) -> tuple[str, str | None]:
    """(content, error) of one call; sync functions run in a worker thread."""
    if call.name == WEB_SEARCH:
        return call.arguments, None
    try:
        if call.name in run.formulas:
            fiber = await client.formulas.call(run.formulas[call.name], call.name, call.arguments)
            return _fiber_content(fiber), None
        tool = run.functions.get(call.name)
        if tool is None:
            raise _unknown(call)
        kwargs = tool.bind(call.arguments)
        if tool.is_async:
            value = await tool.fn(**kwargs)
        else:
            value = await anyio.to_thread.run_sync(lambda: tool.fn(**kwargs))
        return tool_output(value), None
    except Exception as exc:
        return run.failed(call, exc), str(exc)


async def _run_turn(
    client: AsyncKimiOpenAI, run: LoopRun, calls: list[_Call]
) -> list[tuple[str, str | None]]:
    """Run the calls of one turn: the parallel ones together, then the others one at a time.

    The outcomes come back in the calls' order, whatever order they ran in.
    """
    outcomes: list[tuple[str, str | None]] = [("", None)] * len(calls)
    together, alone = run.order(calls)

    async def one(index: int) -> None:
        outcomes[index] = await _async_run_call(client, run, calls[index])

    try:
        async with anyio.create_task_group() as group:
            for index in together:
                group.start_soon(one, index)
    except BaseExceptionGroup as group_error:
        # on_tool_error="raise": surface the tool's own error, not anyio's group.
        raise group_error.exceptions[0] from None
    for index in alone:
        await one(index)
    return outcomes


def _run_turn_sync(client: KimiOpenAI, run: LoopRun, calls: list[_Call]) -> list[tuple[str, str | None]]:
    """The calls of one turn, in the order the async loop starts them (``parallel=False`` ones last)."""
    outcomes: list[tuple[str, str | None]] = [("", None)] * len(calls)
    together, alone = run.order(calls)
    for index in (*together, *alone):
        outcomes[index] = _run_call(client, run, calls[index])
    return outcomes


def start_run(
    model: str, messages: Iterable[object], tools: Iterable[object], limits: LoopLimits
) -> tuple[LoopRun, list[str]]:
    run = LoopRun(model, messages, limits)
    uris = [uri for uri in (run.add(spec) for spec in tools) if uri is not None]
    return run, uris


def drive(client: KimiOpenAI, run: LoopRun, uris: list[str], create_kwargs: dict[str, Any]) -> ToolRunResult:
    """The sync loop over a prepared run (``run_tools`` and ``Conversation.send``)."""
    for uri in uris:
        run.add_formula(uri, cast("list[Mapping[str, Any]]", client.formulas.tools(uri)))
    create = cast("Callable[..., KimiChatCompletion]", client.chat.completions.create)
    while True:
        completion = create(**run.request(create_kwargs))
        calls = run.absorb(completion)
        if calls is None:
            return run.result(completion)
        for call, outcome in zip(calls, _run_turn_sync(client, run, calls), strict=True):
            run.answer(call, *outcome)


async def async_drive(
    client: AsyncKimiOpenAI, run: LoopRun, uris: list[str], create_kwargs: dict[str, Any]
) -> ToolRunResult:
    """The async loop over a prepared run (``async_run_tools`` and ``AsyncConversation.send``)."""
    for uri in uris:
        run.add_formula(uri, cast("list[Mapping[str, Any]]", await client.formulas.tools(uri)))
    create = cast("Callable[..., Awaitable[KimiChatCompletion]]", client.chat.completions.create)
    while True:
        completion = await create(**run.request(create_kwargs))
        calls = run.absorb(completion)
        if calls is None:
            return run.result(completion)
        outcomes = await _run_turn(client, run, calls)
        for call, outcome in zip(calls, outcomes, strict=True):
            run.answer(call, *outcome)


def run_tools(
    client: KimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ToolSpec],
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens_budget: int | None = None,
    repeated_call_limit: int | None = None,
    read_only_streak_limit: int | None = None,
    compact: Compactor | None = None,
    on_tool_error: OnToolError = "return",
    **create_kwargs: object,
) -> ToolRunResult:
    """Chat with ``tools`` until the model answers; run every call it makes on the way.

    Args:
        client: a :class:`~kimi_openai.KimiOpenAI`.
        model: the model id.
        messages: the conversation (not modified; the result holds the grown transcript).
        tools: Python functions, :func:`function_tool` results, :class:`Formula` URIs and
            ``WEB_SEARCH_TOOL``, mixed freely.
        max_steps: at most this many chat requests.
        max_tokens_budget: stop before a request once the requests so far used this many tokens
            (sum of ``usage.total_tokens``).
        repeated_call_limit: stop when the model makes the same call (tool and JSON-normalised
            arguments) this many times in a row; that call is not run. Off at ``None``.
        read_only_streak_limit: stop when this many calls in a row go to read-only tools
            (``function_tool(read_only=True)``, ``$web_search``) and none to a tool that changes
            something; the last is not run. Off at ``None``.
        compact: rewrites the messages sent on each turn (see :func:`elide_old_tool_results`);
            the loop checks the result and still returns the full transcript.
        on_tool_error: ``"return"`` sends a failing tool's error text to the model as its result;
            ``"raise"`` stops with :class:`ToolExecutionError`.
        **create_kwargs: any other ``create`` argument (``thinking``, ``max_tokens``...).

    Raises:
        KimiValidationError: a limit below 1, or a ``compact`` that is not callable.
        MaxStepsExceededError, TokenBudgetExceededError, RepeatedToolCallError, ReadOnlyStreakError,
            InvalidCompactionError, ToolExecutionError: all :class:`ToolLoopError`, carrying the
            transcript so far.
    """
    limits = LoopLimits(
        max_steps, max_tokens_budget, repeated_call_limit, read_only_streak_limit, on_tool_error, compact
    )
    run, uris = start_run(model, messages, tools, limits)
    return drive(client, run, uris, dict(create_kwargs))


async def async_run_tools(
    client: AsyncKimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ToolSpec],
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens_budget: int | None = None,
    repeated_call_limit: int | None = None,
    read_only_streak_limit: int | None = None,
    compact: Compactor | None = None,
    on_tool_error: OnToolError = "return",
    **create_kwargs: object,
) -> ToolRunResult:
    """The async :func:`run_tools`: the calls of one turn run concurrently, results kept in the model's order.

    A tool built with ``function_tool(parallel=False)`` runs after the others of its turn, alone.
    """
    limits = LoopLimits(
        max_steps, max_tokens_budget, repeated_call_limit, read_only_streak_limit, on_tool_error, compact
    )
    run, uris = start_run(model, messages, tools, limits)
    return await async_drive(client, run, uris, dict(create_kwargs))
