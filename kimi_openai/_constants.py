"""Base URLs and environment variable names.

Sources: https://platform.kimi.ai/docs/api/chat (international endpoint) and
https://platform.moonshot.cn/docs/api/chat (China endpoint). Keys of one
platform get 401 on the other: https://platform.kimi.ai/docs/api/errors
"""

from __future__ import annotations

from typing import Final, Literal

Region = Literal["global", "cn"]
"""Which Moonshot platform to talk to: ``"global"`` (api.moonshot.ai) or ``"cn"`` (api.moonshot.cn)."""

TokenLimitSetting = Literal["auto", "max_tokens", "max_completion_tokens"]
"""A client's ``max_tokens_field``: ``"auto"`` sends the field the model's spec names (``max_tokens``
when it names none), either other value always that one."""

REGION_BASE_URLS: Final[dict[str, str]] = {
    "global": "https://api.moonshot.ai/v1",
    "cn": "https://api.moonshot.cn/v1",
}
DEFAULT_REGION: Final[Region] = "global"

API_KEY_ENV_VARS: Final[tuple[str, ...]] = ("MOONSHOT_API_KEY", "KIMI_API_KEY")
"""Looked up in this order, in the environment and then in ``./.env``."""

BASE_URL_ENV_VAR: Final[str] = "MOONSHOT_BASE_URL"
BASE_URL_ENV_VARS: Final[tuple[str, ...]] = (BASE_URL_ENV_VAR, "KIMI_BASE_URL")
"""Looked up in this order, in the environment and then in ``./.env``; ``KIMI_BASE_URL`` is the
variable of Moonshot's Kimi SDKs, read second as ``KIMI_API_KEY`` is for the key."""

DOTENV_FILENAME: Final[str] = ".env"

CHAT_COMPLETIONS_PATH: Final = "/chat/completions"
"""openai's path of a chat completion request (relative to the base URL, which ends in ``/v1``)."""
RESPONSES_PATH: Final = "/responses"

MOONPALACE_PORT: Final[int] = 9988
"""The port MoonPalace, Moonshot's local debugging proxy, listens on by default; it serves the
API under ``/v1`` (``moonpalace start --port``): https://github.com/MoonshotAI/moonpalace"""
