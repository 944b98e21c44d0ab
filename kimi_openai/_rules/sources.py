"""The Kimi API pages the rules cite, named once (``KD_*``: the Kimi docs at platform.kimi.ai).

A rule's comment or error message names the page it comes from; when a page moves, it changes here.
"""

from __future__ import annotations

from typing import Final

KD_CHAT: Final = "https://platform.kimi.ai/docs/api/chat"
"""The chat completions reference (request fields, ``thinking``, ``stop``, tools, content parts)."""
KD_MODELS: Final = "https://platform.kimi.ai/docs/api/models-overview"
"""What each model accepts: sampling, thinking modes, ``tool_choice``, context windows."""
KD_LIST_MODELS: Final = "https://platform.kimi.ai/docs/api/list-models"
"""``GET /v1/models``: the fields of a model entry."""
KD_THINKING: Final = "https://platform.kimi.ai/docs/guide/use-thinking-models"
"""Thinking models: ``reasoning_content``, its echo, and the output-limit advice."""
KD_PARTIAL: Final = "https://platform.kimi.ai/docs/api/partial"
"""Partial mode: an assistant prefill the answer continues."""
KD_FILES: Final = "https://platform.kimi.ai/docs/api/files-upload"
"""File uploads: purposes, sizes, the account's file limits."""
KD_VISION: Final = "https://platform.kimi.ai/docs/guide/use-kimi-vision-model"
"""Image and video input: formats, ``data:`` and ``ms://`` URLs."""
KD_BATCH_CREATE: Final = "https://platform.kimi.ai/docs/api/batch-create"
"""Batches: completion windows, the one endpoint, metadata limits, the line rules."""
KD_ERRORS: Final = "https://platform.kimi.ai/docs/api/errors"
"""Error types by HTTP status, and which of them pass with time."""
KD_BENCHMARK: Final = "https://platform.kimi.ai/docs/guide/benchmark-best-practice"
"""Recommended sampling per model."""
KD_MODEL_LIST: Final = "https://platform.kimi.ai/docs/models"
"""The model list: which ids are served, and when each retired one went away."""
KD_K3: Final = "https://platform.kimi.ai/docs/guide/kimi-k3-quickstart"
"""kimi-k3: always-on thinking, fixed sampling, ``tool_choice``, dynamic tool messages, media."""
KD_EFFORT: Final = "https://platform.kimi.ai/docs/guide/use-reasoning-effort"
"""``reasoning_effort``: its values, its default, and that it replaces ``thinking`` on kimi-k3."""
KD_K3_TOOLS: Final = "https://platform.kimi.ai/docs/guide/kimi-k3-tool-calling-best-practice"
"""kimi-k3 tool calling: ``{"role": "system", "tools": [...]}`` messages add tools mid-conversation."""
KD_K2_THINKING: Final = "https://platform.kimi.ai/docs/guide/use-kimi-k2-thinking-model"
"""K2.6 / K2.7 Code thinking: ``keep``, and what kimi-k2.7-code accepts."""
KD_PRICING: Final = "https://platform.kimi.ai/docs/pricing/chat"
"""List prices (USD); per-model pages are ``/docs/pricing/chat-<model>``."""
KD_PRICING_CN: Final = "https://platform.kimi.com/docs/pricing/chat"
"""List prices in CNY (the .cn platform); per-model pages as on the USD site."""
