"""Model specs: what each Kimi model accepts, as data.

Lookup order (:func:`get_model_spec`): a live ``/v1/models`` entry merged by
:func:`refresh_model_specs`, then the exact id, then a family prefix, then a
permissive default that constrains nothing model-specific. An unknown id is
never rejected: Moonshot adds and retires models often, and the server's own
400 is the final word (https://platform.kimi.ai/docs/api/models-overview).

``python -m kimi_openai._rules.models_page > docs/models.md`` regenerates the model page.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal, TypedDict

from kimi_openai.types.balance import Currency

from .sources import (
    KD_BENCHMARK,
    KD_CHAT,
    KD_EFFORT,
    KD_K2_THINKING,
    KD_K3,
    KD_K3_TOOLS,
    KD_LIST_MODELS,
    KD_MODEL_LIST,
    KD_MODELS,
)

__all__ = [
    "KnownModel",
    "ModelRegistry",
    "ModelSpec",
    "Price",
    "clear_model_specs",
    "get_model_spec",
    "model_hint",
    "refresh_model_specs",
    "retired_advice",
    "served_model_ids",
]

ThinkingSupport = Literal["none", "configurable", "always_on", "enabled_only", "effort_only", "unknown"]
"""How a model handles the ``thinking`` request field."""
ThinkingType = Literal["enabled", "disabled"]
Lifecycle = Literal["current", "deprecated", "retired", "unknown"]
TokenLimitField = Literal["max_tokens", "max_completion_tokens"]
"""The name a chat request sends its output limit under."""
PLATFORM_CURRENCY: Final[dict[str | None, Currency]] = {"global": "USD", "cn": "CNY"}
"""What each platform bills in: platform.kimi.ai in USD, platform.kimi.com in CNY (XLYRA_76: live, CNY)."""
MatchedBy = Literal["id", "family", "live", "default"]
Hosting = Literal["moonshot", "self_hosted"]

KnownModel = Literal[
    "kimi-k3",
    "kimi-k3.1-pro",
    "kimi-k3.1-pro-highspeed",
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
    "kimi-thinking-preview",
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
HF_K2: Final = "https://huggingface.co/moonshotai/Kimi-K2-Instruct"
HF_K2_0905: Final = "https://huggingface.co/moonshotai/Kimi-K2-Instruct-0905"
HF_K2_THINKING: Final = "https://huggingface.co/moonshotai/Kimi-K2-Thinking"
HF_K25: Final = "https://huggingface.co/moonshotai/Kimi-K2.5"
WOLFFI: Final = "https://docs.wolffi.sh"
LAVA: Final = "https://lava.so"
# Official price pages, one per model (USD on platform.kimi.ai, CNY on platform.kimi.com).
P_K3: Final = "https://platform.kimi.ai/docs/pricing/chat-k3"
P_K27: Final = "https://platform.kimi.ai/docs/pricing/chat-k27-code"
P_K26: Final = "https://platform.kimi.ai/docs/pricing/chat-k26"
P_K3_CN: Final = "https://platform.kimi.com/docs/pricing/chat-k3"
P_K27_CN: Final = "https://platform.kimi.com/docs/pricing/chat-k27-code"
P_K26_CN: Final = "https://platform.kimi.com/docs/pricing/chat-k26"
# Third-party observations the table leans on where Moonshot's pages are silent.
LIVE_0902: Final = (
    "https://github.com/diillson/chatcli/issues/1344"  # live /v1/models + 404 probes, 2026-09-02
)
BIGAGI_1161: Final = "https://github.com/enricoros/big-AGI/issues/1161"  # live K3 probe, 2026-07-17
VERA_69: Final = "https://github.com/aallan/vera-bench/pull/69"  # Moonshot e-mail: kimi-k2-* end 2026-05-25
LETTA_2865: Final = "https://github.com/letta-ai/letta-code/pull/2865"  # K2.7 default output 32,768
FASTGPT_461: Final = "https://github.com/labring/fastgpt-plugin/pull/461"  # K2.7: 256k, image + video
OMP_1838: Final = "https://github.com/can1357/oh-my-pi/issues/1838"  # K2.6 quickstart: 32k default output
K31_LAUNCH: Final = "https://github.com/ikaijua/Awesome-AITools/discussions/1415"  # K3.1 Pro, 2026-10-23/24
AIHUBMIX_K31: Final = (  # K3.1 Pro answers temperature != 1 with K3's 400, 2026-10-24
    "https://dev.to/aihubmix/kimi-k31-pro-migration-guide-five-400s-one-404-and-the-claude-code-codex-config-13k"
)
NOVITA_K31: Final = "https://novita.ai/models/model-detail/moonshotai-kimi-k3.1-pro"
VERCEL_K31_HS: Final = "https://vercel.com/ai-gateway/models/kimi-k3.1-pro-highspeed.md"
K3_CACHE_WRITE: Final = "https://platform.kimi.ai/docs/pricing/chat (as quoted in a 2026-09-23 note)"


@dataclass(frozen=True, slots=True)
class Price:
    """A list price per million tokens, with where and when it was stated."""

    currency: Currency
    """``"CNY"`` (platform.kimi.com) or ``"USD"`` (platform.kimi.ai)."""
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
    cache_write_5m: float | None = None
    """Writing the prompt cache with a 5-minute TTL, where a price is published."""
    cache_write_1h: float | None = None
    """Writing the prompt cache with a 1-hour TTL, where a price is published."""


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
    """Output cap the server applies when no output limit is sent."""
    max_output_tokens: int | None = None
    """Largest output limit worth sending: the context length (input + max > context is a 400)."""
    max_tokens_field: TokenLimitField | None = None
    """The output-limit field Moonshot documents for this model; None: the client's default."""
    thinking: ThinkingSupport = "unknown"
    """``none``: no thinking; ``configurable``: enabled/disabled; ``always_on``: implied by the model,
    ``disabled`` is an error; ``enabled_only``: only ``{"type": "enabled", ...}`` is accepted;
    ``effort_only``: always on and no ``thinking`` field at all (``reasoning_effort`` sets the depth)."""
    thinking_default: ThinkingType | None = None
    """Thinking state when the request has no ``thinking`` field."""
    thinking_keep_supported: bool | None = None
    """Whether ``thinking.keep`` (``"all"`` = preserved thinking across turns) is accepted."""
    thinking_keep_required: bool = False
    """Whether ``thinking`` must carry ``keep: "all"`` when sent (no current model)."""
    thinking_keep_default: str | None = None
    """What an omitted or null ``keep`` means: ``"all"`` on kimi-k2.7-code, None (history ignored) elsewhere."""
    fixed_temperature_thinking: float | None = None
    """The only temperature accepted with thinking on; None when temperature is not fixed."""
    fixed_temperature_no_thinking: float | None = None
    """The only temperature accepted with thinking off; None when not fixed or thinking cannot be off."""
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
    reasoning_effort_default: str | None = None
    """The effort the server applies when none is sent."""
    dynamic_tool_messages: bool | None = None
    """Whether ``{"role": "system", "tools": [...]}`` messages add tools mid-conversation (kimi-k3)."""
    prices: tuple[Price, ...] = ()
    """List prices per million tokens, CNY and/or USD."""
    release_date: str | None = None
    """ISO date the model was released, when a source gives one."""
    lifecycle: Lifecycle = "unknown"
    """``current``, ``deprecated`` (still served, going away) or ``retired`` (returns 404)."""
    lifecycle_date: str | None = None
    """ISO date (or year / year-month) of the lifecycle state, when a source gives one."""
    lifecycle_source: str | None = None
    """URL stating the lifecycle state."""
    replacement: tuple[str, ...] = ()
    """For a retired model: the ids to use instead, the one Moonshot points to first."""
    notes: tuple[str, ...] = ()
    """Facts a user should know that are not rules (access, planned changes), each with its source."""
    sources: tuple[str, ...] = ()
    """URLs backing the limits and capabilities of this row."""


