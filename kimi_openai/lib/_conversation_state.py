"""What :class:`~kimi_openai.lib.Conversation` and its async twin share: history, usage, streamed turns.

Nothing here does I/O: the sync and async classes in ``conversation.py`` only add
the calls to the client.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from openai.types import CompletionUsage
from pydantic import BaseModel

from kimi_openai._reasoning_echo import echo_message
from kimi_openai._rules.model_specs import Currency, KnownModel, get_model_spec
from kimi_openai.types.chat import KimiChatCompletion

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

_PER_MILLION = 1_000_000


def _cached_tokens(usage: CompletionUsage) -> int:
    # Documented at the top level, seen live inside prompt_tokens_details too
    # (https://platform.kimi.ai/docs/api/chat; AstrBotDevs/AstrBot #6614): top level first.
    top = getattr(usage, "cached_tokens", None)
    if isinstance(top, int):
        return top
    details = usage.prompt_tokens_details
    nested = details.cached_tokens if details is not None else None
    return nested if isinstance(nested, int) else 0


@dataclass(slots=True)
class TokenCounts:
    """Tokens billed for the requests of one model."""

    requests: int = 0
    prompt_tokens: int = 0
    """Input tokens, cache hits included (Moonshot counts them in ``prompt_tokens``)."""
    completion_tokens: int = 0
    """Output tokens, reasoning included."""
    cached_tokens: int = 0
    """Input tokens served from the prompt cache (billed at the cache-hit price)."""


@dataclass(slots=True)
class ConversationUsage:
    """Tokens and list-price cost of every request a conversation made, per model."""

    by_model: dict[str, TokenCounts] = field(default_factory=dict[str, TokenCounts])
    currency: Currency = "USD"
    """The currency :meth:`cost` uses by default: the one the client's platform bills in."""

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
        if usage is not None:
            counts.prompt_tokens += usage.prompt_tokens
            counts.completion_tokens += usage.completion_tokens
            counts.cached_tokens += _cached_tokens(usage)

    def cost(self, currency: Currency | None = None) -> float | None:
        """List-price cost from the model specs' prices (``ModelSpec.prices``), per million tokens.

        Cache hits at the cache-hit price, the rest of the prompt at the cache-miss price,
        output (reasoning included) at the output price. ``None`` when a model used has no
        price in ``currency`` in the spec table. Discounts and tool fees are not counted.
        """
        currency = currency or self.currency
        total = 0.0
        for model, counts in self.by_model.items():
            price = next((p for p in get_model_spec(model).prices if p.currency == currency), None)
            if price is None:
                return None
            hit = price.cache_miss if price.cache_hit is None else price.cache_hit
            missed = counts.prompt_tokens - counts.cached_tokens
            total += (
                counts.cached_tokens * hit
                + missed * price.cache_miss
                + counts.completion_tokens * price.output
            )
        return total / _PER_MILLION

    def copy(self) -> ConversationUsage:
        return ConversationUsage({m: copy.copy(c) for m, c in self.by_model.items()}, self.currency)


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


class ConversationState:
    """History, defaults and usage of a conversation; the I/O is in the subclasses."""

    def __init__(
        self,
        *,
        model: str | KnownModel,
        messages: Iterable[MessageInput],
        defaults: Mapping[str, object],
        currency: Currency = "USD",
    ) -> None:
        if "stream" in defaults or "messages" in defaults:
            raise TypeError("pass messages= as the history; streaming is chosen per turn with .stream()")
        self.model: str | KnownModel = model
        """The model of every turn (a turn's ``model=`` overrides it)."""
        self.defaults: dict[str, object] = dict(defaults)
        """``create`` keywords sent with every turn (``tools``, ``thinking``, ``prompt_cache_key``...)."""
        self.usage = ConversationUsage(currency=currency)
        """Tokens and cost of every request this conversation made."""
        self.last: KimiChatCompletion | None = None
        """The latest answer, also one left out of the history (an empty answer cut off by ``max_tokens``)."""
        self._messages: list[dict[str, Any]] = [as_message(m) for m in messages]

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
        fork.usage = self.usage.copy()
        fork.last = self.last
        fork._messages = copy.deepcopy(self._messages)

    def _request(
        self, message: MessageInput | None, kwargs: Mapping[str, object]
    ) -> tuple[list[dict[str, Any]], str, dict[str, object]]:
        """The messages, model and other keywords of the next turn's ``create``."""
        if "stream" in kwargs or "messages" in kwargs:
            raise TypeError("send() and stream() take the turn, not messages= or stream=")
        arguments = {**self.defaults, **kwargs}
        model = arguments.pop("model", self.model)
        messages = [*self._messages] if message is None else [*self._messages, as_message(message)]
        return messages, str(model), arguments

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
        if completion.choices:
            answer = dict(echo_message(completion.choices[0].message))
            if answer.get("tool_calls") or answer.get("content") not in (None, "", []):
                self._messages.append(answer)
