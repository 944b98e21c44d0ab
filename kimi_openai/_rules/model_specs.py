"""Model specs: what each Kimi model accepts, as data.

Lookup order (:func:`get_model_spec`): a live ``/v1/models`` entry merged by
:func:`refresh_model_specs`, then the exact id, then a family prefix, then a
permissive default that constrains nothing model-specific. An unknown id is
never rejected: Moonshot adds and retires models often, and the server's own
400 is the final word (https://platform.kimi.ai/docs/api/models-overview).

``python -m kimi_openai._rules.models_page > docs/models.md`` regenerates the model page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal

from kimi_openai.types.balance import Currency

from .sources import KD_BENCHMARK, KD_CHAT, KD_LIST_MODELS, KD_MODELS

__all__ = [
    "KnownModel",
    "ModelRegistry",
    "ModelSpec",
    "Price",
    "clear_model_specs",
    "get_model_spec",
    "refresh_model_specs",
]

ThinkingSupport = Literal["none", "configurable", "always_on", "enabled_only", "unknown"]
"""How a model handles the ``thinking`` request field."""
ThinkingType = Literal["enabled", "disabled"]
Lifecycle = Literal["current", "deprecated", "retired", "unknown"]
PLATFORM_CURRENCY: Final[dict[str | None, Currency]] = {"global": "USD", "cn": "CNY"}
"""What each platform bills in: platform.moonshot.ai in USD, platform.moonshot.cn in CNY (presumed ⚠)."""
MatchedBy = Literal["id", "family", "live", "default"]
Hosting = Literal["moonshot", "self_hosted"]

KnownModel = Literal[
    "kimi-k3",
    "kimi-k2.7-code",
    "kimi-k2.7-code-highspeed",
    "kimi-k2.6",
    "kimi-k2.5",
    "kimi-k2-0905-preview",
    "kimi-k2-0711-preview",
    "kimi-k2-turbo-preview",
    "kimi-k2-thinking",
    "kimi-k2-thinking-turbo",
    "moonshot-v1-8k",
    "moonshot-v1-32k",
    "moonshot-v1-128k",
    "moonshot-v1-auto",
    "moonshot-v1-8k-vision-preview",
    "moonshot-v1-32k-vision-preview",
    "moonshot-v1-128k-vision-preview",
    "kimi-latest",
    "moonshotai/Kimi-K2-Instruct",
    "moonshotai/Kimi-K2-Instruct-0905",
    "moonshotai/Kimi-K2-Thinking",
    "moonshotai/Kimi-K2.5",
]
"""Model ids with a row in the spec table. Type a model as ``str | KnownModel``."""

# Sources behind the table rows (see /docs/models.md for the page built from them).
CN_PRICING: Final = "https://platform.moonshot.cn/docs/pricing/chat"
CN_CHAT: Final = "https://platform.moonshot.cn/docs/api/chat"
MS_K25: Final = "https://platform.moonshot.ai/docs/guide/kimi-k2-5-quickstart"
MS_MIGRATING: Final = "https://platform.moonshot.ai/docs/guide/migrating-from-openai-to-kimi"
MS_VISION: Final = "https://platform.moonshot.ai/docs/guide/use-kimi-vision-model"
PROMPTFOO: Final = "https://www.promptfoo.dev/docs/providers/moonshot/"
PYDANTIC_AI_6208: Final = "https://github.com/pydantic/pydantic-ai/pull/6208"
WOLFFI_K26: Final = "https://docs.wolffi.sh (quoting https://platform.kimi.ai/docs/pricing/chat-k26)"
WOLFFI: Final = "https://docs.wolffi.sh"
LAVA: Final = "https://lava.so"
HF_K2: Final = "https://huggingface.co/moonshotai/Kimi-K2-Instruct"
HF_K2_0905: Final = "https://huggingface.co/moonshotai/Kimi-K2-Instruct-0905"
HF_K2_THINKING: Final = "https://huggingface.co/moonshotai/Kimi-K2-Thinking"
HF_K25: Final = "https://huggingface.co/moonshotai/Kimi-K2.5"


@dataclass(frozen=True, slots=True)
class Price:
    """A list price per million tokens, with where and when it was stated."""

    currency: Currency
    """``"CNY"`` (platform.moonshot.cn) or ``"USD"`` (platform.moonshot.ai / platform.kimi.ai)."""
    cache_hit: float | None
    """Input tokens served from the prefix cache; None when the model has no cache tier."""
    cache_miss: float
    """Input tokens not served from the cache (the plain input price)."""
    output: float
    """Output tokens, reasoning tokens included."""
    as_of: str | None
    """ISO date (or year-month) the source gives for the figure; None when the source is undated."""
    source: str
    """URL of the page stating the figure."""
    confirmed: bool = True
    """False when the figure comes from a third party rather than Moonshot's own pages."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What one model accepts. ``None`` in a capability or limit means "not known": not checked."""

    id: str
    """The model id as sent in ``model``."""
    family: str
    """Family whose rules apply, e.g. ``"kimi-k2.6"`` or ``"moonshot-v1"``."""
    is_known: bool = True
    """False only for the permissive default returned for an id matching no row or family."""
    matched_by: MatchedBy = "id"
    """How the lookup found this spec: exact id, family prefix, live ``/v1/models`` entry, or default."""
    hosting: Hosting = "moonshot"
    """``"self_hosted"`` for open weights served by vLLM/SGLang: Moonshot platform rules are not forced."""
    context_length: int | None = None
    """Context window in tokens (input + output)."""
    default_max_output_tokens: int | None = None
    """Output cap the server applies when no ``max_tokens`` is sent."""
    max_output_tokens: int | None = None
    """Largest ``max_tokens`` worth sending: the context length (input + max > context is a 400)."""
    thinking: ThinkingSupport = "unknown"
    """``none``: no thinking; ``configurable``: enabled/disabled; ``always_on``: implied by the model,
    ``disabled`` is an error; ``enabled_only``: only ``{"type": "enabled", ...}`` is accepted."""
    thinking_default: ThinkingType | None = None
    """Thinking state when the request has no ``thinking`` field."""
    thinking_keep_supported: bool | None = None
    """Whether ``thinking.keep`` (``"all"`` = preserved thinking across turns) is accepted."""
    thinking_keep_required: bool = False
    """Whether ``thinking`` must carry ``keep: "all"`` when sent (kimi-k2.7-code)."""
    fixed_temperature_thinking: float | None = None
    """The only temperature accepted with thinking on; None when temperature is not fixed."""
    fixed_temperature_no_thinking: float | None = None
    """The only temperature accepted with thinking off."""
    fixed_top_p: float | None = None
    """The only ``top_p`` accepted."""
    fixed_n: int | None = None
    """The only ``n`` accepted."""
    fixed_penalty: float | None = None
    """The only ``presence_penalty`` / ``frequency_penalty`` accepted."""
    temperature_range: tuple[float, float] | None = None
    """Inclusive temperature range when temperature is not fixed."""
    penalty_range: tuple[float, float] | None = None
    """Inclusive range of ``presence_penalty`` and ``frequency_penalty`` when not fixed."""
    default_temperature: float | None = None
    """Temperature the server uses when none is sent."""
    recommended_temperature: float | None = None
    """Temperature Moonshot recommends for this model."""
    max_n: int | None = None
    """Largest ``n`` (number of choices)."""
    supports_image_in: bool | None = None
    """Whether ``image_url`` content parts are accepted."""
    supports_video_in: bool | None = None
    """Whether ``video_url`` content parts are accepted."""
    accepts_http_media_urls: bool | None = None
    """Whether plain http(s) media URLs are accepted (Moonshot takes only ``data:`` and ``ms://``)."""
    supports_tool_choice_required: bool | None = None
    """Whether ``tool_choice="required"`` is accepted."""
    supports_json_schema: bool | None = None
    """Whether ``response_format={"type": "json_schema", ...}`` is accepted."""
    reasoning_effort_values: tuple[str, ...] | None = None
    """Accepted ``reasoning_effort`` values; None when not documented (not checked)."""
    prices: tuple[Price, ...] = ()
    """List prices per million tokens, CNY and/or USD."""
    lifecycle: Lifecycle = "unknown"
    """``current``, ``deprecated`` (still served, going away) or ``retired`` (returns 404)."""
    lifecycle_date: str | None = None
    """ISO date (or year / year-month) of the lifecycle state, when a source gives one."""
    lifecycle_source: str | None = None
    """URL stating the lifecycle state."""
    sources: tuple[str, ...] = ()
    """URLs backing the limits and capabilities of this row."""


