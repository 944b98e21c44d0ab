"""Model spec table, lookup order and live refresh."""

from __future__ import annotations

import dataclasses
import threading
from typing import get_args

import pytest

from kimi_openai._rules.model_specs import (
    KnownModel,
    ModelRegistry,
    ModelSpec,
    Price,
    default_registry,
    get_model_spec,
    refresh_model_specs,
)

KNOWN: tuple[str, ...] = get_args(KnownModel)


def test_known_model_literal_matches_table() -> None:
    assert set(KNOWN) == {spec.id for spec in default_registry.table()}
    assert len(KNOWN) == len(set(KNOWN))


@pytest.mark.parametrize("model", KNOWN)
def test_every_known_id_has_an_exact_row(model: str) -> None:
    spec = get_model_spec(model)
    assert spec.id == model
    assert spec.is_known
    assert spec.matched_by == "id"
    assert spec.lifecycle in ("current", "deprecated", "retired")
    assert spec.lifecycle_source
    assert spec.sources or spec.lifecycle == "retired"
    if spec.context_length is not None:
        assert spec.max_output_tokens == spec.context_length


def test_specs_are_frozen() -> None:
    spec = get_model_spec("kimi-k2.6")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.context_length = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.prices[0].output = 0  # type: ignore[misc]


SPEC_FACTS: list[tuple[str, dict[str, object]]] = [
    (
        "kimi-k2.6",
        {
            "context_length": 262_144,
            "thinking": "configurable",
            "thinking_default": "enabled",
            "thinking_keep_supported": True,
            "fixed_temperature_thinking": 1.0,
            "fixed_temperature_no_thinking": 0.6,
            "fixed_top_p": 0.95,
            "fixed_n": 1,
            "fixed_penalty": 0.0,
            "supports_image_in": True,
            "supports_video_in": True,
            "supports_tool_choice_required": False,
        },
    ),
    (
        "kimi-k2.5",
        {
            "thinking_keep_supported": False,
            "default_max_output_tokens": 32_768,
            "lifecycle": "retired",
            "lifecycle_date": "2026-08-31",
            "replacement": ("kimi-k3", "kimi-k2.6"),
        },
    ),
    (
        "kimi-k2.7-code",
        {
            "thinking": "enabled_only",
            "thinking_keep_required": False,
            "thinking_keep_default": "all",
            "fixed_temperature_thinking": 1.0,
            "fixed_temperature_no_thinking": None,
            "context_length": 262_144,
            "default_max_output_tokens": 32_768,
            "supports_image_in": True,
            "supports_video_in": True,
            "max_tokens_field": "max_completion_tokens",
            "release_date": "2026-06-12",
        },
    ),
    ("kimi-k2.7-code-highspeed", {"thinking": "enabled_only", "family": "kimi-k2.7-code"}),
    (
        "kimi-k3",
        {
            "context_length": 1_048_576,
            "default_max_output_tokens": 131_072,
            "reasoning_effort_values": ("low", "high", "max"),
            "supports_tool_choice_required": True,
            "thinking": "effort_only",
            "thinking_default": "enabled",
            "fixed_temperature_thinking": 1.0,
            "fixed_temperature_no_thinking": None,
            "fixed_top_p": 0.95,
            "fixed_n": 1,
            "fixed_penalty": 0.0,
            "reasoning_effort_default": "max",
            "supports_video_in": True,
            "dynamic_tool_messages": True,
            "max_tokens_field": "max_completion_tokens",
            "release_date": "2026-07-16",
            "lifecycle": "current",
        },
    ),
    (
        "kimi-k3.1-pro",
        {
            "family": "kimi-k3",
            "thinking": "effort_only",
            "fixed_temperature_thinking": 1.0,
            "context_length": None,
        },
    ),
    (
        "kimi-k2-0711-preview",
        {"context_length": 131_072, "thinking": "none", "temperature_range": (0.0, 1.0)},
    ),
    ("kimi-k2-turbo-preview", {"recommended_temperature": 0.6, "max_n": 5, "lifecycle": "retired"}),
    (
        "kimi-k2-thinking",
        {"thinking": "always_on", "lifecycle_date": "2026-05-25", "replacement": ("kimi-k2.6",)},
    ),
    ("kimi-k2-thinking-turbo", {"thinking": "always_on", "supports_image_in": False}),
    ("moonshot-v1-8k", {"context_length": 8_192, "default_temperature": 0.0, "penalty_range": (-2.0, 2.0)}),
    ("moonshot-v1-auto", {"context_length": 131_072, "supports_image_in": False}),
    (
        "moonshot-v1-32k-vision-preview",
        {"context_length": 32_768, "supports_image_in": True, "supports_video_in": None},
    ),
    ("kimi-latest", {"lifecycle": "retired", "lifecycle_date": "2026-01-28", "thinking": "unknown"}),
    ("kimi-thinking-preview", {"lifecycle": "retired", "lifecycle_date": "2025-11-11"}),
    (
        "moonshot-v1-8k",
        {"lifecycle": "retired", "lifecycle_date": "2026-08-31", "replacement": ("kimi-k3", "kimi-k2.6")},
    ),
    (
        "moonshotai/Kimi-K2-Instruct",
        {"hosting": "self_hosted", "recommended_temperature": 0.6, "max_n": None},
    ),
]


