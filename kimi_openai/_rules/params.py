"""Per-model parameter rules over a plain mapping of request parameters, whatever the endpoint.

Chat completions and the Responses API name the same knobs alike or nearly: a caller maps its
request into a plain mapping with these keys (absent or ``None`` = not sent) and calls
:func:`check_params`, or one rule at a time:

========================= =====================================================================
``temperature``, ``top_p`` numbers
``n``                      number of choices (chat only)
``presence_penalty``,      numbers
``frequency_penalty``
``thinking``               the ``thinking`` object (``{"type": ..., "keep": ...}``)
``reasoning_effort``       chat's ``reasoning_effort``, or Responses' ``reasoning.effort``
``tool_choice``            ``"auto"``/``"none"``/``"required"``, or a named choice in either shape:
                           ``{"type": "function", "function": {"name": n}}`` (chat) or
                           ``{"type": "function", "name": n}`` (Responses)
``tools``                  the declared tools (a list; only their count and names are read)
========================= =====================================================================

Each rule returns a :class:`Refusal` (what is wrong, why, Moonshot's own words, the fix) or
``None``; none raises or mutates. :func:`check_params` runs them all in order and raises
:class:`~kimi_openai._errors.KimiValidationError` for the first refusal, or returns the
rewrites to apply (:class:`ParamRewrite`). The rules read the :class:`ModelSpec` as it applies
where the request goes (``chat_request.spec_for``): a self-hosted engine's spec has no platform
rules, so nothing here fires for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, NoReturn, cast

from kimi_openai._errors import KimiValidationError

from .model_specs import ModelSpec, ThinkingType

__all__ = [
    "K2_REASONING_EFFORT",
    "ParamRewrite",
    "Refusal",
    "check_params",
    "check_reasoning_effort",
    "check_sampling",
    "check_thinking",
    "check_thinking_with_effort",
    "check_tool_choice",
    "forced_tool",
    "raise_refusal",
    "refusal_message",
    "thinking_state",
]

# reasoning_effort values seen accepted on K2 models (pydantic/pydantic-ai PR #6208).
K2_REASONING_EFFORT: Final = ("minimal", "low", "medium", "high")
# Moonshot's own words, quoted in the errors so a user can match what they saw in a tracker.
SERVER_TEMPERATURE: Final = "invalid temperature: only {value} is allowed for this model"
SERVER_BOTH: Final = "cannot specify both 'thinking' and 'reasoning_effort'"
SERVER_TOOL_CHOICE: Final = "tool_choice '{kind}' is incompatible with thinking enabled"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request cannot be sent, in the words of :func:`refusal_message`."""

    subject: str
    """What was passed, e.g. ``"temperature=0.5"``."""
    reason: str
    """The rule, with the allowed values."""
    fix: str
    """What to send instead."""
    server: str | None = None
    """What Moonshot answers (its exact words), when a source quotes them."""


@dataclass(frozen=True, slots=True)
class ParamRewrite:
    """Parameters to set before sending, and why (a debug log line)."""

    changes: Mapping[str, object]
    note: str


def refusal_message(refusal: Refusal, model: str, off_switch: str, *, switch: bool = True) -> str:
    """``<subject> is not allowed for model 'm': <reason>; Moonshot answers "...". <fix> (or ...).``"""
    on_model = f" for model {model!r}" if model else ""
    server = f'; Moonshot answers "{refusal.server}"' if refusal.server else ""
    escape = f" (or turn the check off: {off_switch})" if switch else ""
    return f"{refusal.subject} is not allowed{on_model}: {refusal.reason}{server}. {refusal.fix}{escape}."


_KEY_SHAPE: Final = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")  # a Moonshot key, as _errors redacts it


def raise_refusal(refusal: Refusal, model: str, off_switch: str, *, switch: bool = True) -> NoReturn:
    """Raise the refusal as a :class:`KimiValidationError`; a key quoted back is masked."""
    raise KimiValidationError(
        _KEY_SHAPE.sub("sk-***", refusal_message(refusal, model, off_switch, switch=switch))
    )


def _number(value: object) -> float | None:
    if type(value) is int or type(value) is float:  # the usual case first: no isinstance walk
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # non-numbers are left to the shape checks and the server
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _map(value: object) -> Mapping[str, object] | None:
    return cast("Mapping[str, object]", value) if isinstance(value, Mapping) else None


