"""How the benchmark gets Kimi's ``chat.completions`` to use ``KimiStream``.

Uses the client's own resource when it already returns ``KimiStream`` for
``create(stream=True)``. Until ``KimiCompletions`` passes the Kimi stream and
response classes itself, a stand-in subclass swaps ``cast_to``/``stream_cls`` on
every post, exactly as ``KimiCompletions`` is meant to; the table says which was
measured.
"""

from __future__ import annotations

from typing import Any

import openai
from openai.resources.chat import AsyncCompletions, Completions
from openai.types.chat import ChatCompletion

from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import KimiChatCompletion, KimiChatCompletionChunk

__all__ = ["kimi_async_completions", "kimi_completions"]


def _swap(cast_to: Any, stream_cls: Any, kimi_stream_cls: Any) -> tuple[Any, Any]:
    if cast_to is ChatCompletion:
        cast_to = KimiChatCompletion
    if stream_cls is not None:
        stream_cls = kimi_stream_cls
    return cast_to, stream_cls


def _stand_in(completions: Completions) -> Completions:
    post = completions._post  # pyright: ignore[reportPrivateUsage]

    def kimi_post(
        path: str, *, cast_to: Any, stream: bool = False, stream_cls: Any = None, **kwargs: Any
    ) -> Any:
        cast_to, stream_cls = _swap(cast_to, stream_cls, KimiStream[KimiChatCompletionChunk])
        return post(path, cast_to=cast_to, stream=stream, stream_cls=stream_cls, **kwargs)

    completions._post = kimi_post  # pyright: ignore[reportPrivateUsage]
    return completions


def _async_stand_in(completions: AsyncCompletions) -> AsyncCompletions:
    post = completions._post  # pyright: ignore[reportPrivateUsage]

    async def kimi_post(
        path: str, *, cast_to: Any, stream: bool = False, stream_cls: Any = None, **kwargs: Any
    ) -> Any:
        cast_to, stream_cls = _swap(cast_to, stream_cls, AsyncKimiStream[KimiChatCompletionChunk])
        return await post(path, cast_to=cast_to, stream=stream, stream_cls=stream_cls, **kwargs)

    completions._post = kimi_post  # pyright: ignore[reportPrivateUsage]
    return completions


def kimi_completions(client: openai.OpenAI, request: dict[str, Any]) -> tuple[Completions, bool]:
    """The resource to measure, and whether it is the stand-in."""
    own = client.chat.completions
    probe = own.create(**request, stream=True)
    probe.close()
    if isinstance(probe, KimiStream):
        return own, False
    return _stand_in(type(own)(client)), True


async def kimi_async_completions(
    client: openai.AsyncOpenAI, request: dict[str, Any]
) -> tuple[AsyncCompletions, bool]:
    own = client.chat.completions
    probe = await own.create(**request, stream=True)
    await probe.close()
    if isinstance(probe, AsyncKimiStream):
        return own, False
    return _async_stand_in(type(own)(client)), True