def _cny(hit: float | None, miss: float, out: float) -> Price:
    return Price("CNY", hit, miss, out, "2026-02-09", CN_PRICING)


def _usd(hit: float | None, miss: float, out: float, *, as_of: str | None, source: str) -> Price:
    return Price("USD", hit, miss, out, as_of, source, confirmed=source.startswith("https://platform."))


_CURRENT: Final = {"lifecycle": "current", "lifecycle_date": "2026-08-13", "lifecycle_source": KD_MODELS}
_RETIRED: Final = {"lifecycle": "retired", "lifecycle_date": "2026", "lifecycle_source": PROMPTFOO}

# moonshot-v1: temperature [0, 1] default 0.0, n <= 5, penalties [-2, 2]; text only
# unless the id ends in -vision-preview (CN_CHAT field table; MS_VISION).
_V1: Final = ModelSpec(
    id="moonshot-v1",
    family="moonshot-v1",
    default_max_output_tokens=1024,
    thinking="none",
    thinking_default="disabled",
    thinking_keep_supported=False,
    temperature_range=(0.0, 1.0),
    penalty_range=(-2.0, 2.0),
    default_temperature=0.0,
    max_n=5,
    supports_image_in=False,
    supports_video_in=False,
    accepts_http_media_urls=False,
    supports_tool_choice_required=False,
    lifecycle="current",
    lifecycle_date="2026-02-09",
    lifecycle_source=CN_PRICING,
    sources=(CN_CHAT, CN_PRICING, MS_MIGRATING),
)
# Vision previews take images; whether they take video is not documented, so unchecked.
_V1_VISION: Final = replace(_V1, family="moonshot-v1-vision", supports_image_in=True, supports_video_in=None)

