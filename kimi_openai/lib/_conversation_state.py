"""What :class:`~kimi_openai.lib.Conversation` and its async twin share: history, usage, streamed turns.

Nothing here does I/O: the sync and async classes in ``conversation.py`` only add
the calls to the client.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

from openai.types import CompletionUsage
from pydantic import BaseModel

from kimi_openai._reasoning_echo import echo_message
from kimi_openai._rules.model_specs import KnownModel
from kimi_openai._usage import Prices, TokenCounts, cached_tokens, requests_cost
from kimi_openai.types.balance import Currency
from kimi_openai.types.chat import KimiChatCompletion
from kimi_openai.types.tool_run import ToolRunResult

from ._function_tool import FunctionTool, function_tool
from .tools import Formula, LoopLimits, LoopRun, start_run

__all__ = [
    "ConversationCheckpoint",
    "ConversationState",
    "ConversationUsage",
    "MessageInput",
    "StreamedTurn",
    "TokenCounts",
]

MessageInput = str | Mapping[str, Any] | BaseModel
"""A turn to add: user text, a message dict, or a message object returned by the client."""


@dataclass(slots=True)
class ConversationUsage:
    """Tokens and cost of every request a conversation made, per model and per request."""

    by_model: dict[str, TokenCounts] = field(default_factory=dict[str, TokenCounts])
    currency: Currency = "USD"
    """The currency :meth:`cost` uses by default: the one the client's platform bills in."""
    per_request: list[tuple[str, int, int, int]] = field(default_factory=list[tuple[str, int, int, int]])
    """``(model, prompt_tokens, completion_tokens, cached_tokens)`` of each request, in order (tiered prices need them)."""

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self.by_model.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.by_model.values())

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.by_model.values())

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cached_tokens(self) -> int:
        return sum(c.cached_tokens for c in self.by_model.values())

    @property
    def cache_hit_ratio(self) -> float | None:
        """Share of prompt tokens served from the prompt cache; ``None`` before any prompt token."""
        prompt = self.prompt_tokens
        return self.cached_tokens / prompt if prompt else None

    def add(self, model: str, usage: CompletionUsage | None) -> None:
        """Count one request (a request whose answer had no usage counts with zero tokens)."""
        counts = self.by_model.setdefault(model, TokenCounts())
        counts.requests += 1
        prompt, completion, cached = (
            (0, 0, 0)
            if usage is None
            else (usage.prompt_tokens, usage.completion_tokens, cached_tokens(usage))
        )
        counts.prompt_tokens += prompt
        counts.completion_tokens += completion
        counts.cached_tokens += cached
        self.per_request.append((model, prompt, completion, cached))

    def cost(self, currency: Currency | None = None, *, prices: Prices | None = None) -> float | None:
        """The cost of every request: list prices (``ModelSpec.prices``) in ``currency``, or ``prices``.

        Cache hits at the cache-hit price, the rest of the prompt at the input (cache-miss) price,
        output (reasoning included) at the output price, per million tokens; a tiered price
        applies per request, by its prompt size. ``None`` when a model used has no price (in
        ``currency`` in the spec table, or in ``prices``). Discounts and tool fees are not counted.

        Raises:
            KimiValidationError: ``prices`` in a shape :func:`~kimi_openai.usage_cost` does not read.
        """
        return requests_cost(self.per_request, currency or self.currency, prices)

    def copy(self) -> ConversationUsage:
        return ConversationUsage(
            {m: copy.copy(c) for m, c in self.by_model.items()}, self.currency, list(self.per_request)
        )


@dataclass(frozen=True, slots=True)
class ConversationCheckpoint:
    """The history at one point, to go back to with ``restore``."""

    messages: tuple[dict[str, Any], ...]


def as_message(message: MessageInput) -> dict[str, Any]:
    """A turn as the dict sent in ``messages``."""
    if isinstance(message, str):
        return {"role": "user", "content": message}
    if isinstance(message, BaseModel):
        return dict(echo_message(message))
    return dict(message)


