"""Checks of what a chat request carries: tools, stop sequences, messages and media.

Part of :func:`kimi_openai._rules.chat.prepare_chat_request`, which runs them with
the other rules; split out to keep each module short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from .schema import as_list, as_map

if TYPE_CHECKING:
    from .chat import Ctx

__all__ = ["check_messages", "check_stop", "check_tools"]

KD_CHAT: Final = "https://platform.kimi.ai/docs/api/chat"
MAX_TOOLS: Final = 128  # https://platform.moonshot.cn/docs/api/tool-use
MAX_STOP: Final = 5  # KD_CHAT `stop`
MAX_STOP_BYTES: Final = 32  # KD_CHAT `stop`
# KD_CHAT ToolDefinition.name; `$` names are builtins (https://platform.kimi.ai/docs/guide/use-web-search).
TOOL_NAME: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]{2,63}")


def check_tools(ctx: Ctx) -> None:
    tools = as_list(ctx.body.get("tools"))
    if tools is None or not ctx.platform:
        return
    if len(tools) > MAX_TOOLS:
        ctx.reject(
            f"tools ({len(tools)} entries)", f"at most {MAX_TOOLS} tools are accepted", "Drop unused tools"
        )
    for i, tool in enumerate(tools):
        spec = as_map(tool) or {}
        fn = as_map(spec.get("function")) or {}
        name = fn.get("name")
        if not isinstance(name, str) or spec.get("type") == "builtin_function":
            continue
        if name.startswith("$"):
            ctx.reject(
                f"tools[{i}] name {name!r}",
                "names starting with '$' are reserved for builtin_function tools",
                f'Declare it as {{"type": "builtin_function", "function": {{"name": "{name}"}}}}',
            )
        if not TOOL_NAME.fullmatch(name):
            ctx.reject(
                f"tools[{i}] name {name!r}",
                "names must match ^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$ (3-64 chars, no leading digit)",
                "Rename the function",
            )
        params = as_map(fn.get("parameters"))
        if params is not None and params.get("type", "object") != "object":
            ctx.reject(
                f"tools[{i}] parameters", "the schema root must be an object", "Wrap the value in an object"
            )


def check_stop(ctx: Ctx) -> None:
    stop = ctx.body.get("stop")
    items = [stop] if isinstance(stop, str) else as_list(stop)
    if items is None or not ctx.platform:
        return
    if len(items) > MAX_STOP:
        ctx.reject(f"stop ({len(items)} sequences)", f"at most {MAX_STOP} stop sequences", "Drop some")
    for item in items:
        size = len(item.encode()) if isinstance(item, str) else 0
        if size > MAX_STOP_BYTES:
            ctx.reject(
                f"stop sequence {item!r}",
                f"each is at most {MAX_STOP_BYTES} bytes (this one: {size})",
                "Shorten it",
            )


def _is_empty(content: object) -> bool:
    return content is None or content == "" or content == [] or content == ()


def check_messages(ctx: Ctx) -> None:
    messages = as_list(ctx.body.get("messages"))
    if messages is None:
        return
    fmt = as_map(ctx.body.get("response_format"))
    json_mode = fmt is not None and fmt.get("type") == "json_object"
    for i, item in enumerate(messages):
        msg = as_map(item) or {}
        _check_media(ctx, i, msg.get("content"))
        if not ctx.platform:
            continue
        subject = f"messages[{i}].partial=true"
        if msg.get("partial") is True:
            # Partial mode: the last message, role assistant, not with json_object (KD_CHAT; docs/api/partial).
            if i != len(messages) - 1:
                ctx.reject(
                    subject, "only the last message can be partial", "Move it to the end or drop `partial`"
                )
            if msg.get("role") != "assistant":
                ctx.reject(
                    subject,
                    f"only an assistant message can be partial (role is {msg.get('role')!r})",
                    "Drop `partial`",
                )
            if json_mode:
                ctx.reject(
                    subject,
                    'partial mode cannot be combined with response_format {"type": "json_object"}',
                    "Drop one",
                )
        elif msg.get("role") == "assistant" and _is_empty(msg.get("content")) and not msg.get("tool_calls"):
            # "the message at position N with role 'assistant' must not be empty" (AstrBotDevs/AstrBot #7200).
            ctx.reject(
                f"messages[{i}] (empty assistant message)",
                "an assistant message needs content or tool_calls",
                "Drop the message or give it content",
            )


def _media_url(part: Mapping[str, object], kind: str) -> str | None:
    ref = part.get(kind)  # {"url": ...} or, since 2026, a bare string (KD_CHAT)
    inner = as_map(ref)
    url = inner.get("url") if inner is not None else ref
    return url if isinstance(url, str) else None


def _check_media(ctx: Ctx, index: int, content: object) -> None:
    for item in as_list(content) or ():
        part = as_map(item) or {}
        kind = part.get("type")
        if kind not in ("image_url", "video_url"):
            continue
        label = "image" if kind == "image_url" else "video"
        supported = ctx.spec.supports_image_in if kind == "image_url" else ctx.spec.supports_video_in
        subject = f"{'an' if label == 'image' else 'a'} {label} part in messages[{index}]"
        if supported is False:
            ctx.reject(
                subject, f"this model does not accept {label} input", "Use a vision model such as 'kimi-k2.6'"
            )
        url = _media_url(part, str(kind))
        # "Plain http(s) image URLs are NOT supported" (use-kimi-vision-model, Features and Limitations).
        if (
            ctx.spec.accepts_http_media_urls is False
            and url
            and url.lower().startswith(("http://", "https://"))
        ):
            ctx.reject(
                f"{subject} with URL {url[:80]!r}",
                "only base64 data: URLs and ms://<file_id> are accepted, not http(s) URLs",
                f'Send it as a data: URL, or upload it with purpose="{label}" and use ms://<file_id>',
            )