# K2 previews: like moonshot-v1 but recommended temperature 0.6, no vision (CN_PRICING).
_K2_PREVIEW: Final = replace(
    _V1,
    id="kimi-k2",
    family="kimi-k2",
    default_temperature=0.6,
    recommended_temperature=0.6,
    sources=(CN_CHAT, CN_PRICING, MS_MIGRATING, KD_MODELS),
    **_RETIRED,
)
# kimi-k2-thinking*: thinking implied by the name, temperature 1.0 recommended (KD_MODELS).
_K2_THINKING: Final = replace(
    _K2_PREVIEW,
    id="kimi-k2-thinking",
    family="kimi-k2-thinking",
    thinking="always_on",
    thinking_default="enabled",
    default_temperature=1.0,
    recommended_temperature=1.0,
    max_n=None,
    penalty_range=None,
)
# K2.5 and later: sampling is fixed; "any other value -> error" (KD_MODELS; MS_K25).
_K25: Final = ModelSpec(
    id="kimi-k2.5",
    family="kimi-k2.5",
    context_length=262_144,
    default_max_output_tokens=32_768,
    max_output_tokens=262_144,
    thinking="configurable",
    thinking_default="enabled",
    thinking_keep_supported=False,
    fixed_temperature_thinking=1.0,
    fixed_temperature_no_thinking=0.6,
    fixed_top_p=0.95,
    fixed_n=1,
    fixed_penalty=0.0,
    max_n=1,
    supports_image_in=True,
    # Moonshot's quickstart lists video; a gateway says no (intl.cloud.tencent.com): accept it.
    supports_video_in=True,
    accepts_http_media_urls=False,
    supports_tool_choice_required=False,
    prices=(_cny(0.70, 4.00, 21.00), _usd(0.10, 0.60, 3.00, as_of="2026-01-26", source=MS_K25)),
    lifecycle="deprecated",
    lifecycle_date="2026-09",
    lifecycle_source="litellm-docs PR #828 (third party)",
    sources=(MS_K25, KD_MODELS, KD_CHAT, MS_VISION),
)
_K26: Final = replace(
    _K25,
    id="kimi-k2.6",
    family="kimi-k2.6",
    default_max_output_tokens=None,
    thinking_keep_supported=True,
    supports_json_schema=True,
    prices=(_usd(0.16, 0.95, 4.00, as_of=None, source=WOLFFI_K26),),
    sources=(KD_MODELS, KD_CHAT, KD_LIST_MODELS),
    **_CURRENT,
)
# kimi-k2.7-code accepts only {"type": "enabled", "keep": "all"} (KD_CHAT thinking);
# fixed sampling carried over from K2.5/K2.6 ("K2.5 and later"); context not documented.
_K27_CODE: Final = replace(
    _K26,
    id="kimi-k2.7-code",
    family="kimi-k2.7-code",
    context_length=None,
    max_output_tokens=None,
    thinking="enabled_only",
    thinking_keep_required=True,
    supports_image_in=None,
    supports_video_in=None,
    prices=(),
)
# kimi-k3: 1M context, reasoning_effort low|high|max, tool_choice "required" works (KD_MODELS).
# The docs say nothing on fixed sampling or `thinking` for K3, so neither is checked.
_K3: Final = ModelSpec(
    id="kimi-k3",
    family="kimi-k3",
    context_length=1_048_576,
    default_max_output_tokens=131_072,
    max_output_tokens=1_048_576,
    supports_image_in=True,
    accepts_http_media_urls=False,
    supports_tool_choice_required=True,
    supports_json_schema=True,
    reasoning_effort_values=("low", "high", "max"),
    sources=(KD_MODELS, KD_CHAT, KD_LIST_MODELS),
    lifecycle="current",
    lifecycle_date="2026-08-13",
    lifecycle_source=KD_MODELS,
)
# Open weights served by vLLM/SGLang: the server decides; only the model card's advice is recorded.
_OPEN_K2: Final = ModelSpec(
    id="moonshotai/Kimi-K2-Instruct",
    family="moonshotai/Kimi-K2",
    hosting="self_hosted",
    context_length=131_072,  # "Context Length: 128K" on the model card
    max_output_tokens=131_072,
    recommended_temperature=0.6,
    lifecycle="current",
    lifecycle_source=HF_K2,
    sources=(HF_K2,),
)
_OPEN_K2_0905: Final = replace(
    _OPEN_K2,
    id="moonshotai/Kimi-K2-Instruct-0905",
    context_length=262_144,  # the 0905 weights extend the context to 256K (model card)
    max_output_tokens=262_144,
    lifecycle_source=HF_K2_0905,
    sources=(HF_K2_0905,),
)
# K2 Thinking weights: 256K context, always reasoning; the platform's K2-thinking family
# defaults to temperature 1.0 (KD_MODELS parameter table).
_OPEN_K2_THINKING: Final = replace(
    _OPEN_K2,
    id="moonshotai/Kimi-K2-Thinking",
    family="moonshotai/Kimi-K2-Thinking",
    context_length=262_144,
    max_output_tokens=262_144,
    thinking="always_on",
    recommended_temperature=1.0,
    lifecycle_source=HF_K2_THINKING,
    sources=(HF_K2_THINKING, KD_MODELS),
)
# K2.5 weights: 256K context, image input, thinking on by default and switchable; Moonshot
# runs K2.5 at temperature 1.0 with top_p 0.95 (KD_BENCHMARK).
_OPEN_K25: Final = replace(
    _OPEN_K2,
    id="moonshotai/Kimi-K2.5",
    family="moonshotai/Kimi-K2.5",
    context_length=262_144,
    max_output_tokens=262_144,
    thinking="configurable",
    thinking_default="enabled",
    recommended_temperature=1.0,
    supports_image_in=True,
    lifecycle_source=HF_K25,
    sources=(HF_K25, MS_K25, KD_BENCHMARK),
)
_DEFAULT: Final = ModelSpec(id="", family="unknown", is_known=False, matched_by="default")