class StreamedTurn:
    """The first choice of a streamed answer, put back together from its chunks."""

    def __init__(self) -> None:
        self._header: dict[str, Any] = {}
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._finish_reason: str | None = None
        self._usage: CompletionUsage | None = None

    def add(self, chunk: BaseModel) -> None:
        """Take in one chunk (``KimiChatCompletionChunk`` or openai's)."""
        if not self._header:
            self._header = {
                k: getattr(chunk, k, None) for k in ("id", "created", "model", "system_fingerprint")
            }
        usage = getattr(chunk, "usage", None)
        for choice in getattr(chunk, "choices", None) or ():
            if getattr(choice, "index", 0) != 0:
                continue
            usage = usage or getattr(choice, "usage", None)  # Moonshot's legacy place for it
            self._finish_reason = getattr(choice, "finish_reason", None) or self._finish_reason
            self._add_delta(getattr(choice, "delta", None))
        if isinstance(usage, CompletionUsage):
            self._usage = usage

    def _add_delta(self, delta: object) -> None:
        if delta is None:
            return
        reasoning = getattr(delta, "reasoning_content", None)
        if isinstance(reasoning, str):
            self._reasoning.append(reasoning)
        content = getattr(delta, "content", None)
        if isinstance(content, str):
            self._content.append(content)
        for call in getattr(delta, "tool_calls", None) or ():
            # id, type and name come in a call's first delta, argument fragments after (stitched by index).
            slot = self._calls.setdefault(getattr(call, "index", 0), {"arguments": []})
            for key in ("id", "type"):
                value = getattr(call, key, None)
                if value:
                    slot[key] = value
            function = getattr(call, "function", None)
            if function is not None:
                if getattr(function, "name", None):
                    slot["name"] = function.name
                if getattr(function, "arguments", None):
                    slot["arguments"].append(function.arguments)

    def message(self) -> dict[str, Any]:
        """The assistant message so far, as the API would have returned it."""
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self._content)}
        if self._reasoning:
            message["reasoning_content"] = "".join(self._reasoning)
        if self._calls:
            message["tool_calls"] = [
                {
                    "id": slot.get("id"),
                    "type": slot.get("type", "function"),
                    "function": {"name": slot.get("name"), "arguments": "".join(slot["arguments"])},
                }
                for _, slot in sorted(self._calls.items())
            ]
        return message

    def completion(self) -> KimiChatCompletion:
        """The streamed answer as a non-streamed completion (first choice, usage included)."""
        values: dict[str, Any] = {
            **{k: v for k, v in self._header.items() if v is not None},
            "object": "chat.completion",
            "choices": [
                {"index": 0, "message": self.message(), "finish_reason": self._finish_reason or "stop"}
            ],
        }
        if self._usage is not None:
            values["usage"] = self._usage.model_dump(exclude_unset=True)
        # construct() (as openai builds responses) keeps a builtin_function call's type as sent.
        return KimiChatCompletion.construct(**values)


LOOP_OPTIONS: Final = (
    "max_steps",
    "max_tokens_budget",
    "repeated_call_limit",
    "read_only_streak_limit",
    "compact",
    "on_tool_error",
)
"""Keywords a conversation hands its tool loop (when ``tools`` holds functions), not ``create``."""


@functools.cache
def _create_keywords() -> frozenset[str]:
    """What ``chat.completions.create`` takes: the installed openai's parameters, and Kimi's ``thinking``."""
    from openai.resources.chat.completions import Completions

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"} | {"thinking"}


def check_keywords(owner: str, given: Mapping[str, object]) -> None:
    """``TypeError`` for a keyword neither ``create`` nor the tool loop takes, before any request."""
    unknown = [name for name in given if name not in _create_keywords() and name not in LOOP_OPTIONS]
    if unknown:
        raise TypeError(
            f"{owner} got an unexpected keyword argument {unknown[0]!r}: pass chat.completions.create() "
            f"arguments (thinking, max_tokens, tools...), tool-loop options ({', '.join(LOOP_OPTIONS)}), "
            "or a field this SDK does not name in extra_body={...}."
        )


def runnable(tools: object) -> bool:
    """Whether ``tools`` holds something the conversation runs itself (a function, a formula)."""
    return isinstance(tools, list) and any(
        isinstance(t, FunctionTool | Formula) for t in cast("list[object]", tools)
    )


