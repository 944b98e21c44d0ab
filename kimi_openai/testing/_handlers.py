"""Chat, models, token estimate and balance endpoints."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ._chat import Reply, ReplyOptions, choice_count, completion_wire, plan_reply
from ._chat_rules import ChatContext, find_model, validate_chat
from ._chat_stream import stream_chunks
from ._script import CHAT_PATH, DroppedStream, TextReply, ToolCallsReply
from ._tokens import prompt_tokens
from ._types import EmulatorResponse, JSONObject, RecordedRequest
from ._wire import (
    EmulatorError,
    as_list,
    as_object,
    bad_request,
    json_response,
    not_found,
    request_object,
    sse_response,
)

if TYPE_CHECKING:
    from ._state import State

QUOTA_MESSAGE = (
    "Your account is not active, organization org-emulator exceeded current quota, "
    "please check your plan and billing details"
)
"""Worded after the live answer in MoonshotAI/Kimi-K2 #5 (moonshot-api.md §7)."""


def request_json(request: RecordedRequest) -> JSONObject:
    return request_object(request.body)


def chat_completions(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del match
    body = request_json(request)
    ctx = validate_chat(state.catalogue, body)
    if state.balance.available_balance <= 0:
        # A non-positive available balance fails inference [KD-balance].
        raise EmulatorError(429, "exceeded_current_quota_error", QUOTA_MESSAGE)
    scripted = state.script.take_chat(CHAT_PATH if request.path == CHAT_PATH else request.path)
    drop_after: int | None = None
    if isinstance(scripted, DroppedStream):
        drop_after, scripted = scripted.after_chunks, scripted.reply
    return _answer(state, ctx, scripted, drop_after)


def complete(state: State, body: JSONObject) -> JSONObject:
    """A non-stream completion without the script, as a batch line gets it."""
    ctx = validate_chat(state.catalogue, body)
    return _completion(state, ctx, None)[2]


def _completion(
    state: State, ctx: ChatContext, scripted: TextReply | ToolCallsReply | None
) -> tuple[JSONObject, Reply, JSONObject]:
    options = ReplyOptions(state.config.web_search_tokens, state.config.builtin_call_type)
    cached = state.cache.lookup_and_store(ctx.messages) if ctx.card.prompt_caching else 0
    reply = plan_reply(ctx, scripted, options, cached)
    header: JSONObject = {
        "id": state.ids.next("chatcmpl-", 24),
        "object": "chat.completion",
        "created": state.clock(),
        "model": ctx.card.id,
    }
    return header, reply, completion_wire(header["id"], header["created"], ctx, reply)


def _answer(
    state: State, ctx: ChatContext, scripted: TextReply | ToolCallsReply | None, drop_after: int | None
) -> EmulatorResponse:
    header, reply, wire = _completion(state, ctx, scripted)
    if not ctx.body.get("stream"):
        response = json_response(wire)
        return EmulatorResponse(response.status, response.headers, response.body, drop_after=drop_after)
    include_usage = (as_object(ctx.body.get("stream_options")) or {}).get("include_usage") is True
    header["object"] = "chat.completion.chunk"
    events = stream_chunks(header, reply, choice_count(ctx), state.config.stream_usage, include_usage)
    return sse_response(events, drop_after)


def list_models(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request, match
    return json_response({"object": "list", "data": [card.to_wire() for card in state.catalogue]})


def retrieve_model(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    card = state.catalogue.get(match["model"])
    if card is None:
        raise not_found(f"Not found the model {match['model']} or Permission denied")
    return json_response(card.to_wire())


def estimate_tokens(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    """``POST /v1/tokenizers/estimate-token-count`` → ``{"data": {"total_tokens": N}}`` [KD-estimate]."""
    del match
    body = request_json(request)
    find_model(state.catalogue, body)
    messages = as_list(body.get("messages"))
    if not messages:
        raise bad_request("Invalid request: messages must not be empty")  # ⚠ wording
    entries = [message for m in messages if (message := as_object(m)) is not None]
    total = prompt_tokens(entries, as_list(body.get("tools")))
    return json_response({"data": {"total_tokens": total}})


def balance(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    """``GET /v1/users/me/balance``, the documented envelope [KD-balance]."""
    del request, match
    data = {
        "available_balance": state.balance.available_balance,
        "voucher_balance": state.balance.voucher_balance,
        "cash_balance": state.balance.cash_balance,
    }
    return json_response({"code": 0, "data": data, "scode": "0x0", "status": True})