def _v1(size: str, context: int, *prices: Price, vision: bool = False) -> ModelSpec:
    base = _V1_VISION if vision else _V1
    suffix = "-vision-preview" if vision else ""
    return replace(
        base,
        id=f"moonshot-v1-{size}{suffix}",
        context_length=context,
        max_output_tokens=context,
        prices=prices,
    )


def _k2(model_id: str, base: ModelSpec, context: int, prices: tuple[Price, ...], **kw: object) -> ModelSpec:
    return replace(base, id=model_id, context_length=context, max_output_tokens=context, prices=prices, **kw)


_LAVA_K2 = _usd(0.15, 0.60, 2.50, as_of=None, source=LAVA)
# Third-party USD figures for moonshot-v1 (no cache tier); none is given for 8k.
_V1_USD_32K = _usd(None, 1.0, 3.0, as_of=None, source=WOLFFI)
_V1_USD_128K = _usd(None, 2.0, 5.0, as_of=None, source=WOLFFI)
_MODEL_TABLE: Final[tuple[ModelSpec, ...]] = (
    _K3,
    _K27_CODE,
    replace(_K27_CODE, id="kimi-k2.7-code-highspeed"),
    _K26,
    _K25,
    _k2("kimi-k2-0905-preview", _K2_PREVIEW, 262_144, (_cny(1, 4, 16), _LAVA_K2)),
    _k2("kimi-k2-0711-preview", _K2_PREVIEW, 131_072, (_cny(1, 4, 16),)),
    _k2(
        "kimi-k2-turbo-preview",
        _K2_PREVIEW,
        262_144,
        (_cny(1, 8, 58), _usd(0.15, 1.15, 8.00, as_of=None, source=LAVA)),
    ),
    _k2(
        "kimi-k2-thinking",
        _K2_THINKING,
        262_144,
        (_cny(1, 4, 16), _LAVA_K2),
        lifecycle_date="2026-07-02",
        lifecycle_source=PYDANTIC_AI_6208,
    ),
    _k2("kimi-k2-thinking-turbo", _K2_THINKING, 262_144, (_cny(1, 8, 58),)),
    _v1("8k", 8_192, _cny(None, 2, 10)),
    _v1("32k", 32_768, _cny(None, 5, 20), _V1_USD_32K),
    _v1("128k", 131_072, _cny(None, 10, 30), _V1_USD_128K),
    # -auto picks a tier; the largest (128k) bounds max_tokens.
    _v1("auto", 131_072),
    _v1("8k", 8_192, _cny(None, 2, 10), vision=True),
    _v1("32k", 32_768, _cny(None, 5, 20), _V1_USD_32K, vision=True),
    _v1("128k", 131_072, _cny(None, 10, 30), _V1_USD_128K, vision=True),
    # Not in the 2026 docs and discontinued: nothing is known of its limits.
    replace(_DEFAULT, id="kimi-latest", family="kimi-latest", is_known=True, matched_by="id", **_RETIRED),
    _OPEN_K2,
    _OPEN_K2_0905,
    _OPEN_K2_THINKING,
    _OPEN_K25,
)


