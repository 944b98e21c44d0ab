"""What the Kimi clients do with a chat response before the caller sees it.

Called from the clients' ``_process_response_data`` (every parsed body, including
``with_raw_response(...).parse()``) and from the streams when ``[DONE]`` arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openai.types.chat import ChatCompletion

if TYPE_CHECKING:
    from ._messages import ReasoningStore
    from ._request import KimiSettings

__all__ = ["after_completion", "after_stream"]


def after_completion(result: Any, settings: KimiSettings, store: ReasoningStore) -> Any:
    """A parsed response body, with Kimi's post-processing applied to chat completions."""
    if isinstance(result, ChatCompletion):
        if settings.k2_tool_call_markup:
            # Loaded only when asked for: self-hosted engines without a Kimi tool parser.
            from .lib._k2_apply import apply_k2_markup

            apply_k2_markup(result)
        store.remember_completion(result)
    return result


def after_stream(chunks: list[Any], store: ReasoningStore) -> None:
    """Called once a chat stream has finished (``[DONE]`` received)."""
    store.remember_chunks(chunks)