def _platform(spec: ModelSpec) -> bool:
    return spec.hosting == "moonshot"


def thinking_state(params: Mapping[str, object], spec: ModelSpec) -> ThinkingType | None:
    """Whether thinking is on for this call: the explicit ``thinking.type``, else the model default."""
    thinking = _map(params.get("thinking"))
    kind = thinking.get("type") if thinking is not None else None
    if kind in ("enabled", "disabled"):
        return kind
    return spec.thinking_default


# -- sampling -------------------------------------------------------------------------------------


_SAMPLING_KEYS: Final = frozenset({"temperature", "top_p", "n", "presence_penalty", "frequency_penalty"})


def check_sampling(params: Mapping[str, object], spec: ModelSpec) -> Refusal | None:
    """Fixed sampling (K2.6 and later, K3): temperature, top_p, n and the penalties take one value.

    K3: temperature 1.0, top_p 0.95, n 1, penalties 0 (https://platform.kimi.ai/docs/guide/kimi-k3-quickstart,
    "Important limits"; live 400s in enricoros/big-AGI #1161). K2.6: temperature 1.0 with thinking,
    0.6 without (arcsin1/oh-my-ppt #45). Ranges of older models are checked by the chat rules.
    """
    if _SAMPLING_KEYS.isdisjoint(params):
        return None  # nothing to check: most calls leave sampling to the model
    refusal = _check_temperature(params, spec)
    if refusal is not None:
        return refusal
    fixed: tuple[tuple[str, float | None], ...] = (
        ("top_p", spec.fixed_top_p),
        ("n", None if spec.fixed_n is None else float(spec.fixed_n)),
        ("presence_penalty", spec.fixed_penalty),
        ("frequency_penalty", spec.fixed_penalty),
    )
    for key, only in fixed:
        value = _number(params.get(key))
        if value is not None and only is not None and not math.isclose(value, only, abs_tol=1e-9):
            # Moonshot's text for these is not quoted by any source; the 400 itself is (big-AGI #1161).
            return Refusal(
                f"{key}={_fmt(value)}",
                f"sampling is fixed on this model ({key} {only:g} only)",
                f"Remove `{key}` from the call",
            )
    return None


def _check_temperature(params: Mapping[str, object], spec: ModelSpec) -> Refusal | None:
    temp = _number(params.get("temperature"))
    on, off = spec.fixed_temperature_thinking, spec.fixed_temperature_no_thinking
    if temp is None or on is None:
        return None
    state = thinking_state(params, spec)
    allowed = [on] if off is None or state == "enabled" else [off] if state == "disabled" else [on, off]
    if any(math.isclose(temp, a, abs_tol=1e-9) for a in allowed):
        return None
    only = ", ".join(_fmt(a) for a in allowed)
    what = f"temperature {on}" if off is None else f"temperature {on} with thinking, {off} without"
    return Refusal(
        f"temperature={_fmt(temp)}",
        f"sampling is fixed on this model ({what})",
        "Remove `temperature` from the call",
        SERVER_TEMPERATURE.format(value=only) if len(allowed) == 1 else None,
    )


# -- thinking and reasoning effort ----------------------------------------------------------------


def check_thinking(params: Mapping[str, object], spec: ModelSpec) -> Refusal | None:
    """What the model's thinking mode allows of the ``thinking`` object (on Moonshot's platform)."""
    thinking = _map(params.get("thinking")) if _platform(spec) else None
    if thinking is None:
        return None
    kind, keep, subject = thinking.get("type"), thinking.get("keep"), f"thinking={dict(thinking)!r}"
    if spec.thinking == "effort_only":
        # K3 has no `thinking` field: "remove the K2.x thinking config and use reasoning_effort"
        # (https://platform.kimi.ai/docs/guide/use-reasoning-effort); refused (mnfst/modelparams.dev
        # #168), reportedly in these words since K3 always applies an effort.
        effort = ", ".join(spec.reasoning_effort_values or ("low", "high", "max"))
        return Refusal(
            subject,
            f"thinking is always on and has no `thinking` field; its depth is `reasoning_effort` ({effort}"
            + (f", default {spec.reasoning_effort_default})" if spec.reasoning_effort_default else ")"),
            "Remove `thinking`; to think less pass reasoning_effort='low'",
            SERVER_BOTH,
        )
    if spec.thinking == "none" and kind == "enabled":
        return Refusal(
            subject,
            "this model has no thinking mode",
            "Remove `thinking`, or use a thinking model such as 'kimi-k2.6'",
        )
    if spec.thinking in ("always_on", "enabled_only") and kind == "disabled":
        return Refusal(
            subject,
            'thinking is always on for this model (`type` is only "enabled")',
            "Remove `thinking`, or use a model where it can be turned off such as 'kimi-k2.6'",
        )
    if keep is not None and spec.thinking_keep_supported is False:
        return Refusal(subject, "`keep` is not supported by this model (kimi-k2.6 has it)", "Remove `keep`")
    if spec.thinking_keep_required and keep != "all":
        return Refusal(
            subject,
            'only {"type": "enabled", "keep": "all"} is accepted',
            "Pass that value or omit `thinking`",
        )
    return None


