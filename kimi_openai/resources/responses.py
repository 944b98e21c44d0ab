"""``client.responses`` on a Kimi client: openai's resource, with the call Moonshot cannot answer refused.

Everything that reaches ``POST /responses`` (``create``, ``stream``, ``parse`` and their raw and
streaming-response forms) goes through the client's request pipeline (``_pipeline``: Moonshot's
rules, the client-side ``previous_response_id``, reasoning items restored), and the stored-state
calls (``retrieve``, ``delete``, ``cancel``, ``input_items``, ``compact``, ``input_tokens``) are
refused there before sending, since they are ordinary HTTP requests. ``connect`` opens a WebSocket,
which bypasses every HTTP hook: refused here on Moonshot's platform, which documents no WebSocket
transport for the Responses API (https://platform.kimi.ai/docs/api/responses).
"""

from __future__ import annotations

from typing import Any

from openai.resources.responses import AsyncResponses, Responses
from typing_extensions import override

from kimi_openai._errors import UnservedEndpointError
from kimi_openai._state import platform_of

__all__ = ["AsyncKimiResponses", "KimiResponses"]

_WEBSOCKET = "the Responses API over a WebSocket (responses.connect)"
_WEBSOCKET_FIX = (
    "Use client.responses.create(stream=True) or client.responses.stream(...): server-sent events over HTTP"
)


def _refuse_websocket(client: object, base_url: object) -> None:
    if platform_of(client) is not None:
        raise UnservedEndpointError.before_sending(
            "GET", f"{base_url}".rstrip("/") + "/responses", _WEBSOCKET, _WEBSOCKET_FIX
        )


class KimiResponses(Responses):
    """openai's ``responses`` on a Kimi client (see the module docstring)."""

    @override
    def connect(self, *args: Any, **kwargs: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's WebSocket connection; on Moonshot's platform, :class:`UnservedEndpointError` before connecting."""
        _refuse_websocket(self._client, self._client.base_url)
        return super().connect(*args, **kwargs)


class AsyncKimiResponses(AsyncResponses):
    """openai's async ``responses`` on a Kimi client (see :class:`KimiResponses`)."""

    @override
    def connect(self, *args: Any, **kwargs: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's WebSocket connection; on Moonshot's platform, :class:`UnservedEndpointError` before connecting."""
        _refuse_websocket(self._client, self._client.base_url)
        return super().connect(*args, **kwargs)
