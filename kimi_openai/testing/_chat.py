"""``POST /v1/chat/completions``: what the emulator answers once a request passed the rules.

Shapes from moonshot-api.md §1.2 ([KD-chat]), §3 (reasoning_content), §4 (partial mode) and
§5 ($web_search). Answers are deterministic: the default reply quotes the last user message.

Tool call ids use K2's native format ``functions.{name}:{idx}``, ``idx`` counting every tool call
of the conversation so far (MoonshotAI/Kimi-K2 ``docs/tool_call_guidance.md``). The official
examples also show ``search:0`` and ``call_xxx`` (moonshot-api.md §9.5); a script can set any id.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._chat_rules import ChatContext
from ._script import TextReply, ToolCall, ToolCallsReply
from ._tokens import message_tokens, text_tokens
from ._types import JSONObject, Usage
from ._wire import as_list, as_object

WEB_SEARCH = "$web_search"
SNIPPET_CHARS = 80


@dataclass(frozen=True)
class WireToolCall:
    id: str
    type: str
    name: str
    arguments: str

    def to_wire(self, index: int) -> JSONObject:
        return {
            "index": index,
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class Reply:
    """One planned answer, before it is encoded as a body or as SSE chunks."""

    content: str
    reasoning: str | None
    tool_calls: tuple[WireToolCall, ...]
    finish_reason: str
    usage: JSONObject


def tool_call_id(name: str, index: int) -> str:
    return f"functions.{name}:{index}"


@dataclass(frozen=True)
class ReplyOptions:
    """The emulator settings that shape chat answers."""

    web_search_tokens: int
    builtin_call_type: str
    call_id: Callable[[str, int], str] = tool_call_id
    """The id of an unscripted-id call from its name and its index in the conversation."""


class PrefixCache:
    """Automatic prefix caching (K2 and later, moonshot-api.md §1.9).

    A request whose first k messages were all sent before reports their tokens as
    ``cached_tokens``; ``prompt_tokens`` still includes them (Bike4Mind PR #1089).
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def lookup_and_store(self, messages: Sequence[JSONObject]) -> int:
        keys = [_prefix_key(messages[: k + 1]) for k in range(len(messages))]
        with self._lock:
            hits = 0
            while hits < len(keys) and keys[hits] in self._seen:
                hits += 1
            self._seen.update(keys)
        return sum(message_tokens(m) for m in messages[:hits])


def _prefix_key(messages: Sequence[JSONObject]) -> str:
    return hashlib.sha256(json.dumps(list(messages), sort_keys=True).encode()).hexdigest()


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 3] + "..."


def content_text(content: Any) -> str:
    """The text of a message content, string or part array."""
    if isinstance(content, str):
        return content
    parts = [as_object(p) or {} for p in as_list(content) or []]
    return " ".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