def check_thinking_with_effort(params: Mapping[str, object], spec: ModelSpec) -> Refusal | None:
    """``thinking`` and ``reasoning_effort`` together are refused on Moonshot's platform, any model.

    Live 400 on K2.x (HKUDS/nanobot PR #3940); Moonshot's kimi-cli stopped sending an implicit
    effort for it (MoonshotAI/kimi-cli PR #2499). The fix names the control the model takes.
    """
    if not _platform(spec) or params.get("thinking") is None or params.get("reasoning_effort") is None:
        return None
    if spec.thinking == "effort_only":
        keep = "keep `reasoning_effort` and remove `thinking` (this model has no `thinking` field)"
    elif spec.family.startswith("kimi-k2"):
        keep = "keep `thinking` and remove `reasoning_effort` (thinking is switched with `thinking` on this model)"
    else:
        keep = "send one: `reasoning_effort` on kimi-k3 models, `thinking` on kimi-k2 models"
    return Refusal(
        f"thinking={params.get('thinking')!r} together with reasoning_effort={params.get('reasoning_effort')!r}",
        "only one of the two controls is accepted",
        keep[0].upper() + keep[1:],
        SERVER_BOTH,
    )


def check_reasoning_effort(params: Mapping[str, object], spec: ModelSpec) -> Refusal | None:
    """The model's documented ``reasoning_effort`` values; ``none`` on K2 models."""
    value, allowed = params.get("reasoning_effort"), spec.reasoning_effort_values
    if value is None:
        return None
    if allowed is not None and value not in allowed:
        # K3: low|high|max, default max; "none" is not supported (use-reasoning-effort;
        # anomalyco/models.dev #4720). Launch-day docs allowed "max" only.
        default = f" (default {spec.reasoning_effort_default})" if spec.reasoning_effort_default else ""
        return Refusal(
            f"reasoning_effort={value!r}",
            f"accepted values are {', '.join(allowed)}{default}",
            f"Pass one of {allowed}",
        )
    # Undocumented on K2 models, where Moonshot was seen to accept minimal|low|medium|high
    # and answer "none" with a 400 (pydantic/pydantic-ai PR #6208).
    if value == "none" and allowed is None and _platform(spec) and spec.family.startswith("kimi-k2"):
        turn_off = (
            ', or thinking={"type": "disabled"} to turn thinking off'
            if spec.thinking == "configurable"
            else ""
        )
        return Refusal(
            "reasoning_effort='none'",
            f"Moonshot answers it with a 400; it accepts {', '.join(K2_REASONING_EFFORT)}",
            f"Pass one of {K2_REASONING_EFFORT}{turn_off}",
        )
    return None


# -- tool_choice ----------------------------------------------------------------------------------


def forced_tool(choice: object) -> tuple[str, str | None] | None:
    """``("required", None)``, ``("specified", name)`` for a named choice (either shape), or None."""
    if choice == "required":
        return ("required", None)
    named = _map(choice)
    if named is None or named.get("type") != "function":
        return None
    fn = _map(named.get("function"))
    name = fn.get("name") if fn is not None else named.get("name")
    return ("specified", name if isinstance(name, str) else None)