def prepared(arguments: Mapping[str, object]) -> dict[str, object]:
    """``arguments`` with the functions in ``tools`` made into :class:`FunctionTool`\\ s (schemas read once).

    Raises what the tool loop would: a function it cannot describe, a bare declaration beside
    functions, a limit below 1.
    """
    result = dict(arguments)
    tools = result.get("tools")
    if isinstance(tools, Iterable) and not isinstance(tools, str | bytes | Mapping):
        items: list[object] = [_as_tool(t) for t in cast("Iterable[object]", tools)]
        result["tools"] = items
        if runnable(items):
            check = LoopRun("", (), LoopLimits(**{n: result[n] for n in LOOP_OPTIONS if n in result}))  # pyright: ignore[reportArgumentType]
            for item in items:
                if not isinstance(item, Formula):
                    check.add(item)
    return result


def _as_tool(tool: object) -> object:
    """A plain function as a :class:`FunctionTool`; anything else as it is."""
    if isinstance(tool, FunctionTool | Formula | Mapping) or not callable(tool):
        return cast("object", tool)
    return function_tool(cast("Callable[..., Any]", tool))


def declarations(tools: list[object]) -> list[object]:
    """The declarations of runnable tools, for a turn that only declares them (``stream``, ``estimate_tokens``)."""
    declared: list[object] = []
    for tool in tools:
        if isinstance(tool, Formula):
            raise TypeError(
                f"Formula({tool.uri!r}) is declared by Moonshot when the tool loop runs: use send(), "
                "or declare its tools yourself with client.formulas.tools(uri)."
            )
        declared.append(tool.param if isinstance(tool, FunctionTool) else tool)
    return declared


