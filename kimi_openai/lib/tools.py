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
* the loop is bounded by ``max_steps`` requests and a ``max_tokens_budget`` (typed errors).

``async_run_tools`` runs the independent calls of one turn concurrently (anyio) and still sends
the results in the model's order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import anyio
import anyio.to_thread

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.model_specs import KnownModel
from kimi_openai.types.chat import KimiChatCompletion
from kimi_openai.types.formula import FiberResult
from kimi_openai.types.tool_run import ToolCallRecord, ToolRunResult

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
    "Formula",
    "FunctionTool",
    "MaxStepsExceededError",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "ToolRunResult",
    "async_run_tools",
    "function_tool",
    "run_tools",
]

DEFAULT_MAX_STEPS = 10
OnToolError: TypeAlias = Literal["return", "raise"]


@dataclass(frozen=True)
class Formula:
    """An official tool set, by URI (``"moonshot/web-search:latest"``): declared and run by Moonshot."""

    uri: str


ToolSpec: TypeAlias = "FunctionTool | Formula | Callable[..., Any] | ChatCompletionToolUnionParam"
"""What ``tools=`` takes: a function, a :class:`FunctionTool`, a :class:`Formula` or ``WEB_SEARCH_TOOL``."""


@dataclass(frozen=True)
class _Call:
    id: str
    name: str
    arguments: str


class _Run:
    """The state of one loop; the sync and async drivers share it."""

    def __init__(
        self,
        model: str,
        messages: Iterable[object],
        max_steps: int,
        budget: int | None,
        on_error: OnToolError,
    ) -> None:
        self.model = model
        self.messages: list[dict[str, Any]] = [dict(cast("Mapping[str, Any]", m)) for m in messages]
        self.max_steps, self.budget, self.on_error = max_steps, budget, on_error
        self.functions: dict[str, FunctionTool] = {}
        self.formulas: dict[str, str] = {}
        self.declared: list[Any] = []
        self.searching = False
        self.records: list[ToolCallRecord] = []
        self.steps = 0
        self.tokens = 0

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
        tool = spec if isinstance(spec, FunctionTool) else function_tool(cast("Callable[..., Any]", spec))
        self.functions[tool.name] = tool
        self.declared.append(tool.param)
        return None

    def add_formula(self, uri: str, declarations: Sequence[Mapping[str, Any]]) -> None:
        for declaration in declarations:
            self.formulas[str(declaration["function"]["name"])] = uri
            self.declared.append(dict(declaration))

    def request(self, create_kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs = thinking_for_search(self.model, create_kwargs) if self.searching else create_kwargs
        return {**kwargs, "model": self.model, "messages": self.messages, "tools": self.declared}

    def _stop(self, error: type[ToolLoopError], message: str) -> ToolLoopError:
        return error(message, messages=list(self.messages), steps=self.steps, total_tokens=self.tokens)

    def absorb(self, completion: KimiChatCompletion) -> list[_Call] | None:
        """Take an answer in: the calls to run, or ``None`` when the model has answered."""
        self.steps += 1
        self.tokens += total_tokens(completion)
        choice = completion.choices[0]
        calls = [
            _Call(c.id, str(getattr(c, "function").name), str(getattr(c, "function").arguments))  # noqa: B009
            for c in choice.message.tool_calls or []
        ]
        if choice.finish_reason != "tool_calls" or not calls:
            return None
        if self.steps >= self.max_steps:
            raise self._stop(
                MaxStepsExceededError,
                f"the model still called tools after max_steps={self.max_steps} requests; raise max_steps= "
                "(the transcript up to the unanswered turn is on this error's .messages).",
            )
        if self.budget is not None and self.tokens >= self.budget:
            raise self._stop(
                TokenBudgetExceededError,
                f"{self.tokens} tokens used, max_tokens_budget={self.budget}; raise the budget to go on "
                "(the transcript up to the unanswered turn is on this error's .messages).",
            )
        self.messages.append(echo_dict(choice.message))
        return calls

    def failed(self, call: _Call, exc: BaseException) -> str:
        """The text sent back for a failed call, or raise when ``on_tool_error="raise"``."""
        text = f"Error: {type(exc).__name__}: {exc}"
        if self.on_error == "raise":
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


def _run_call(client: KimiOpenAI, run: _Run, call: _Call) -> tuple[str, str | None]:
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


async def _async_run_call(client: AsyncKimiOpenAI, run: _Run, call: _Call) -> tuple[str, str | None]:
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


async def _run_turn(client: AsyncKimiOpenAI, run: _Run, calls: list[_Call]) -> list[tuple[str, str | None]]:
    """Run the calls of one turn concurrently; the outcomes come back in the calls' order."""
    outcomes: list[tuple[str, str | None]] = [("", None)] * len(calls)

    async def one(index: int, call: _Call) -> None:
        outcomes[index] = await _async_run_call(client, run, call)

    try:
        async with anyio.create_task_group() as group:
            for index, call in enumerate(calls):
                group.start_soon(one, index, call)
    except BaseExceptionGroup as group_error:
        # on_tool_error="raise": surface the tool's own error, not anyio's group.
        raise group_error.exceptions[0] from None
    return outcomes


def _start(
    model: str,
    messages: Iterable[object],
    tools: Iterable[object],
    max_steps: int,
    budget: int | None,
    on_tool_error: OnToolError,
) -> tuple[_Run, list[str]]:
    run = _Run(model, messages, max_steps, budget, on_tool_error)
    uris = [uri for uri in (run.add(spec) for spec in tools) if uri is not None]
    return run, uris


def run_tools(
    client: KimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ToolSpec],
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens_budget: int | None = None,
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
        on_tool_error: ``"return"`` sends a failing tool's error text to the model as its result;
            ``"raise"`` stops with :class:`ToolExecutionError`.
        **create_kwargs: any other ``create`` argument (``thinking``, ``max_tokens``...).

    Raises:
        MaxStepsExceededError, TokenBudgetExceededError, ToolExecutionError: all :class:`ToolLoopError`,
            carrying the transcript so far.
    """
    run, uris = _start(model, messages, tools, max_steps, max_tokens_budget, on_tool_error)
    for uri in uris:
        run.add_formula(uri, cast("list[Mapping[str, Any]]", client.formulas.tools(uri)))
    create = cast("Callable[..., KimiChatCompletion]", client.chat.completions.create)
    kwargs = dict(create_kwargs)
    while True:
        completion = create(**run.request(kwargs))
        calls = run.absorb(completion)
        if calls is None:
            return run.result(completion)
        for call in calls:
            run.answer(call, *_run_call(client, run, call))


async def async_run_tools(
    client: AsyncKimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ToolSpec],
    max_steps: int = DEFAULT_MAX_STEPS,
    max_tokens_budget: int | None = None,
    on_tool_error: OnToolError = "return",
    **create_kwargs: object,
) -> ToolRunResult:
    """The async :func:`run_tools`: the calls of one turn run concurrently, results kept in the model's order."""
    run, uris = _start(model, messages, tools, max_steps, max_tokens_budget, on_tool_error)
    for uri in uris:
        run.add_formula(uri, cast("list[Mapping[str, Any]]", await client.formulas.tools(uri)))
    create = cast("Callable[..., Awaitable[KimiChatCompletion]]", client.chat.completions.create)
    kwargs = dict(create_kwargs)
    while True:
        completion = await create(**run.request(kwargs))
        calls = run.absorb(completion)
        if calls is None:
            return run.result(completion)
        outcomes = await _run_turn(client, run, calls)
        for call, outcome in zip(calls, outcomes, strict=True):
            run.answer(call, *outcome)
