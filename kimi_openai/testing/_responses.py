"""``POST /v1/responses``: what the emulator answers once a request passed the rules.

Shapes from Moonshot's Responses page, https://platform.kimi.ai/docs/api/responses ([KR]
``ResponsesResponse``, ``ResponsesOutputItem``, ``ResponsesUsage``):

- ``output`` is ordered ``web_search_call`` (if a search ran), ``reasoning``, ``message``, tool calls;
- a reasoning item has its text in ``summary[].text`` (``summary_text``) and ``encrypted_content:
  null`` ("Always null");
- ids are ``resp_…``, ``rs_…``, ``msg_…``, ``fc_…``, ``ctc_…`` and ``ws_…``; a call's ``call_id`` is
  ``{name}_{idx}`` as in [KR]'s example ``get_weather_0`` (``idx`` counts the calls of the
  conversation, as chat's ``functions.{name}:{idx}`` does);
- ``store: false``, ``background: false``, ``previous_response_id: null`` and ``conversation: null``
  always;
- usage is ``input_tokens`` (cached tokens included), ``input_tokens_details{cached_tokens,
  cache_write_tokens}``, ``output_tokens`` (reasoning included), ``output_tokens_details
  {reasoning_tokens}`` and ``total_tokens``.

The answer itself is chat's (``_chat.plan_reply``) for the chat form of the request, so a
conversation gets the same words on both endpoints. With a ``web_search`` tool and a user turn
last, the server searches first [KR "Web search"]: the emulator always does, deterministically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._chat import Reply, ReplyOptions, WireToolCall, last_user_text, plan_reply, snippet
from ._chat_rules import ChatContext
from ._handlers import QUOTA_MESSAGE
from ._responses_rules import ResponsesContext, validate_responses
from ._responses_stream import stream_events
from ._responses_tools import WebSearchSettings
from ._script import DroppedStream, TextReply, ToolCallsReply
from ._tokens import prompt_tokens, text_tokens
from ._types import EmulatorResponse, JSONObject, RecordedRequest
from ._wire import EmulatorError, as_list, as_object, json_response, request_object, sse_response

if TYPE_CHECKING:
    from ._state import State

SOURCES_INCLUDE = "web_search_call.action.sources"
IMAGES_INCLUDE = "web_search_call.results"
SEARCH_SOURCES = 3
_SLUG = re.compile(r"[^a-z0-9]+")
INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}
"""A scripted or truncated ``finish_reason`` and the ``incomplete_details.reason`` it becomes [KR]."""


def responses_call_id(name: str, index: int) -> str:
    return f"{name}_{index}"


def create_response(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del match
    ctx = validate_responses(state.catalogue, state.config.responses_rules, request_object(request.body))
    if state.balance.available_balance <= 0:
        raise EmulatorError(429, "exceeded_current_quota_error", QUOTA_MESSAGE)  # [KD-balance]
    scripted = state.script.take_chat(request.path)
    drop_after: int | None = None
    if isinstance(scripted, DroppedStream):
        drop_after, scripted = scripted.after_chunks, scripted.reply
    response = ResponseBuilder(state, ctx).build(scripted)
    if ctx.body.get("stream") is True:
        return sse_response(stream_events(response), drop_after)
    answer = json_response(response)
    return EmulatorResponse(answer.status, answer.headers, answer.body, drop_after=drop_after)


@dataclass(frozen=True)
class _Search:
    query: str
    settings: WebSearchSettings


class ResponseBuilder:
    """Builds the final ``Response`` object of one request."""

    def __init__(self, state: State, ctx: ResponsesContext) -> None:
        self.state = state
        self.ctx = ctx
        self.include = {str(v) for v in as_list(ctx.body.get("include")) or []}

    def build(self, scripted: TextReply | ToolCallsReply | None) -> JSONObject:
        ctx, state = self.ctx, self.state
        messages = ctx.converted.messages
        search = self._search()
        if scripted is None and search is not None:
            scripted = TextReply(f"Here is what the web says about: {snippet(search.query)}")
        search_tokens = state.config.web_search_tokens if search is not None else 0
        cached = state.cache.lookup_and_store(messages) if ctx.card.prompt_caching else 0
        chat = ChatContext(
            {"max_completion_tokens": ctx.body.get("max_output_tokens")},
            ctx.card,
            ctx.thinking,
            messages,
            [],
            ctx.prompt_tokens + search_tokens,
        )
        options = ReplyOptions(state.config.web_search_tokens, "function", responses_call_id)
        reply = plan_reply(chat, scripted, options, cached)
        output = ([self._search_item(search)] if search is not None else []) + self._items(reply)
        usage = self._usage(reply, scripted, cached)
        return self._response(output, usage, INCOMPLETE_REASONS.get(reply.finish_reason))

    def _search(self) -> _Search | None:
        settings = self.ctx.converted.tools.web_search
        messages = self.ctx.converted.messages
        if settings is None or messages[-1].get("role") != "user":
            return None
        return _Search(snippet(last_user_text(messages)), settings)

    def _id(self, prefix: str) -> str:
        return self.state.ids.next(prefix, 24)

    def _search_item(self, search: _Search) -> JSONObject:
        action: JSONObject = {"type": "search", "query": search.query}
        slug = _SLUG.sub("-", search.query.lower()).strip("-") or "search"
        if SOURCES_INCLUDE in self.include:
            action["sources"] = [
                {
                    "type": "url",
                    "url": f"https://example.com/{slug}/{n}",
                    "title": f"Result {n}: {search.query}",
                }
                for n in range(1, SEARCH_SOURCES + 1)
            ]
        item: JSONObject = {
            "id": self._id("ws_"),
            "type": "web_search_call",
            "status": "completed",
            "action": action,
        }
        if IMAGES_INCLUDE in self.include and search.settings.images:
            item["results"] = [_image(slug, n, search) for n in range(1, search.settings.max_images + 1)]
        return item

    def _items(self, reply: Reply) -> list[JSONObject]:
        items: list[JSONObject] = []
        if reply.reasoning is not None:
            summary = [{"type": "summary_text", "text": reply.reasoning}]
            items.append(
                {
                    "id": self._id("rs_"),
                    "type": "reasoning",
                    "summary": summary,
                    "encrypted_content": None,
                    "status": "completed",
                }
            )
        if reply.content or not reply.tool_calls:
            part: JSONObject = {"type": "output_text", "text": reply.content, "annotations": []}
            items.append(
                {
                    "id": self._id("msg_"),
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [part],
                }
            )
        items.extend(self._call_item(call) for call in reply.tool_calls)
        return items

    def _call_item(self, call: WireToolCall) -> JSONObject:
        tools = self.ctx.converted.tools
        if call.name in tools.custom:
            item: JSONObject = {"id": self._id("ctc_"), "type": "custom_tool_call", "status": "completed"}
            item.update(call_id=call.id, name=call.name, input=call.arguments)
            namespace = tools.custom[call.name]
        else:
            item = {"id": self._id("fc_"), "type": "function_call", "status": "completed"}
            item.update(call_id=call.id, name=call.name, arguments=call.arguments)
            namespace = tools.functions.get(call.name)
        if namespace is not None:
            item["namespace"] = namespace  # "Returned for namespace tool calls" [KR]
        return item

    def _usage(self, reply: Reply, scripted: TextReply | ToolCallsReply | None, cached: int) -> JSONObject:
        input_tokens = int(reply.usage["prompt_tokens"])
        output_tokens = int(reply.usage["completion_tokens"])
        if scripted is not None and scripted.usage is not None:
            cached, written = scripted.usage.cached_tokens, scripted.usage.cache_write_tokens
        elif self.ctx.card.prompt_caching:
            # ⚠ What Moonshot counts as written is not documented: the emulator reports the part of
            # the prompt its prefix cache stored just now.
            written = max(prompt_tokens(self.ctx.converted.messages) - cached, 0)
        else:
            written = 0
        return {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": written},
            "output_tokens": output_tokens,
            "output_tokens_details": {
                "reasoning_tokens": min(text_tokens(reply.reasoning or ""), output_tokens)
            },
            "total_tokens": input_tokens + output_tokens,
        }

    def _response(self, output: list[JSONObject], usage: JSONObject, incomplete: str | None) -> JSONObject:
        body, now = self.ctx.body, self.state.clock()
        text = as_object(body.get("text")) or {}
        return {
            "id": self._id("resp_"),
            "object": "response",
            "created_at": now,
            "status": "completed" if incomplete is None else "incomplete",
            "completed_at": now,
            "error": None,
            "incomplete_details": None if incomplete is None else {"reason": incomplete},
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": self.ctx.card.id,
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
            "previous_response_id": None,
            "conversation": None,
            "store": False,
            "background": False,
            "reasoning": self._reasoning(),
            "text": {"format": as_object(text.get("format")) or {"type": "text"}},
            "temperature": self._sampling("temperature", 1.0 if self.ctx.thinking else 0.6),
            "top_p": self._sampling("top_p", 0.95),
            "tool_choice": body.get("tool_choice") or "auto",
            "tools": as_list(body.get("tools")) or [],
            "metadata": as_object(body.get("metadata")) or {},
            "service_tier": body.get("service_tier"),
            "usage": usage,
        }

    def _reasoning(self) -> JSONObject | None:
        if not self.ctx.thinking:
            return None
        effort: Any = (as_object(self.ctx.body.get("reasoning")) or {}).get("effort")
        if effort is None and "max" in self.ctx.card.reasoning_efforts:
            effort = "max"  # the documented default [KR ``reasoning.effort``]
        return {"effort": effort, "summary": None}

    def _sampling(self, name: str, fixed: float) -> object:
        # Models with fixed sampling report the value they use [KD-models]; others echo the request.
        return fixed if self.ctx.card.fixed_sampling else self.ctx.body.get(name)


def _image(slug: str, n: int, search: _Search) -> JSONObject:
    result: JSONObject = {
        "type": "image_result",
        "image_url": f"https://example.com/{slug}/image-{n}.png",
        "thumbnail_url": f"https://example.com/{slug}/image-{n}-thumb.png",
        "source_website_url": f"https://example.com/{slug}/{n}",
    }
    if search.settings.captions:
        result["caption"] = f"Image {n}: {search.query}"  # only with image_settings.caption [KR]
    return result