def _tool_names(tools: object) -> list[object]:
    items = cast("list[object]", tools) if isinstance(tools, list | tuple) else []
    names: list[object] = []
    for item in items:
        tool = _map(item) or {}
        fn = _map(tool.get("function"))
        names.append(fn.get("name") if fn is not None else tool.get("name"))
    return names


def check_tool_choice(params: Mapping[str, object], spec: ModelSpec) -> Refusal | ParamRewrite | None:
    """A forced tool choice against the model's thinking: refuse, rewrite, or let it pass.

    "tool_choice 'specified' / 'required' is incompatible with thinking enabled" (enricoros/big-AGI
    #1161 on K3; UKGovernmentBEIS/inspect_ai PR #5152; AstrBotDevs/AstrBot #7805 on K2.x).

    * K3 (thinking always on, ``required`` works): a named choice when exactly one tool is declared
      and it is that tool means the same as ``"required"``, so it is sent as ``"required"`` (a debug
      log says so): the openai helpers and instructor force a single function this way. With more
      tools, ``"required"`` could call another one, so the named choice is refused.
    * A model whose thinking can be turned off, left at its default: thinking is turned off for the
      call (a debug log says so). Set explicitly on: refused with the fix.
    * Thinking cannot be turned off (kimi-k2.7-code): refused; ``"auto"`` is the fix.
    """
    forced = forced_tool(params.get("tool_choice"))
    if forced is None:
        return None
    kind, name = forced
    subject = "tool_choice='required'" if kind == "required" else f"tool_choice naming function {name!r}"
    server = SERVER_TOOL_CHOICE.format(kind=kind)
    if kind == "required" and spec.supports_tool_choice_required is False:
        # `required` works on kimi-k3 only; k2.6 and k2.7-code return an error (KD_MODELS).
        return Refusal(
            subject,
            '"required" is not supported by this model',
            "Use tool_choice=\"auto\" (optionally ask for a tool in a user message), or a model such as 'kimi-k3'",
            server if spec.thinking_default == "enabled" else None,
        )
    if not _platform(spec) or thinking_state(params, spec) != "enabled" or kind == "required":
        return None
    if spec.thinking == "effort_only":
        return _named_on_k3(params, subject, name, server)
    if spec.thinking == "configurable" and _map(params.get("thinking")) is None:
        return ParamRewrite(
            {"thinking": {"type": "disabled"}},
            f"{subject} forces a tool; sending thinking={{'type': 'disabled'}}",
        )
    fix = (
        'Send thinking={"type": "disabled"} for this call, or use tool_choice="auto"'
        if spec.thinking == "configurable"
        else 'Use tool_choice="auto": thinking cannot be turned off on this model'
    )
    return Refusal(subject, "a forced tool choice is incompatible with thinking enabled", fix, server)


def _named_on_k3(
    params: Mapping[str, object], subject: str, name: str | None, server: str
) -> Refusal | ParamRewrite:
    names = _tool_names(params.get("tools"))
    if name is not None and names == [name]:
        return ParamRewrite(
            {"tool_choice": "required"}, f"{subject}, the only tool: sending tool_choice='required'"
        )
    return Refusal(
        subject,
        f'thinking is always on, so a named tool choice is refused; "required" forces some tool ({len(names)} declared)',
        'Pass tool_choice="required" (declare only that tool to force it), or tool_choice="auto"',
        server,
    )


# -- all of them ----------------------------------------------------------------------------------

_RULES: Final = (
    check_thinking_with_effort,
    check_thinking,
    check_tool_choice,
    check_sampling,
    check_reasoning_effort,
)


def check_params(
    params: Mapping[str, object], spec: ModelSpec, *, model: str, off_switch: str
) -> tuple[dict[str, object], tuple[str, ...]]:
    """Run every rule in order; raise for the first refusal, else return (changes to apply, notes).

    Order matters: the tool-choice rule may turn thinking off, which the sampling rule then sees.
    """
    current = dict(params)
    changes: dict[str, object] = {}
    notes: list[str] = []
    for rule in _RULES:
        outcome = rule(current, spec)
        if isinstance(outcome, Refusal):
            raise_refusal(outcome, model, off_switch)
        if isinstance(outcome, ParamRewrite):
            current.update(outcome.changes)
            changes.update(outcome.changes)
            notes.append(f"kimi_openai: {outcome.note} to {model!r}")
    return changes, tuple(notes)