def _cny(hit: float | None, miss: float, out: float) -> Price:
    return Price("CNY", hit, miss, out, "2026-02-09", CN_PRICING)


def _usd(hit: float | None, miss: float, out: float, *, as_of: str | None, source: str) -> Price:
    return Price("USD", hit, miss, out, as_of, source, confirmed=source.startswith("https://platform."))


def _official(currency: Currency, prices: tuple[float, float, float], as_of: str, source: str) -> Price:
    return Price(currency, *prices, as_of, source)


class _Lifecycle(TypedDict):
    lifecycle: Lifecycle
    lifecycle_date: str
    lifecycle_source: str
    replacement: tuple[str, ...]


def _retired(date: str, *replacement: str, source: str = KD_MODEL_LIST) -> _Lifecycle:
    return {
        "lifecycle": "retired",
        "lifecycle_date": date,
        "lifecycle_source": source,
        "replacement": replacement,
    }


# The models page lists four ids as served (KD_MODEL_LIST, quoted 2026-09-13; LIVE_0902 listed
# exactly these from /v1/models on 2026-09-02).
_CURRENT: Final[_Lifecycle] = {
    "lifecycle": "current",
    "lifecycle_date": "2026-09-13",
    "lifecycle_source": KD_MODEL_LIST,
    "replacement": (),
}
# The models page: kimi-k2.5 and every moonshot-v1 id answer 404 since 2026-08-31 and point to
# kimi-k3; kimi-k2.6 is the cheaper current model with the same features (LIVE_0902 saw the 404s).
_RETIRED_0831: Final = _retired("2026-08-31", "kimi-k3", "kimi-k2.6")
# The K2 previews and kimi-k2-thinking* ended 2026-05-25, replaced by kimi-k2.6 (KD_MODEL_LIST;
# Moonshot's e-mail quoted in VERA_69).
_RETIRED_0525: Final = _retired("2026-05-25", "kimi-k2.6")
# The K2 series is to close to new users from 2026-10-31 and retire by the end of 2026: one
# gateway's reading of Moonshot's docs (AIHUBMIX_K31), not on any official page, so only a note.
_K2_PLANNED: Final = (
    "Planned retirement of the K2 series by the end of 2026 (single third-party source \u26a0: "
    f"{AIHUBMIX_K31})",
)

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
    sources=(CN_CHAT, CN_PRICING, MS_MIGRATING),
    **_RETIRED_0831,
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
    **_RETIRED_0525,
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
    release_date="2026-01-26",
    sources=(MS_K25, KD_MODELS, KD_CHAT, MS_VISION),
    **_RETIRED_0831,
)
# kimi-k2.6 (KD_CHAT; KD_K2_THINKING): thinking on by default and switchable; `keep` null
# (history ignored) or "all"; temperature 1.0 with thinking, 0.6 without ("invalid temperature:
# only 0.6 is allowed", arcsin1/oh-my-ppt #45); 32,768 default output (OMP_1838 quoting the
# quickstart); max_tokens is deprecated in the schema, max_completion_tokens documented (KD_CHAT).
_K26: Final = replace(
    _K25,
    id="kimi-k2.6",
    family="kimi-k2.6",
    max_tokens_field="max_completion_tokens",
    thinking_keep_supported=True,
    supports_json_schema=True,
    prices=(
        _official("USD", (0.16, 0.95, 4.00), "2026-09-14", P_K26),
        _official("CNY", (1.10, 6.50, 27.00), "2026-08-25", P_K26_CN),
    ),
    release_date="2026-04-20",
    notes=_K2_PLANNED,
    sources=(KD_MODEL_LIST, KD_MODELS, KD_CHAT, KD_K2_THINKING, KD_LIST_MODELS, OMP_1838),
    **_CURRENT,
)
# kimi-k2.7-code (KD_CHAT thinking; KD_K2_THINKING): thinking and preserved thinking always on;
# `type` only "enabled"; `keep` omitted, null or "all" all mean "all", any other value errors.
# Temperature 1.0, top_p 0.95, n 1, penalties 0 (K2.7 quickstart). 256k context, 32,768 default
# output, image and video input (FASTGPT_461 citing the official pages; LETTA_2865).
_K27_CODE: Final = replace(
    _K26,
    id="kimi-k2.7-code",
    family="kimi-k2.7-code",
    thinking="enabled_only",
    thinking_keep_default="all",
    fixed_temperature_no_thinking=None,
    supports_image_in=True,
    supports_video_in=True,
    prices=(
        _official("USD", (0.19, 0.95, 4.00), "2026-09-14", P_K27),
        _official("CNY", (1.30, 6.50, 27.00), "2026-08-25", P_K27_CN),
    ),
    release_date="2026-06-12",
    sources=(KD_MODEL_LIST, KD_MODELS, KD_CHAT, KD_K2_THINKING, FASTGPT_461, LETTA_2865),
)
# The same model served faster, at twice the price (KD_CHAT; P_K27).
_K27_CODE_HS: Final = replace(
    _K27_CODE,
    id="kimi-k2.7-code-highspeed",
    prices=(
        _official("USD", (0.38, 1.90, 8.00), "2026-09-14", P_K27),
        _official("CNY", (2.60, 13.00, 54.00), "2026-08-25", P_K27_CN),
    ),
)
# kimi-k3 (KD_K3 "Important limits"; KD_EFFORT; KD_CHAT KimiK3ChatRequest): thinking always on
# with no `thinking` field, depth set by reasoning_effort low|high|max (default max); sampling
# fixed at temperature 1.0, top_p 0.95, n 1, penalties 0 (live 400s: BIGAGI_1161); a named
# tool_choice is refused, "required" works; dynamic tool messages; image and video input.
# Output: max_completion_tokens, default 131,072, up to the 1M context (KD_CHAT). The
# 131,072 "max output" some gateways list is read as the default (see docs/models.md).
_K3: Final = ModelSpec(
    id="kimi-k3",
    family="kimi-k3",
    context_length=1_048_576,
    default_max_output_tokens=131_072,
    max_output_tokens=1_048_576,
    max_tokens_field="max_completion_tokens",
    thinking="effort_only",
    thinking_default="enabled",
    thinking_keep_supported=False,
    fixed_temperature_thinking=1.0,
    fixed_top_p=0.95,
    fixed_n=1,
    fixed_penalty=0.0,
    default_temperature=1.0,
    recommended_temperature=1.0,
    max_n=1,
    supports_image_in=True,
    supports_video_in=True,
    accepts_http_media_urls=False,
    supports_tool_choice_required=True,
    supports_json_schema=True,
    reasoning_effort_values=("low", "high", "max"),
    reasoning_effort_default="max",
    dynamic_tool_messages=True,
    prices=(
        # Cache writes: none published in July-August 2026, then $3 (5m) / $6 (1h) (see notes).
        Price("USD", 0.30, 3.00, 15.00, "2026-09-14", P_K3, True, 3.00, 6.00),
        _official("CNY", (2.00, 20.00, 100.00), "2026-08-25", P_K3_CN),
    ),
    release_date="2026-07-16",
    notes=(
        f"Unlocked after a top-up of at least $1 ({KD_K3})",
        f"A prompt-cache hit needs more than 256 prompt tokens in the previous request ({KD_K3})",
        f"$web_search is being updated and not recommended; use the Formula tools ({KD_K3})",
        f"Cache-write prices \u26a0: none published in July-August 2026, then $3 (5m) / $6 (1h) ({K3_CACHE_WRITE})",
    ),
    sources=(KD_MODEL_LIST, KD_K3, KD_EFFORT, KD_K3_TOOLS, KD_CHAT, KD_MODELS, P_K3, BIGAGI_1161),
    **_CURRENT,
)
# kimi-k3.1-pro (-highspeed), reported from 2026-10-23 by third parties only \u26a0: Moonshot's
# quickstart for it was not read. It answers temperature != 1 with K3's own 400 (AIHUBMIX_K31),
# so K3's parameter rules apply; its limits are unknown (unchecked); prices are gateway prices.
_K31_PRO: Final = replace(
    _K3,
    id="kimi-k3.1-pro",
    context_length=None,
    default_max_output_tokens=None,
    max_output_tokens=None,
    supports_image_in=None,
    supports_video_in=None,
    prices=(Price("USD", 0.20, 2.00, 10.00, None, NOVITA_K31, False, 2.00, 4.00),),
    release_date="2026-10-23",
    notes=(f"Third-party reports only \u26a0: no official page was read ({K31_LAUNCH})",),
    lifecycle="current",
    lifecycle_date="2026-10-24",
    lifecycle_source=K31_LAUNCH,
    sources=(K31_LAUNCH, AIHUBMIX_K31, NOVITA_K31, VERCEL_K31_HS),
)
_K31_PRO_HS: Final = replace(
    _K31_PRO,
    id="kimi-k3.1-pro-highspeed",
    prices=(Price("USD", None, 4.00, 20.00, None, VERCEL_K31_HS, False),),
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


def _gone(model_id: str, date: str, *replacement: str) -> ModelSpec:
    """A retired id of which nothing but its retirement is known."""
    return replace(
        _DEFAULT, id=model_id, family=model_id, is_known=True, matched_by="id", **_retired(date, *replacement)
    )


_LAVA_K2 = _usd(0.15, 0.60, 2.50, as_of=None, source=LAVA)
# Third-party USD figures for moonshot-v1 (no cache tier); none is given for 8k.
_V1_USD_32K = _usd(None, 1.0, 3.0, as_of=None, source=WOLFFI)
_V1_USD_128K = _usd(None, 2.0, 5.0, as_of=None, source=WOLFFI)
_MODEL_TABLE: Final[tuple[ModelSpec, ...]] = (
    _K3,
    _K31_PRO,
    _K31_PRO_HS,
    _K27_CODE,
    _K27_CODE_HS,
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
    _k2("kimi-k2-thinking", _K2_THINKING, 262_144, (_cny(1, 4, 16), _LAVA_K2)),
    _k2("kimi-k2-thinking-turbo", _K2_THINKING, 262_144, (_cny(1, 8, 58),)),
    _v1("8k", 8_192, _cny(None, 2, 10)),
    _v1("32k", 32_768, _cny(None, 5, 20), _V1_USD_32K),
    _v1("128k", 131_072, _cny(None, 10, 30), _V1_USD_128K),
    # -auto picks a tier; the largest (128k) bounds max_tokens.
    _v1("auto", 131_072),
    _v1("8k", 8_192, _cny(None, 2, 10), vision=True),
    _v1("32k", 32_768, _cny(None, 5, 20), _V1_USD_32K, vision=True),
    _v1("128k", 131_072, _cny(None, 10, 30), _V1_USD_128K, vision=True),
    # No source names a replacement for these two; the current general models are named.
    _gone("kimi-latest", "2026-01-28", "kimi-k3", "kimi-k2.6"),
    _gone("kimi-thinking-preview", "2025-11-11", "kimi-k2.6", "kimi-k3"),
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
        "replacement": (),
        "release_date": None,
        "notes": (),
        **unknown,
    }
    return replace(spec, matched_by="family", **fields)


# (prefix, marker that must also appear, template); first match wins, so specific rows come first.
_FAMILY_TABLE: Final[tuple[tuple[str, str, ModelSpec], ...]] = (
    # K3.1 and later K3 ids answer K3's parameter 400s (AIHUBMIX_K31): K3's rules, limits unknown.
    ("kimi-k3", "", _family(_K3, default_max_output_tokens=None, supports_video_in=None)),
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
            thinking_keep_default=None,
            thinking_keep_supported=None,
        ),
    ),
    ("kimi-k2.6", "", _family(_K26, supports_video_in=None)),
    ("kimi-k2.5", "", _family(_K25, supports_video_in=None)),
    ("kimi-k2-thinking", "", _family(_K2_THINKING)),
    ("kimi-k2-", "", _family(_K2_PREVIEW)),
    # Every moonshot-v1 id answers 404 since 2026-08-31 (KD_MODEL_LIST), listed or not.
    ("moonshot-v1-", "vision", _family(_V1_VISION, **_RETIRED_0831)),
    # Unknown moonshot-v1 ids might be vision ones: do not reject images for them.
    ("moonshot-v1", "", _family(_V1, supports_image_in=None, **_RETIRED_0831)),
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


