"""One chat request being checked: its body, the rules that apply where it goes, and how a refusal reads.

Shared by the shape checks (``chat_shape``) and the model and platform rules (``chat``), which
both take a :class:`Ctx` and call :meth:`Ctx.reject`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Final, NoReturn

from kimi_openai._constants import TokenLimitSetting

from .model_specs import ModelSpec, TokenLimitField
from .params import Refusal, raise_refusal

__all__ = ["OFF_SWITCH", "Ctx", "PreparedRequest", "TokenLimitField", "TokenLimitSetting", "spec_for"]


logger = logging.getLogger("kimi_openai")


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """The body to send and what was done to it."""

    body: dict[str, object]
    """The JSON body for ``POST /chat/completions`` (a new dict; the input is untouched)."""
    notes: tuple[str, ...] = ()
    """Debug log lines and warnings issued while preparing, in order."""


# A Moonshot model name served by another engine (vLLM/SGLang `--served-model-name`):
# these spec fields are rules of Moonshot's API, not of the weights, so they are dropped.
_PLATFORM_ONLY: Final[dict[str, object]] = {
    "hosting": "self_hosted",
    "thinking": "unknown",
    "thinking_default": None,
    "thinking_keep_supported": None,
    "thinking_keep_required": False,
    "thinking_keep_default": None,
    "reasoning_effort_default": None,
    "dynamic_tool_messages": None,
    "max_tokens_field": None,
    "fixed_temperature_thinking": None,
    "fixed_temperature_no_thinking": None,
    "fixed_top_p": None,
    "fixed_n": None,
    "fixed_penalty": None,
    "temperature_range": None,
    "penalty_range": None,
    "default_temperature": None,
    "max_n": None,
    "accepts_http_media_urls": None,
    "supports_tool_choice_required": None,
    "supports_json_schema": None,
    "reasoning_effort_values": None,
}
OFF_SWITCH: Final = "validation=False on the client or with_options"


_OFF_PLATFORM: dict[int, tuple[ModelSpec, ModelSpec]] = {}
"""Specs without their platform-only rules, by the id of the spec they come from (kept beside them,
so the id stays theirs): built once per spec, not on every request to a self-hosted engine."""

_OFF_PLATFORM_MAX: Final = 256
"""Specs remembered at most (a spec registered at run time is a new object each time)."""


def spec_for(spec: ModelSpec, moonshot_hosted: bool) -> ModelSpec:
    """The rules that apply where the request goes: the spec as is on Moonshot, the weights' rules elsewhere."""
    if moonshot_hosted or spec.hosting != "moonshot":
        return spec
    found = _OFF_PLATFORM.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    if len(_OFF_PLATFORM) >= _OFF_PLATFORM_MAX:
        _OFF_PLATFORM.clear()
    off = replace(spec, **_PLATFORM_ONLY)
    _OFF_PLATFORM[id(spec)] = (spec, off)
    return off


@dataclass(slots=True)
class Ctx:
    """One request being prepared: the body (edited in place), the rules that apply, and notes."""

    body: dict[str, object]
    spec: ModelSpec
    model: str
    off_switch: str = OFF_SWITCH
    limit_param: str | None = None
    """The name the caller gave the output limit (before it was mapped to the field sent)."""
    whole: bool = True
    """The body is a whole request (False: only some fields, as ``kimi_params`` builds)."""
    notes: list[str] = field(default_factory=list[str])

    @property
    def platform(self) -> bool:
        """Moonshot platform rules apply (not to self-hosted open weights)."""
        return self.spec.hosting == "moonshot"

    def note(self, message: str) -> None:
        logger.debug("%s", message)
        self.notes.append(message)

    def reject(self, subject: str, reason: str, fix: str, *, switch: bool = True) -> NoReturn:
        """Raise the error; ``switch=False`` when turning validation off would not get it sent either."""
        # The message quotes what was passed: a key given in the wrong place is not quoted back.
        raise_refusal(Refusal(subject, reason, fix), self.model, self.off_switch, switch=switch)

    def refuse(self, refusal: Refusal) -> NoReturn:
        """Raise a refusal of the parameter rules (``params``)."""
        raise_refusal(refusal, self.model, self.off_switch)
