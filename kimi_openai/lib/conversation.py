"""``Conversation`` / ``AsyncConversation``: a chat history that sends itself back right.

A conversation owns its message list. Each turn sends the history plus the new
message through ``client.chat.completions.create`` and appends the answer as
:func:`~kimi_openai.echo_message` makes it, so a thinking model's
``reasoning_content`` always goes back with its tool calls
(https://platform.kimi.ai/docs/guide/use-thinking-models). It also counts tokens,
prompt-cache hits and cost per model, and can fork, checkpoint and
restore its history.

Example::

    chat = Conversation(client, model="kimi-k2.6", system="Be brief.", tools=[get_weather])
    reply = chat.send("Weather in Paris?")  # runs get_weather, then answers
    print(chat.usage.total_tokens, chat.usage.cost(), chat.usage.cache_hit_ratio)

With tool declarations (dicts) instead of functions, a turn stops at the model's calls::

    reply = chat.send("Weather in Paris?", tools=[weather_declaration])
    for call in chat.pending_tool_calls:
        chat.add_tool_result(call["id"], {"temp_c": 21})
    reply = chat.send()  # no new message: answer the tool results
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

from kimi_openai._rules.model_specs import PLATFORM_CURRENCY, KnownModel
from kimi_openai.types.chat import KimiChatCompletion, KimiChatCompletionChunk

from ._conversation_state import (
    ConversationCheckpoint,
    ConversationState,
    ConversationUsage,
    MessageInput,
    StreamedTurn,
    TokenCounts,
)
from .tools import async_drive, drive

if TYPE_CHECKING:
    from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI
    from kimi_openai._streaming import AsyncKimiStream, KimiStream

__all__ = [
    "AsyncConversation",
    "AsyncConversationStream",
    "Conversation",
    "ConversationCheckpoint",
    "ConversationStream",
    "ConversationUsage",
    "TokenCounts",
]


def _stream_arguments(arguments: dict[str, object]) -> dict[str, object]:
    # Ask for usage in OpenAI's include_usage shape; Moonshot may still put it inside
    # choices[0] of the last chunk (moonshot-api.md §6), which StreamedTurn reads too.
    if "stream_options" not in arguments:
        return {**arguments, "stream_options": {"include_usage": True}}
    return arguments


def _estimate_arguments(arguments: dict[str, object]) -> dict[str, object]:
    # The estimate endpoint takes the chat body; tools count toward the input
    # (https://platform.kimi.ai/docs/api/estimate). Headers, query and timeout are options of
    # the chat request, not of its body; extra_body is body (``thinking`` given that way
    # counts), and estimate_token_count merges it as chat does.
    options = ("extra_headers", "extra_query", "timeout")
    return {k: v for k, v in arguments.items() if k not in options}


class Conversation(ConversationState):
    r"""A chat history on a :class:`~kimi_openai.KimiOpenAI` client.

    Args:
        client: the client every turn goes through.
        model: the model of every turn (any id; the known ones autocomplete).
        system: a system prompt, put first in the history.
        messages: the history to start from (dicts, or message objects the client returned).
        **defaults: any ``create`` keyword, sent with every turn (``tools``, ``thinking``,
            ``prompt_cache_key``, ``max_tokens``...), and the tool-loop options of
            :func:`~kimi_openai.lib.run_tools` (``max_steps``, ``max_tokens_budget``,
            ``repeated_call_limit``, ``read_only_streak_limit``, ``compact``, ``on_tool_error``);
            a turn's own keywords win. When ``tools`` holds Python functions (or
            :func:`~kimi_openai.lib.function_tool` results, :class:`~kimi_openai.lib.Formula`\ s),
            :meth:`send` runs the tool loop and keeps its whole transcript.

    Raises:
        TypeError: a keyword that neither ``create`` nor the tool loop takes (before any request).
        KimiValidationError: a function that cannot be offered as a tool, a limit below 1.
    """

    def __init__(
        self,
        client: KimiOpenAI,
        *,
        model: str | KnownModel,
        system: str | None = None,
        messages: Iterable[MessageInput] = (),
        **defaults: object,
    ) -> None:
        # The platform's billing currency; USD where none is known (a self-hosted engine).
        currency = PLATFORM_CURRENCY.get(client.region, "USD")
        super().__init__(model=model, messages=messages, defaults=defaults, currency=currency, system=system)
        self.client = client

    def send(self, message: MessageInput | None = None, **create_kwargs: object) -> KimiChatCompletion:
        """Send the history plus ``message`` (none: e.g. after tool results) and keep the answer.

        With functions in ``tools``, runs the tool loop until the model answers: every assistant
        turn and tool result joins the history, :attr:`last_run` has the calls, each request
        counts in :attr:`usage`. On an error nothing is added to the history (a tool-loop
        error carries the transcript so far), so the same turn can be sent again.
        """
        loop = self._tool_loop(message, create_kwargs)
        if loop is not None:
            return self._finish_loop(drive(self.client, *loop))
        messages, model, arguments = self._request(message, create_kwargs)
        completion: KimiChatCompletion = cast(
            KimiChatCompletion,
            self.client.chat.completions.create(
                model=model, messages=cast(Any, messages), **cast(Any, arguments)
            ),
        )
        self._record(messages, model, completion)
        return completion

    def stream(self, message: MessageInput | None = None, **create_kwargs: object) -> ConversationStream:
        """Like :meth:`send`, streamed: iterate the returned object for the chunks.

        The answer joins the history once the stream has finished (``[DONE]``).
        """
        messages, model, arguments = self._request(message, create_kwargs)
        stream = self.client.chat.completions.create(
            model=model,
            messages=cast(Any, messages),
            stream=True,
            **cast(Any, _stream_arguments(arguments)),
        )
        return ConversationStream(self, stream, messages, model)

    def estimate_tokens(self, draft: MessageInput | None = None, **create_kwargs: object) -> int:
        """Input tokens of the next turn: the history plus ``draft``, with this conversation's tools.

        Calls ``client.tokenizers.estimate_token_count``
        (https://platform.kimi.ai/docs/api/estimate).
        """
        messages, model, arguments = self._request(draft, create_kwargs)
        estimate = self.client.tokenizers.estimate_token_count(
            model=model, messages=messages, **cast(Any, _estimate_arguments(arguments))
        )
        return estimate.total_tokens

    def fork(self) -> Self:
        """An independent copy: same client, model and defaults, a copy of the history and usage."""
        fork = type(self)(self.client, model=self.model)
        self._forked(fork)
        return fork


class ConversationStream:
    """One streamed turn of a :class:`Conversation`: iterate it for the chunks."""

    def __init__(
        self,
        conversation: Conversation,
        stream: KimiStream[KimiChatCompletionChunk],
        messages: list[dict[str, Any]],
        model: str,
    ) -> None:
        self.stream = stream
        """The underlying :class:`~kimi_openai.KimiStream`."""
        self._conversation = conversation
        self._messages = messages
        self._model = model
        self._turn = StreamedTurn()
        self._completion: KimiChatCompletion | None = None

    def __iter__(self) -> Iterator[KimiChatCompletionChunk]:
        for chunk in self.stream:
            self._turn.add(chunk)
            yield chunk
        self._finish()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stream.close()

    def _finish(self) -> None:
        if self._completion is None and self.stream.finished:
            self._completion = self._turn.completion()
            self._conversation._record(self._messages, self._model, self._completion)  # pyright: ignore[reportPrivateUsage]

    def until_done(self) -> KimiChatCompletion:
        """Read what is left and return the answer as a completion (kept in the conversation)."""
        for _ in self:
            pass
        if self._completion is None:
            # Iterated before and stopped early: the stream is spent but the turn never finished.
            raise RuntimeError("the stream ended before [DONE]; nothing was added to the conversation")
        return self._completion


class AsyncConversation(ConversationState):
    """A chat history on an :class:`~kimi_openai.AsyncKimiOpenAI` client (see :class:`Conversation`)."""

    def __init__(
        self,
        client: AsyncKimiOpenAI,
        *,
        model: str | KnownModel,
        system: str | None = None,
        messages: Iterable[MessageInput] = (),
        **defaults: object,
    ) -> None:
        # The platform's billing currency; USD where none is known (a self-hosted engine).
        currency = PLATFORM_CURRENCY.get(client.region, "USD")
        super().__init__(model=model, messages=messages, defaults=defaults, currency=currency, system=system)
        self.client = client

    async def send(self, message: MessageInput | None = None, **create_kwargs: object) -> KimiChatCompletion:
        """Send the history plus ``message`` and keep the answer (see :meth:`Conversation.send`).

        With functions in ``tools``, runs :func:`~kimi_openai.lib.async_run_tools` (calls of one
        turn concurrently).
        """
        loop = self._tool_loop(message, create_kwargs)
        if loop is not None:
            return self._finish_loop(await async_drive(self.client, *loop))
        messages, model, arguments = self._request(message, create_kwargs)
        completion: KimiChatCompletion = cast(
            KimiChatCompletion,
            await self.client.chat.completions.create(
                model=model, messages=cast(Any, messages), **cast(Any, arguments)
            ),
        )
        self._record(messages, model, completion)
        return completion

    async def stream(
        self, message: MessageInput | None = None, **create_kwargs: object
    ) -> AsyncConversationStream:
        """Like :meth:`send`, streamed: ``async for`` over the returned object for the chunks."""
        messages, model, arguments = self._request(message, create_kwargs)
        stream = await self.client.chat.completions.create(
            model=model,
            messages=cast(Any, messages),
            stream=True,
            **cast(Any, _stream_arguments(arguments)),
        )
        return AsyncConversationStream(self, stream, messages, model)

    async def estimate_tokens(self, draft: MessageInput | None = None, **create_kwargs: object) -> int:
        """Input tokens of the next turn (see :meth:`Conversation.estimate_tokens`)."""
        messages, model, arguments = self._request(draft, create_kwargs)
        estimate = await self.client.tokenizers.estimate_token_count(
            model=model, messages=messages, **cast(Any, _estimate_arguments(arguments))
        )
        return estimate.total_tokens

    def fork(self) -> Self:
        """An independent copy: same client, model and defaults, a copy of the history and usage."""
        fork = type(self)(self.client, model=self.model)
        self._forked(fork)
        return fork


class AsyncConversationStream:
    """One streamed turn of an :class:`AsyncConversation`: ``async for`` over it for the chunks."""

    def __init__(
        self,
        conversation: AsyncConversation,
        stream: AsyncKimiStream[KimiChatCompletionChunk],
        messages: list[dict[str, Any]],
        model: str,
    ) -> None:
        self.stream = stream
        """The underlying :class:`~kimi_openai.AsyncKimiStream`."""
        self._conversation = conversation
        self._messages = messages
        self._model = model
        self._turn = StreamedTurn()
        self._completion: KimiChatCompletion | None = None

    async def __aiter__(self) -> AsyncIterator[KimiChatCompletionChunk]:
        async for chunk in self.stream:
            self._turn.add(chunk)
            yield chunk
        if self._completion is None and self.stream.finished:
            self._completion = self._turn.completion()
            self._conversation._record(self._messages, self._model, self._completion)  # pyright: ignore[reportPrivateUsage]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stream.close()

    async def until_done(self) -> KimiChatCompletion:
        """Read what is left and return the answer as a completion (kept in the conversation)."""
        async for _ in self:
            pass
        if self._completion is None:
            raise RuntimeError("the stream ended before [DONE]; nothing was added to the conversation")
        return self._completion