def _family(spec: ModelSpec, **unknown: object) -> ModelSpec:
    """A family template: the family's rules, with per-model facts (context, prices) unknown."""
    fields: dict[str, object] = {
        "context_length": None,
        "max_output_tokens": None,
        "prices": (),
        "lifecycle": "unknown",
        "lifecycle_date": None,
        "lifecycle_source": None,
        **unknown,
    }
    return replace(spec, matched_by="family", **fields)


# (prefix, marker that must also appear, template); first match wins, so specific rows come first.
_FAMILY_TABLE: Final[tuple[tuple[str, str, ModelSpec], ...]] = (
    ("kimi-k3", "", _family(_K3, reasoning_effort_values=None)),
    ("kimi-k2.7-code", "", _family(_K27_CODE)),
    # Other K2.7 variants: sampling fixed like every model from K2.5 on, thinking rules unknown.
    (
        "kimi-k2.7",
        "",
        _family(
            _K27_CODE,
            family="kimi-k2.7",
            thinking="unknown",
            thinking_default=None,
            thinking_keep_required=False,
            thinking_keep_supported=None,
        ),
    ),
    ("kimi-k2.6", "", _family(_K26, supports_video_in=None)),
    ("kimi-k2.5", "", _family(_K25, supports_video_in=None)),
    ("kimi-k2-thinking", "", _family(_K2_THINKING)),
    ("kimi-k2-", "", _family(_K2_PREVIEW)),
    ("moonshot-v1-", "vision", _family(_V1_VISION)),
    # Unknown moonshot-v1 ids might be vision ones: do not reject images for them.
    ("moonshot-v1", "", _family(_V1, supports_image_in=None)),
    ("moonshotai/kimi-k2-thinking", "", _family(_OPEN_K2_THINKING)),
    ("moonshotai/kimi-k2.5", "", _family(_OPEN_K25)),
    ("moonshotai/kimi-k2", "", _family(_OPEN_K2)),
)


