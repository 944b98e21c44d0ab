"""The emulator's model catalogue against the package's model spec table: two encodings, one set of facts.

The emulator (``testing/_catalogue.py``) and the client's checks (``_rules/model_specs.py``) are
written apart on purpose, so that each can catch the other's mistakes. That works only while
they agree on what Moonshot documents. Where the spec table states a fact, the catalogue must
serve it; where the table says "not known" (``None``, ``"unknown"``: the client then checks
nothing), the emulator has to pick a behaviour, and this test leaves it free. Today those
are kimi-k3.1-pro's context length and media input (third-party reports only).
"""

from __future__ import annotations

import pytest

from kimi_openai._rules.model_specs import ModelSpec, ThinkingSupport, default_registry, get_model_spec
from kimi_openai.testing import DEFAULT_MODELS, ModelCard, ThinkingMode

THINKING: dict[ThinkingMode, ThinkingSupport] = {
    "none": "none",
    "default_on": "configurable",
    "always": "always_on",
    "keep_all_only": "enabled_only",
    "effort_only": "effort_only",
}
"""The catalogue's thinking modes, in the spec table's words."""


def _stated(spec: ModelSpec, card: ModelCard) -> dict[str, tuple[object, object]]:
    """Each fact the spec states about the model: (the spec's value, the catalogue's)."""
    facts: dict[str, tuple[object, object]] = {}
    if spec.context_length is not None:
        facts["context_length"] = (spec.context_length, card.context_length)
    if spec.thinking != "unknown":
        facts["thinking"] = (spec.thinking, THINKING[card.thinking])
    if spec.thinking == "configurable":
        facts["thinking_default"] = (
            spec.thinking_default,
            "enabled" if card.thinking == "default_on" else None,
        )
    if spec.fixed_temperature_thinking is not None or spec.temperature_range is not None:
        facts["fixed_sampling"] = (spec.fixed_temperature_thinking is not None, card.fixed_sampling)
    pairs: dict[str, tuple[object, object]] = {
        "thinking_keep_supported": (spec.thinking_keep_supported, card.supports_keep),
        "supports_image_in": (spec.supports_image_in, card.supports_image_in),
        "supports_video_in": (spec.supports_video_in, card.supports_video_in),
        "supports_tool_choice_required": (spec.supports_tool_choice_required, card.required_tool_choice),
        "reasoning_effort_values": (spec.reasoning_effort_values, card.reasoning_efforts),
    }
    facts.update({name: pair for name, pair in pairs.items() if pair[0] is not None})
    if any(p.confirmed for p in spec.prices):  # a third-party price list may just omit the tier
        facts["prompt_cache"] = (any(p.cache_hit is not None for p in spec.prices), card.prompt_caching)
    return facts


@pytest.mark.parametrize("card", DEFAULT_MODELS, ids=[card.id for card in DEFAULT_MODELS])
def test_the_catalogue_serves_what_the_spec_table_states(card: ModelCard) -> None:
    spec = get_model_spec(card.id)
    assert spec.matched_by == "id", f"{card.id} is served by the emulator but has no row in the spec table"
    facts = _stated(spec, card)
    assert facts, f"the spec table states nothing about {card.id}: nothing would be compared"
    disagreements = {name: pair for name, pair in facts.items() if pair[0] != pair[1]}
    assert disagreements == {}, f"{card.id}: (spec, emulator) differ"


def test_every_model_moonshot_serves_today_is_in_the_catalogue() -> None:
    served = {card.id for card in DEFAULT_MODELS}
    expected = {
        spec.id
        for spec in default_registry.table()
        if spec.hosting == "moonshot" and spec.lifecycle != "retired"
    }
    assert expected, "the spec table lists no current Moonshot model"
    assert expected - served == set()