def retired_advice(spec: ModelSpec, model: str) -> tuple[str, str]:
    """(why, what to do) for a retired model: its date, Moonshot's 404, the replacement."""
    when = f" on {spec.lifecycle_date}" if spec.lifecycle_date else ""
    why = f'Moonshot retired it{when} and answers 404 "Not found the model {model} or Permission denied"'
    if not spec.replacement:
        return why, "Use a current model such as 'kimi-k3'"
    first, *others = spec.replacement
    also = "".join(f" (or {other!r})" for other in others)
    return why, f"Use {first!r}{also}; see docs/validation.md, migrating from retired models"


def served_model_ids(registry: ModelRegistry | None = None) -> tuple[str, ...]:
    """The current ids of Moonshot's platform in the table."""
    reg = registry or default_registry
    return tuple(s.id for s in reg.table() if s.hosting == "moonshot" and s.lifecycle == "current")


def model_hint(model: str, registry: ModelRegistry | None = None) -> str:
    """What to say when Moonshot answers 404 for ``model``: retired (and the replacement), or did-you-mean."""
    reg = registry or default_registry
    spec = reg.get(model)
    if spec.lifecycle == "retired":
        why, fix = retired_advice(spec, model)
        return f"{model!r}: {why}. {fix}."
    served = served_model_ids(reg)
    close = difflib.get_close_matches(model, served, n=1, cutoff=0.6)
    guess = f"Did you mean {close[0]!r}? " if close and close[0] != model else ""
    return f"{guess}Ids the spec table knows as served: {', '.join(served)}."