class ConversationState:
    """History, defaults and usage of a conversation; the I/O is in the subclasses."""

    def __init__(
        self,
        *,
        model: str | KnownModel,
        messages: Iterable[MessageInput],
        defaults: Mapping[str, object],
        currency: Currency = "USD",
        system: str | None = None,
    ) -> None:
        if "stream" in defaults or "messages" in defaults:
            raise TypeError("pass messages= as the history; streaming is chosen per turn with .stream()")
        check_keywords(f"{type(self).__name__}()", defaults)
        self.model: str | KnownModel = model
        """The model of every turn (a turn's ``model=`` overrides it)."""
        self.defaults: dict[str, object] = prepared(defaults)
        """``create`` keywords and tool-loop options sent with every turn (``tools``, ``thinking``...)."""
        self.usage = ConversationUsage(currency=currency)
        """Tokens and cost of every request this conversation made."""
        self.last: KimiChatCompletion | None = None
        """The latest answer, also one left out of the history (an empty answer cut off by ``max_tokens``)."""
        self.last_run: ToolRunResult | None = None
        """The latest turn that ran tools: every call, its result and the steps it took."""
        self._messages: list[dict[str, Any]] = [as_message(m) for m in messages]
        if system is not None:
            if self._messages and self._messages[0].get("role") == "system":
                raise TypeError("messages= already starts with a system message: give the system prompt once")
            self._messages.insert(0, {"role": "system", "content": system})

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The history, as sent (assistant turns with their ``reasoning_content``). The live list."""
        return self._messages

    def add(self, message: MessageInput) -> None:
        """Append a turn without sending anything."""
        self._messages.append(as_message(message))

    def add_tool_result(self, tool_call_id: str, content: object, *, name: str | None = None) -> None:
        """Answer one tool call: ``content`` as is when a string, else as JSON.

        Every tool call needs its ``role: "tool"`` message before the next turn
        (https://platform.moonshot.ai/docs/guide/use-kimi-api-to-complete-tool-calls). ``name``
        is what the ``$web_search`` flow sends back (https://platform.kimi.ai/docs/guide/use-web-search).
        """
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        message: dict[str, Any] = {"role": "tool", "tool_call_id": tool_call_id, "content": text}
        if name is not None:
            message["name"] = name
        self._messages.append(message)

    @property
    def pending_tool_calls(self) -> list[dict[str, Any]]:
        """Tool calls of the latest assistant turn that have no tool result yet."""
        answered: set[object] = set()
        for message in reversed(self._messages):
            if message.get("role") == "tool":
                answered.add(message.get("tool_call_id"))
            elif message.get("role") == "assistant":
                calls = cast("list[dict[str, Any]]", message.get("tool_calls") or [])
                return [call for call in calls if call.get("id") not in answered]
        return []

    def checkpoint(self) -> ConversationCheckpoint:
        """The history now; ``restore`` goes back to it. Usage is not rolled back (it was spent)."""
        return ConversationCheckpoint(tuple(copy.deepcopy(self._messages)))

    def restore(self, checkpoint: ConversationCheckpoint) -> None:
        """Go back to a checkpoint's history (the same list object, emptied and refilled)."""
        self._messages[:] = copy.deepcopy(list(checkpoint.messages))

    def _forked(self, fork: ConversationState) -> None:
        fork.defaults = dict(self.defaults)
        fork.last_run = self.last_run
        fork.usage = self.usage.copy()
        fork.last = self.last
        fork._messages = copy.deepcopy(self._messages)

    def _request(
        self, message: MessageInput | None, kwargs: Mapping[str, object]
    ) -> tuple[list[dict[str, Any]], str, dict[str, object]]:
        """The messages, model and other keywords of the next turn's ``create`` (tools as declarations)."""
        if "stream" in kwargs or "messages" in kwargs:
            raise TypeError("send() and stream() take the turn, not messages= or stream=")
        check_keywords("the turn", kwargs)
        arguments = {**self.defaults, **prepared(kwargs)}
        for option in LOOP_OPTIONS:
            arguments.pop(option, None)
        if runnable(arguments.get("tools")):
            arguments["tools"] = declarations(cast("list[object]", arguments["tools"]))
        model = arguments.pop("model", self.model)
        messages = [*self._messages] if message is None else [*self._messages, as_message(message)]
        return messages, str(model), arguments

    def _tool_loop(
        self, message: MessageInput | None, kwargs: Mapping[str, object]
    ) -> tuple[LoopRun, list[str], dict[str, object]] | None:
        """The tool loop of the next turn when its ``tools`` hold functions or formulas; else ``None``."""
        if "stream" in kwargs or "messages" in kwargs:
            raise TypeError("send() takes the turn, not messages= or stream=")
        check_keywords("the turn", kwargs)
        arguments = {**self.defaults, **prepared(kwargs)}
        if not runnable(arguments.get("tools")):
            return None
        model = str(arguments.pop("model", self.model))
        options = {name: arguments.pop(name) for name in LOOP_OPTIONS if name in arguments}
        tools = cast("list[Any]", arguments.pop("tools"))
        messages = [*self._messages] if message is None else [*self._messages, as_message(message)]
        run, uris = start_run(model, messages, tools, LoopLimits(**cast("dict[str, Any]", options)))
        run.on_completion = lambda completion: self.usage.add(model, completion.usage)
        return run, uris, arguments

    def _finish_loop(self, result: ToolRunResult) -> KimiChatCompletion:
        """Keep a finished tool loop: its whole transcript, then the answer (usage was counted per request)."""
        self.last, self.last_run = result.completion, result
        self._messages[:] = result.messages
        self._append_answer(result.completion)
        return result.completion

    def _record(self, messages: list[dict[str, Any]], model: str, completion: KimiChatCompletion) -> None:
        """Keep a finished turn: the sent messages, then the answer echoed with its reasoning.

        An answer with neither text nor tool calls (a thinking turn cut off by ``max_tokens``
        before it wrote anything) stays on ``last`` only: Moonshot rejects an empty assistant
        message ("the message at position N with role 'assistant' must not be empty"), so
        appending it would make every later turn fail. ``send()`` then asks again.
        """
        self.usage.add(model, completion.usage)
        self.last = completion
        self._messages[:] = messages
        self._append_answer(completion)

    def _append_answer(self, completion: KimiChatCompletion) -> None:
        if completion.choices:
            answer = dict(echo_message(completion.choices[0].message))
            if answer.get("tool_calls") or answer.get("content") not in (None, "", []):
                self._messages.append(answer)
