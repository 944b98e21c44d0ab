"""Kimi's ``$web_search`` builtin: the tool declaration and a loop that runs it to an answer.

Moonshot runs the search itself; the client's part is a handshake
(https://platform.kimi.ai/docs/guide/use-web-search):

1. declare ``{"type": "builtin_function", "function": {"name": "$web_search"}}`` in ``tools``;
2. the model answers ``finish_reason="tool_calls"`` with a ``$web_search`` call;
3. send that assistant message back unchanged (``reasoning_content`` included) and a tool
   message whose content is the call's ``arguments`` as they came;
4. the next answer uses the search results.

The search size is reported inside the arguments (``usage.total_tokens``); those tokens are
billed as prompt tokens of the next request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

from kimi_openai._rules.model_specs import KnownModel, get_model_spec
from kimi_openai.types.chat import KimiChatCompletion

from ._loop import MaxStepsExceededError, echo_dict, total_tokens

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageToolCallUnion

    from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI

__all__ = [
    "WEB_SEARCH",
    "WEB_SEARCH_TOOL",
    "MaxStepsExceededError",
    "WebSearchResult",
    "async_run_web_search",
    "run_web_search",
    "search_tokens",
    "thinking_for_search",
    "web_search_tool_message",
]

WEB_SEARCH: Final = "$web_search"
"""The builtin's name; ``$`` names are reserved for Moonshot's builtins."""

# Typed as openai's tool union so ``tools=[WEB_SEARCH_TOOL, ...]`` type-checks in ``create``;
# at run time it is the builtin declaration Moonshot documents, which openai sends as given.
WEB_SEARCH_TOOL: Final[ChatCompletionToolUnionParam] = cast(
    "ChatCompletionToolUnionParam", {"type": "builtin_function", "function": {"name": WEB_SEARCH}}
)
"""``{"type": "builtin_function", "function": {"name": "$web_search"}}``: put it in ``tools``."""

DEFAULT_MAX_SEARCHES = 5

_THINKING_OFF_FAMILIES: Final = frozenset({"kimi-k2.5"})
"""Families whose thinking is turned off for searches unless the caller chose.

Older docs said ``$web_search`` does not work with thinking (moonshot-api.md §5, ⚠ sources
conflict); the 2026 guide says kimi-k2.6 searches while thinking. kimi-k2-thinking cannot turn
thinking off (it is implied by the model), so it keeps thinking and its reasoning is echoed.
"""


@dataclass
class WebSearchResult:
    """What :func:`run_web_search` ends with."""

    completion: KimiChatCompletion
    """The last completion: the answer, or a turn calling a tool other than ``$web_search``."""
    messages: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    """The request messages, then each echoed assistant turn and search tool message."""
    searches: int = 0
    """How many ``$web_search`` calls were answered."""
    search_tokens: int = 0
    """The search results' size: the sum of ``arguments.usage.total_tokens`` of the calls."""
    total_tokens: int = 0
    """The sum of ``usage.total_tokens`` over every request of the loop."""

    @property
    def content(self) -> str:
        """The text of the final answer (``""`` when the model stopped to call another tool)."""
        return self.completion.choices[0].message.content or ""


def search_tokens(arguments: str) -> int:
    """``usage.total_tokens`` from a ``$web_search`` call's arguments; 0 when absent or malformed."""
    try:
        usage: Mapping[str, Any] = json.loads(arguments).get("usage") or {}
        return int(usage.get("total_tokens") or 0)
    except (ValueError, TypeError, AttributeError):
        return 0


def web_search_tool_message(call_id: str, arguments: str) -> dict[str, Any]:
    """The tool message answering a ``$web_search`` call: its arguments, unchanged, as content."""
    return {"role": "tool", "tool_call_id": call_id, "name": WEB_SEARCH, "content": arguments}


def _call_name(call: ChatCompletionMessageToolCallUnion) -> str:
    function = getattr(call, "function", None)
    return str(getattr(function, "name", ""))


def _call_arguments(call: ChatCompletionMessageToolCallUnion) -> str:
    function = getattr(call, "function", None)
    return str(getattr(function, "arguments", ""))


