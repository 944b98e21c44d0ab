"""The server-side model catalogue: which models exist and which rules the server applies to each.

Facts from moonshot-api.md §2.1/§2.2 ([KD-models], [CN-pricing], [MS-2026-01 k2.5 quickstart]).
The real server retired several of these IDs in 2026 (promptfoo.dev/docs/providers/moonshot);
the emulator keeps them so older code can be tested, and a test that wants the 404 builds an
emulator with its own catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

ThinkingMode: TypeAlias = Literal["none", "default_on", "always", "keep_all_only"]
"""How a model treats thinking.

- ``"none"``: never returns ``reasoning_content`` (moonshot-v1, the K2 previews).
- ``"default_on"``: on unless the request sends ``{"type": "disabled"}`` (kimi-k2.5, kimi-k2.6).
- ``"always"``: implied by the model, the parameter cannot turn it off (kimi-k2-thinking*, kimi-k3).
- ``"keep_all_only"``: only ``{"type": "enabled", "keep": "all"}`` is accepted (kimi-k2.7-code).
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
    return ModelCard(model_id, 262_144, thinking="keep_all_only", fixed_sampling=True, supports_keep=True)


def _v1(model_id: str, context: int, *, vision: bool = False) -> ModelCard:
    return ModelCard(model_id, context, supports_image_in=vision, prompt_caching=False)


DEFAULT_MODELS: tuple[ModelCard, ...] = (
    ModelCard(
        "kimi-k3",
        1_048_576,
        thinking="always",
        fixed_sampling=True,
        supports_image_in=True,
        supports_video_in=True,
        required_tool_choice=True,
        reasoning_efforts=("low", "high", "max"),
    ),
    _code("kimi-k2.7-code"),
    _code("kimi-k2.7-code-highspeed"),
    _k2_new("kimi-k2.6", keep=True),
    _k2_new("kimi-k2.5", keep=False),
    ModelCard("kimi-k2-0905-preview", 262_144),
    ModelCard("kimi-k2-0711-preview", 131_072),
    ModelCard("kimi-k2-turbo-preview", 262_144),
    ModelCard("kimi-k2-thinking", 262_144, thinking="always"),
    ModelCard("kimi-k2-thinking-turbo", 262_144, thinking="always"),
    _v1("moonshot-v1-8k", 8_192),
    _v1("moonshot-v1-32k", 32_768),
    _v1("moonshot-v1-128k", 131_072),
    _v1("moonshot-v1-auto", 131_072),
    _v1("moonshot-v1-8k-vision-preview", 8_192, vision=True),
    _v1("moonshot-v1-32k-vision-preview", 32_768, vision=True),
    _v1("moonshot-v1-128k-vision-preview", 131_072, vision=True),
)


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