def last_user_text(messages: Sequence[JSONObject]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def default_reply_text(messages: Sequence[JSONObject]) -> str:
    """What the emulator says when nothing is scripted: it quotes the last user message."""
    return f"You said: {snippet(last_user_text(messages))}"


def default_reasoning(messages: Sequence[JSONObject]) -> str:
    return f"The user wrote: {snippet(last_user_text(messages))}. I will answer briefly."


def _calls_so_far(messages: Sequence[JSONObject]) -> int:
    return sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")


def plan_reply(
    ctx: ChatContext, scripted: TextReply | ToolCallsReply | None, options: ReplyOptions, cached: int
) -> Reply:
    """The answer to a valid request: the scripted one, else the default for the conversation."""
    search_tokens = 0
    if scripted is None:
        scripted, search_tokens = _default_script(ctx, options)
    first_index = _calls_so_far(ctx.messages)
    calls = tuple(
        _wire_call(call, first_index + i, options)
        for i, call in enumerate(scripted.calls if isinstance(scripted, ToolCallsReply) else ())
    )
    reasoning = scripted.reasoning
    if reasoning is None and ctx.thinking:
        reasoning = default_reasoning(ctx.messages)
    content = _strip_prefix(ctx, scripted.content)
    finish = "tool_calls" if calls else scripted.finish_reason if isinstance(scripted, TextReply) else "stop"
    content, finish = _apply_max_tokens(ctx.body, content, reasoning, finish)
    usage = scripted.usage or _usage(ctx, content, reasoning, calls, search_tokens, cached)
    return Reply(content, reasoning, calls, finish, _usage_wire(usage, ctx))


def _default_script(ctx: ChatContext, options: ReplyOptions) -> tuple[TextReply | ToolCallsReply, int]:
    last = ctx.messages[-1]
    searching = any(_tool_name(t) == WEB_SEARCH for t in ctx.tools)
    if searching and last.get("role") == "user":
        return ToolCallsReply((_search_call(ctx.messages, options),)), 0
    if last.get("role") == "tool":
        if _answered_call_name(ctx.messages, last) == WEB_SEARCH:
            text = f"Here is what the web says about: {snippet(last_user_text(ctx.messages))}"
            return TextReply(text), _search_tokens(last.get("content"))
        result = snippet(content_text(last.get("content")))
        return TextReply(f"The tool {last.get('name') or 'call'} returned: {result}"), 0
    if ctx.partial is not None:
        return TextReply(f" (continued) {default_reply_text(ctx.messages)}"), 0
    return TextReply(default_reply_text(ctx.messages)), 0


def _tool_name(tool: Any) -> str | None:
    name = (as_object((as_object(tool) or {}).get("function")) or {}).get("name")
    return name if isinstance(name, str) else None


def _search_call(messages: Sequence[JSONObject], options: ReplyOptions) -> ToolCall:
    query = last_user_text(messages)
    search_id = "search-" + hashlib.sha256(query.encode()).hexdigest()[:24]
    # Arguments as in third-party fixtures (moonshot-api.md §5); the client echoes them unchanged.
    arguments = {
        "search_result": {"search_id": search_id},
        "usage": {"total_tokens": options.web_search_tokens},
    }
    return ToolCall(WEB_SEARCH, arguments)


def _answered_call_name(messages: Sequence[JSONObject], tool_message: JSONObject) -> str | None:
    if tool_message.get("name"):
        return str(tool_message["name"])
    wanted = tool_message.get("tool_call_id")
    for message in messages:
        for call in as_list(message.get("tool_calls")) or []:
            if (as_object(call) or {}).get("id") == wanted:
                return _tool_name(call)
    return None


def _search_tokens(content: Any) -> int:
    try:
        usage = json.loads(content_text(content)).get("usage", {})
        return int(usage.get("total_tokens", 0))
    except (ValueError, AttributeError, TypeError):
        return 0


def _wire_call(call: ToolCall, index: int, options: ReplyOptions) -> WireToolCall:
    arguments = (
        call.arguments
        if isinstance(call.arguments, str)
        else json.dumps(dict(call.arguments), ensure_ascii=False)
    )
    # ⚠ A returned builtin call carries type "builtin_function" in third-party fixtures (§5).
    kind = options.builtin_call_type if call.name.startswith("$") else "function"
    return WireToolCall(call.id or options.call_id(call.name, index), kind, call.name, arguments)


def _strip_prefix(ctx: ChatContext, content: str) -> str:
    # Partial mode answers only the continuation, never the prefix [docs/api/partial].
    partial = ctx.partial
    prefix = content_text(partial.get("content")) if partial is not None else ""
    if prefix and content.startswith(prefix):
        return content[len(prefix) :]
    return content


def _apply_max_tokens(body: JSONObject, content: str, reasoning: str | None, finish: str) -> tuple[str, str]:
    # Reasoning tokens count toward max_tokens [MS-2026-01 thinking]. ⚠ Which of the two fields
    # the server honours is disputed (§2.2); the emulator honours either.
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if not isinstance(limit, int) or finish == "tool_calls":
        return content, finish
    budget = limit - text_tokens(reasoning or "")
    if text_tokens(content) <= budget:
        return content, finish
    return content[: max(budget, 0) * 4], "length"


def _usage(
    ctx: ChatContext,
    content: str,
    reasoning: str | None,
    calls: Sequence[WireToolCall],
    search_tokens: int,
    cached: int,
) -> Usage:
    completion = text_tokens(content) + text_tokens(reasoning or "")
    completion += sum(text_tokens(c.name) + text_tokens(c.arguments) for c in calls)
    # Search results count toward prompt_tokens (moonshot-api.md §5).
    return Usage(ctx.prompt_tokens + search_tokens, completion * _choice_count(ctx.body), cached)


def _usage_wire(usage: Usage, ctx: ChatContext) -> JSONObject:
    wire: JSONObject = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
    }
    if ctx.card.prompt_caching:
        # Top level, as documented [KD-chat; CN-chat]; only models with automatic caching send it.
        wire["cached_tokens"] = usage.cached_tokens
    return wire


def _choice_count(body: JSONObject) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and n > 1 else 1


def message_wire(reply: Reply) -> JSONObject:
    message: JSONObject = {"role": "assistant", "content": reply.content}
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [call.to_wire(i) for i, call in enumerate(reply.tool_calls)]
    return message


def completion_wire(completion_id: str, created: int, ctx: ChatContext, reply: Reply) -> JSONObject:
    """The non-stream body [KD-chat]."""
    message = message_wire(reply)
    choices = [
        {"index": i, "message": message, "finish_reason": reply.finish_reason}
        for i in range(_choice_count(ctx.body))
    ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": ctx.card.id,
        "choices": choices,
        "usage": reply.usage,
    }


def choice_count(ctx: ChatContext) -> int:
    return _choice_count(ctx.body)
