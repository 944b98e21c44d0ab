"""The ``input`` of a ``POST /v1/responses`` request, read into the chat messages it stands for.

Moonshot turns a Responses request into its chat form: its Responses page
(https://platform.kimi.ai/docs/api/responses, ``ResponsesInputItem``) says a replayed
``web_search_call`` is "ignored during conversion". The emulator does the same, so the Responses
endpoint counts tokens, caches prefixes and plans its answers exactly as chat does for the same
conversation:

- ``instructions`` and ``developer`` messages (and ``system`` ones, ⚠ not in the role enum but in
  openai's types) become ``system`` messages; "developer is handled as a system instruction";
- ``input_text`` and ``output_text`` parts become text; ``input_image`` becomes an image part and
  must be a ``data:`` URL ("public http(s) URLs are not supported");
- a ``reasoning`` item becomes the ``reasoning_content`` of the assistant turn after it
  (``content`` takes precedence over ``summary``);
- ``function_call`` and ``custom_tool_call`` items become ``tool_calls`` of one assistant turn,
  joined with the assistant message right before them (Moonshot's output order is reasoning,
  message, tool calls); their outputs become ``tool`` messages;
- ``web_search_call`` is history only, and ``additional_tools`` declares more tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._responses_tools import DeclaredTools, read_tools
from ._types import JSONObject
from ._wire import as_list, as_object, bad_request

ROLES = {"user": "user", "assistant": "assistant", "developer": "system", "system": "system"}
"""Input roles and the chat role each becomes."""
CALL_TYPES = {"function_call": "arguments", "custom_tool_call": "input"}
"""Call items and the field that holds what the model sent."""
OUTPUT_TYPES = frozenset({"function_call_output", "custom_tool_call_output"})


@dataclass
class ConvertedInput:
    """A request's input as chat messages, with what the rules and the answer need from it."""

    messages: list[JSONObject] = field(default_factory=list[JSONObject])
    tools: DeclaredTools = field(default_factory=DeclaredTools)
    call_names: dict[str, str] = field(default_factory=dict[str, str])
    """``call_id`` → the name of the function or custom tool called, in input order."""
    unreasoned_call: int | None = None
    """The input index of the first call whose turn came with no reasoning, if any."""


def convert_input(body: JSONObject) -> ConvertedInput:
    """Read ``instructions``, ``input`` and ``tools``; raise the server's 400 on what it refuses."""
    converted = ConvertedInput()
    read_tools(body.get("tools"), "tools", converted.tools)
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        converted.messages.append({"role": "system", "content": instructions})
    raw = body.get("input")
    if isinstance(raw, str):
        converted.messages.append({"role": "user", "content": raw})
    else:
        _Reader(converted).read(as_list(raw) or [])
    if not any(m["role"] != "system" for m in converted.messages):
        raise bad_request("Invalid request: input must not be empty")  # ⚠ wording
    return converted


class _Reader:
    """One pass over the input items, keeping the assistant turn that calls may join."""

    def __init__(self, converted: ConvertedInput) -> None:
        self.out = converted
        self.reasoning: list[str] = []
        self.turn: JSONObject | None = None
        self.answered: set[str] = set()

    def read(self, items: list[Any]) -> None:
        for index, raw in enumerate(items):
            item = as_object(raw)
            if item is None:
                raise bad_request(f"Invalid request: input.{index} must be an object")  # ⚠ wording
            self._item(index, item)
        for call_id in self.out.call_names:
            if call_id not in self.answered:
                # Every call needs its output, as on chat [MS-2026-01 tool-calls]. ⚠ wording
                raise bad_request(f"Invalid request: tool_call_id {call_id} not found")

    def _item(self, index: int, item: JSONObject) -> None:
        kind = item.get("type", "message")
        if kind == "message":
            self._message(index, item)
        elif kind == "reasoning":
            self.reasoning.append(_reasoning_text(item))
        elif kind in CALL_TYPES:
            self._call(index, item, CALL_TYPES[str(kind)])
        elif kind in OUTPUT_TYPES:
            self._output(index, item)
        elif kind == "additional_tools":
            read_tools(item.get("tools"), f"input.{index}.tools", self.out.tools)
        elif kind != "web_search_call":  # history only, "ignored during conversion" [KR]
            raise bad_request(f"Invalid request: input.{index}.type {kind!r} is not supported")  # ⚠

    def _message(self, index: int, item: JSONObject) -> None:
        role = ROLES.get(str(item.get("role")))
        if role is None:
            raise bad_request(
                f"Invalid request: input.{index}.role {item.get('role')!r} is not supported"
            )  # ⚠
        message: JSONObject = {
            "role": role,
            "content": _content(item.get("content"), f"input.{index}.content"),
        }
        if role == "assistant" and self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        self.reasoning = []
        self.out.messages.append(message)
        self.turn = message if role == "assistant" else None

    def _call(self, index: int, item: JSONObject, payload: str) -> None:
        call_id, name, sent = item.get("call_id"), item.get("name"), item.get(payload)
        if not isinstance(call_id, str) or not isinstance(name, str) or not isinstance(sent, str):
            raise bad_request(  # required fields [KR]; ⚠ wording
                f"Invalid request: input.{index} needs call_id, name and {payload} as strings"
            )
        if self.turn is None:
            self.turn = {"role": "assistant", "content": ""}
            self.out.messages.append(self.turn)
        if self.reasoning and not self.turn.get("reasoning_content"):
            self.turn["reasoning_content"] = "".join(self.reasoning)
        self.reasoning = []
        if not self.turn.get("reasoning_content") and self.out.unreasoned_call is None:
            self.out.unreasoned_call = index
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": sent}}
        self.turn.setdefault("tool_calls", []).append(call)
        self.out.call_names[call_id] = name

    def _output(self, index: int, item: JSONObject) -> None:
        call_id = item.get("call_id")
        if not isinstance(call_id, str) or call_id not in self.out.call_names:
            # The output must follow its call, as a tool message follows its call on chat. ⚠ wording
            raise bad_request(f"Invalid request: tool_call_id {call_id} not found")
        self.answered.add(call_id)
        content = _content(item.get("output"), f"input.{index}.output")
        name = self.out.call_names[call_id]
        self.out.messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": content})
        self.turn = None


def _reasoning_text(item: JSONObject) -> str:
    """A replayed reasoning item's text: ``content`` takes precedence over ``summary`` [KR]."""
    parts = as_list(item.get("content")) or as_list(item.get("summary")) or []
    return "".join(str((as_object(p) or {}).get("text", "")) for p in parts)


def _content(content: object, path: str) -> str | list[JSONObject]:
    if isinstance(content, str):
        return content
    parts = as_list(content)
    if parts is None:
        raise bad_request(f"Invalid request: {path} must be a string or an array of parts")  # ⚠ wording
    return [_part(as_object(p) or {}, f"{path}.{i}") for i, p in enumerate(parts)]


def _part(part: JSONObject, path: str) -> JSONObject:
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind != "input_image":
        raise bad_request(f"Invalid request: {path}.type {kind!r} is not supported")  # ⚠ wording
    url = part.get("image_url")
    if not isinstance(url, str) or not url.startswith("data:"):
        # "Data URL of the image ... Public http(s) URLs are not supported" [KR]. ⚠ wording
        raise bad_request(f"Invalid request: {path}.image_url must be a data: URL")
    return {"type": "image_url", "image_url": {"url": url}}