def thinking_for_search(model: str, create_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``create_kwargs`` with ``thinking`` turned off for a search on kimi-k2.5, unless the caller chose."""
    extra = cast("Mapping[str, object]", create_kwargs.get("extra_body") or {})
    if "thinking" in create_kwargs or "thinking" in extra:
        return create_kwargs
    if get_model_spec(model).family in _THINKING_OFF_FAMILIES:
        return {**create_kwargs, "thinking": {"type": "disabled"}}
    return create_kwargs


class _SearchLoop:
    """The state of one ``run_web_search`` (shared by the sync and async drivers)."""

    def __init__(
        self,
        model: str,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
        tools: Iterable[ChatCompletionToolUnionParam | Mapping[str, object]] | None,
        max_searches: int,
        create_kwargs: dict[str, Any],
    ) -> None:
        listed = [cast("Mapping[str, Any]", t) for t in tools or ()]
        if not any(t.get("function", {}).get("name") == WEB_SEARCH for t in listed):
            listed = [cast("Mapping[str, Any]", WEB_SEARCH_TOOL), *listed]
        self.request: dict[str, Any] = {
            **thinking_for_search(model, create_kwargs),
            "model": model,
            "tools": listed,
        }
        self.result = WebSearchResult(
            cast("Any", None), [dict(cast("Mapping[str, Any]", m)) for m in messages]
        )
        self.max_searches = max_searches
        self.steps = 0

    def absorb(self, completion: KimiChatCompletion) -> bool:
        """Take one answer in; True when the loop is over."""
        result = self.result
        self.steps += 1
        result.completion = completion
        result.total_tokens += total_tokens(completion)
        choice = completion.choices[0]
        calls = list(choice.message.tool_calls or [])
        if choice.finish_reason != "tool_calls" or not calls:
            return True
        if any(_call_name(c) != WEB_SEARCH for c in calls):
            return True  # another tool: the caller runs it (or use run_tools, which runs both)
        if result.searches + len(calls) > self.max_searches:
            raise MaxStepsExceededError(
                f"the model asked for more than max_searches={self.max_searches} web searches; "
                "raise max_searches= (the transcript so far is on this error's .messages).",
                messages=result.messages,
                steps=self.steps,
                total_tokens=result.total_tokens,
            )
        result.messages.append(echo_dict(choice.message))
        for call in calls:
            arguments = _call_arguments(call)
            result.messages.append(web_search_tool_message(call.id, arguments))
            result.searches += 1
            result.search_tokens += search_tokens(arguments)
        return False


def run_web_search(
    client: KimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ChatCompletionToolUnionParam | Mapping[str, object]] | None = None,
    max_searches: int = DEFAULT_MAX_SEARCHES,
    **create_kwargs: object,
) -> WebSearchResult:
    """Ask ``model`` with ``$web_search`` available and answer its searches until it replies.

    Args:
        client: a :class:`~kimi_openai.KimiOpenAI`.
        model: the model id.
        messages: the conversation (not modified).
        tools: more tools to offer; ``WEB_SEARCH_TOOL`` is added when missing. When the model calls
            one of them, the loop stops and returns that turn (run it, or use ``run_tools``).
        max_searches: at most this many searches are answered.
        **create_kwargs: any other ``create`` argument. Without ``thinking``, kimi-k2.5 searches with
            ``thinking={"type": "disabled"}`` (older docs: search did not work with thinking).

    Raises:
        MaxStepsExceededError: the model wanted more than ``max_searches`` searches.
    """
    loop = _SearchLoop(model, messages, tools, max_searches, dict(create_kwargs))
    create = cast("Callable[..., KimiChatCompletion]", client.chat.completions.create)
    while not loop.absorb(create(messages=loop.result.messages, **loop.request)):
        pass
    return loop.result


async def async_run_web_search(
    client: AsyncKimiOpenAI,
    *,
    model: str | KnownModel,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object]],
    tools: Iterable[ChatCompletionToolUnionParam | Mapping[str, object]] | None = None,
    max_searches: int = DEFAULT_MAX_SEARCHES,
    **create_kwargs: object,
) -> WebSearchResult:
    """The async :func:`run_web_search`."""
    loop = _SearchLoop(model, messages, tools, max_searches, dict(create_kwargs))
    create = cast("Callable[..., Awaitable[KimiChatCompletion]]", client.chat.completions.create)
    while not loop.absorb(await create(messages=loop.result.messages, **loop.request)):
        pass
    return loop.result