@pytest.mark.parametrize(("model", "facts"), SPEC_FACTS)
def test_spec_facts(model: str, facts: dict[str, object]) -> None:
    spec = get_model_spec(model)
    for name, value in facts.items():
        assert getattr(spec, name) == value, name


PRICES: list[tuple[str, str, tuple[float | None, float, float], bool]] = [
    ("kimi-k2.5", "CNY", (0.70, 4.00, 21.00), True),
    ("kimi-k2.5", "USD", (0.10, 0.60, 3.00), True),
    ("kimi-k2.6", "USD", (0.16, 0.95, 4.00), True),
    ("kimi-k2.6", "CNY", (1.10, 6.50, 27.00), True),
    ("kimi-k3", "USD", (0.30, 3.00, 15.00), True),
    ("kimi-k3", "CNY", (2.00, 20.00, 100.00), True),
    ("kimi-k2.7-code", "USD", (0.19, 0.95, 4.00), True),
    ("kimi-k2.7-code", "CNY", (1.30, 6.50, 27.00), True),
    ("kimi-k2.7-code-highspeed", "USD", (0.38, 1.90, 8.00), True),
    ("kimi-k2.7-code-highspeed", "CNY", (2.60, 13.00, 54.00), True),
    ("kimi-k3.1-pro", "USD", (0.20, 2.00, 10.00), False),
    ("kimi-k2-turbo-preview", "CNY", (1, 8, 58), True),
    ("moonshot-v1-128k", "CNY", (None, 10, 30), True),
    ("moonshot-v1-32k", "USD", (None, 1.0, 3.0), False),
    ("moonshot-v1-128k-vision-preview", "USD", (None, 2.0, 5.0), False),
    ("moonshot-v1-8k-vision-preview", "CNY", (None, 2, 10), True),
]


@pytest.mark.parametrize(("model", "currency", "figures", "confirmed"), PRICES)
def test_prices(
    model: str, currency: str, figures: tuple[float | None, float, float], confirmed: bool
) -> None:
    price = next(p for p in get_model_spec(model).prices if p.currency == currency)
    assert isinstance(price, Price)
    assert (price.cache_hit, price.cache_miss, price.output) == figures
    assert price.confirmed is confirmed
    assert price.source.startswith("https://")


FAMILIES: list[tuple[str, str, str]] = [
    ("kimi-k2.6-something", "kimi-k2.6", "configurable"),
    ("kimi-k2.5-0101", "kimi-k2.5", "configurable"),
    ("kimi-k2.7-code-preview", "kimi-k2.7-code", "enabled_only"),
    ("kimi-k2.7-chat", "kimi-k2.7", "unknown"),
    ("kimi-k3-mini", "kimi-k3", "effort_only"),
    ("kimi-k2-thinking-2026", "kimi-k2-thinking", "always_on"),
    ("kimi-k2-1201-preview", "kimi-k2", "none"),
    ("moonshot-v1-64k-foo", "moonshot-v1", "none"),
    ("moonshot-v1-64k-vision-preview", "moonshot-v1-vision", "none"),
    ("moonshotai/Kimi-K2-Thinking-FP8", "moonshotai/Kimi-K2-Thinking", "always_on"),
    ("moonshotai/kimi-k2-thinking", "moonshotai/Kimi-K2-Thinking", "always_on"),
    ("moonshotai/Kimi-K2.5-Instruct", "moonshotai/Kimi-K2.5", "configurable"),
    ("moonshotai/Kimi-K2-Base", "moonshotai/Kimi-K2", "unknown"),
]


@pytest.mark.parametrize(("model", "family", "thinking"), FAMILIES)
def test_family_prefix(model: str, family: str, thinking: str) -> None:
    spec = get_model_spec(model)
    assert (spec.id, spec.family, spec.thinking, spec.matched_by) == (model, family, thinking, "family")
    assert spec.is_known
    # Per-model facts of the row are not carried over to siblings.
    assert spec.context_length is None
    assert spec.prices == ()
    # Every moonshot-v1 id is retired (docs/models), listed or not; other siblings are unknown.
    assert spec.lifecycle == ("retired" if model.startswith("moonshot-v1") else "unknown")


