"""The server-side model catalogue: which models exist and which rules the server applies to each.

Facts from moonshot-api.md §2.1/§2.2 and moonshot-api-2026-12.md §1 ([KD-models], the K3 quickstart,
the chat OpenAPI). The catalogue is the platform's as of December 2026: the four ids the models page
lists (platform.kimi.ai/docs/models), plus kimi-k3.1-pro (-highspeed), reported by third parties
since 2026-10-24 ⚠. Every retired id (kimi-k2.5, moonshot-v1-*, the K2 previews, kimi-k2-thinking*,
kimi-latest) answers 404, as the platform does; a test of older behaviour builds an emulator with
its own catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

ThinkingMode: TypeAlias = Literal["none", "default_on", "always", "keep_all_only", "effort_only"]
"""How a model treats thinking.

- ``"none"``: never returns ``reasoning_content`` (moonshot-v1, the K2 previews).
- ``"default_on"``: on unless the request sends ``{"type": "disabled"}`` (kimi-k2.5, kimi-k2.6).
- ``"always"``: implied by the model, the parameter cannot turn it off (kimi-k2-thinking*).
- ``"keep_all_only"``: only ``{"type": "enabled"}`` with ``keep`` ``"all"``, null or omitted, all
  meaning ``"all"`` (kimi-k2.7-code; chat OpenAPI ``thinking.keep``).
- ``"effort_only"``: always on, and a ``thinking`` field is refused: the depth is
  ``reasoning_effort`` (kimi-k3; use-reasoning-effort guide).
"""

CREATED = 1_700_000_000
"""The ``created`` time of every catalogue entry; a fixed value keeps recorded answers stable."""


@dataclass(frozen=True)
class ModelCard:
    """One model as the server knows it."""

    id: str
    context_length: int
    """Tokens of context, sent as ``context_length`` by ``GET /v1/models``."""
    thinking: ThinkingMode = "none"
    fixed_sampling: bool = False
    """k2.5 and later reject any temperature, top_p, n or penalty but the fixed one [KD-models]."""
    supports_keep: bool = False
    """Whether ``thinking.keep`` is accepted (k2.6, k2.7-code) [KD-chat OpenAPI]."""
    supports_image_in: bool = False
    supports_video_in: bool = False
    required_tool_choice: bool = False
    """Only kimi-k3 accepts ``tool_choice: "required"`` [KD-models]."""
    fixed_temperature_off: float | None = 0.6
    """The fixed temperature with thinking off; None when thinking cannot be off (k2.7-code, k3)."""
    reasoning_efforts: tuple[str, ...] = ()
    """Values of ``reasoning_effort`` the model documents (kimi-k3 only)."""
    prompt_caching: bool = True
    """Whether ``usage.cached_tokens`` is reported; moonshot-v1 has no cache tier [CN-pricing]."""

    @property
    def supports_reasoning(self) -> bool:
        return self.thinking != "none"

    def to_wire(self) -> dict[str, object]:
        """The ``GET /v1/models`` item (moonshot-api.md §1.3; ⚠ the official page was not read)."""
        return {
            "id": self.id,
            "object": "model",
            "created": CREATED,
            "owned_by": "moonshot",
            "context_length": self.context_length,
            "supports_image_in": self.supports_image_in,
            "supports_video_in": self.supports_video_in,
            "supports_reasoning": self.supports_reasoning,
        }


def _k2_new(model_id: str, *, keep: bool, video: bool = True) -> ModelCard:
    return ModelCard(
        model_id,
        262_144,
        thinking="default_on",
        fixed_sampling=True,
        supports_keep=keep,
        supports_image_in=True,
        supports_video_in=video,
    )


def _code(model_id: str) -> ModelCard:
    # 256k context, image and video input (K2.7 Code quickstart and pricing, via fastgpt-plugin #461).
    return ModelCard(
        model_id,
        262_144,
        thinking="keep_all_only",
        fixed_sampling=True,
        supports_keep=True,
        supports_image_in=True,
        supports_video_in=True,
        fixed_temperature_off=None,
    )


def _k3(model_id: str, context: int = 1_048_576) -> ModelCard:
    # K3 quickstart "Important limits": fixed sampling, thinking always on, effort low|high|max.
    return ModelCard(
        model_id,
        context,
        thinking="effort_only",
        fixed_sampling=True,
        supports_image_in=True,
        supports_video_in=True,
        required_tool_choice=True,
        reasoning_efforts=("low", "high", "max"),
        fixed_temperature_off=None,
    )


DEFAULT_MODELS: tuple[ModelCard, ...] = (
    _k3("kimi-k3"),
    # ⚠ Third-party reports only; its context is not documented: K3's is assumed.
    _k3("kimi-k3.1-pro"),
    _k3("kimi-k3.1-pro-highspeed"),
    _code("kimi-k2.7-code"),
    _code("kimi-k2.7-code-highspeed"),
    _k2_new("kimi-k2.6", keep=True),
)
"""What ``GET /v1/models`` lists; any other id answers 404 ``Not found the model <id> or Permission denied``."""


class Catalogue:
    """Models by id, in the order ``GET /v1/models`` lists them."""

    def __init__(self, models: Iterable[ModelCard] = DEFAULT_MODELS) -> None:
        self._models: Mapping[str, ModelCard] = {card.id: card for card in models}

    def get(self, model_id: str) -> ModelCard | None:
        return self._models.get(model_id)

    def __iter__(self) -> Iterator[ModelCard]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)