def _apply_live(base: ModelSpec, model_id: str, item: Mapping[str, object]) -> ModelSpec:
    """Overlay the non-standard ``/v1/models`` fields (KD_LIST_MODELS) on a table spec.

    The server is the authority on its own models, so live values win over the table.
    """
    changes: dict[str, object] = {"id": model_id, "matched_by": "live", "is_known": True}
    context = item.get("context_length")
    if isinstance(context, int) and not isinstance(context, bool) and context > 0:
        changes["context_length"] = context
        if base.max_output_tokens is None or base.max_output_tokens == base.context_length:
            changes["max_output_tokens"] = context
    for live_key, field in (
        ("supports_image_in", "supports_image_in"),
        ("supports_video_in", "supports_video_in"),
    ):
        value = item.get(live_key)
        if isinstance(value, bool):
            changes[field] = value
    reasoning = item.get("supports_reasoning")
    if reasoning is False:
        changes.update(thinking="none", thinking_default="disabled")
    elif reasoning is True and base.thinking == "none":
        changes.update(thinking="unknown", thinking_default=None)
    return replace(base, **changes)


class ModelRegistry:
    """Spec lookup: live entries, exact ids, family prefixes, then a permissive default.

    Thread-safe: :meth:`refresh` builds a new mapping and swaps it in under a lock,
    so readers never see a half-merged state.
    """

    def __init__(
        self,
        specs: Iterable[ModelSpec] = _MODEL_TABLE,
        families: Iterable[tuple[str, str, ModelSpec]] = _FAMILY_TABLE,
    ) -> None:
        self._specs: dict[str, ModelSpec] = {spec.id: spec for spec in specs}
        self._families = tuple(families)
        self._live: dict[str, ModelSpec] = {}
        self._lock = threading.Lock()

    def get(self, model: str) -> ModelSpec:
        """The spec for ``model``; never raises for an unknown id."""
        live = self._live.get(model)
        return live if live is not None else self._static(model)

    def _static(self, model: str) -> ModelSpec:
        exact = self._specs.get(model)
        if exact is not None:
            return exact
        folded = model.casefold()
        for prefix, marker, template in self._families:
            if folded.startswith(prefix) and marker in folded:
                return replace(template, id=model)
        return replace(_DEFAULT, id=model)

    def refresh(self, models: Iterable[Mapping[str, object]]) -> None:
        """Merge ``/v1/models`` items (dicts with ``id`` and the Kimi extras) into the lookup."""
        merged: dict[str, ModelSpec] = {}
        for item in models:
            model_id = item.get("id")
            if isinstance(model_id, str) and model_id:
                merged[model_id] = _apply_live(self._static(model_id), model_id, item)
        with self._lock:
            self._live = {**self._live, **merged}

    def clear_live(self) -> None:
        """Forget every live entry merged by :meth:`refresh`."""
        with self._lock:
            self._live = {}

    def table(self) -> tuple[ModelSpec, ...]:
        """The static rows, in table order."""
        return tuple(self._specs.values())

    def families(self) -> tuple[tuple[str, str, ModelSpec], ...]:
        """The family rules: (lower-case prefix, required marker, template)."""
        return self._families


default_registry: Final = ModelRegistry()
"""The registry behind :func:`get_model_spec` and :func:`refresh_model_specs`."""


def get_model_spec(model: str) -> ModelSpec:
    """The spec for ``model`` from the default registry (exact id, family prefix, or permissive default)."""
    return default_registry.get(model)


def refresh_model_specs(models: Iterable[Mapping[str, object]]) -> None:
    """Merge live ``GET /v1/models`` items into the default registry.

    Example: ``refresh_model_specs(m.model_dump() for m in client.models.list())``.
    """
    default_registry.refresh(models)


def clear_model_specs() -> None:
    """Forget what :func:`refresh_model_specs` merged: the built-in table applies again.

    Live specs are process-wide; clear them when switching to a server whose models differ
    (the other region, a proxy, a self-hosted engine), and between tests.
    """
    default_registry.clear_live()