OPEN_WEIGHTS: list[tuple[str, int, float, str]] = [
    ("moonshotai/Kimi-K2-Instruct", 131_072, 0.6, "unknown"),
    ("moonshotai/Kimi-K2-Instruct-0905", 262_144, 0.6, "unknown"),
    ("moonshotai/Kimi-K2-Thinking", 262_144, 1.0, "always_on"),
    ("moonshotai/Kimi-K2.5", 262_144, 1.0, "configurable"),
]


@pytest.mark.parametrize(("model", "context", "temperature", "thinking"), OPEN_WEIGHTS)
def test_open_weight_rows(model: str, context: int, temperature: float, thinking: str) -> None:
    spec = get_model_spec(model)
    assert (spec.matched_by, spec.hosting) == ("id", "self_hosted")
    assert (spec.context_length, spec.recommended_temperature, spec.thinking) == (
        context,
        temperature,
        thinking,
    )
    assert spec.sources
    assert all(src.startswith("https://") for src in spec.sources)


def test_family_keeps_family_rules() -> None:
    assert get_model_spec("kimi-k2.6-something").fixed_temperature_thinking == 1.0
    assert get_model_spec("moonshot-v1-64k-foo").temperature_range == (0.0, 1.0)
    assert get_model_spec("moonshot-v1-64k-foo").supports_image_in is None  # might be a vision id
    assert get_model_spec("moonshot-v1-64k-vision-preview").supports_image_in is True


@pytest.mark.parametrize("model", ["gpt-4o", "kimi-k4", "kimi-k2", "", "my-kimi-k2.6", "kimi"])
def test_unknown_ids_get_the_permissive_default(model: str) -> None:
    spec = get_model_spec(model)
    assert spec.id == model
    assert not spec.is_known
    assert spec.matched_by == "default"
    unset = [
        f.name
        for f in dataclasses.fields(ModelSpec)
        if f.name not in ("id", "family", "is_known", "matched_by", "hosting", "thinking", "lifecycle")
        and getattr(spec, f.name) not in (None, (), False)
    ]
    assert unset == []
    assert spec.thinking == "unknown"


def test_refresh_merges_live_fields_without_touching_others() -> None:
    registry = ModelRegistry()
    registry.refresh(
        [
            {
                "id": "kimi-k9",
                "object": "model",
                "context_length": 2_000_000,
                "supports_image_in": True,
                "supports_video_in": False,
                "supports_reasoning": True,
            },
            {"id": "moonshot-v1-8k", "context_length": 16_384, "supports_image_in": True},
            {"id": "kimi-k2.6-x", "supports_reasoning": False, "context_length": "big"},
            {"object": "model"},  # no id: ignored
        ]
    )
    new = registry.get("kimi-k9")
    assert (new.matched_by, new.is_known, new.context_length, new.max_output_tokens) == (
        "live",
        True,
        2_000_000,
        2_000_000,
    )
    assert (new.supports_image_in, new.supports_video_in, new.thinking) == (True, False, "unknown")
    v1 = registry.get("moonshot-v1-8k")
    assert (v1.context_length, v1.max_output_tokens, v1.supports_image_in) == (16_384, 16_384, True)
    assert v1.temperature_range == (0.0, 1.0)  # table rules kept
    family = registry.get("kimi-k2.6-x")
    assert (family.thinking, family.thinking_default, family.context_length) == ("none", "disabled", None)
    assert get_model_spec("kimi-k9").matched_by == "default"  # other registries untouched
    registry.clear_live()
    assert registry.get("kimi-k9").matched_by == "default"


def test_refresh_default_registry() -> None:
    try:
        refresh_model_specs([{"id": "kimi-k2.9", "context_length": 500_000}])
        assert get_model_spec("kimi-k2.9").context_length == 500_000
    finally:
        default_registry.clear_live()
    assert get_model_spec("kimi-k2.9").context_length is None


def test_refresh_is_thread_safe() -> None:
    registry = ModelRegistry()
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        for i in range(start, start + 200):
            registry.refresh([{"id": f"m-{i}", "context_length": i + 1}])

    def reader() -> None:
        try:
            for i in range(2000):
                spec = registry.get(f"m-{i % 800}")
                assert spec.context_length in (None, i % 800 + 1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n * 200,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(registry.get(f"m-{i}").context_length == i + 1 for i in range(800))
