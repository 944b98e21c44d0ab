"""What the Kimi clients do to a request before it is sent, and the settings that steer it.

``prepare_options`` runs from the clients' ``_prepare_options`` hook, which sees
every request the SDK sends (``create``, ``stream``, ``parse``, their raw and
streaming-response forms, sync and async) and runs again on each retry, on a
fresh copy of the options. So the work here is idempotent and never mutates
what the caller passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast, get_args

from openai import Omit
from openai._models import FinalRequestOptions

from ._errors import KimiConfigurationError
from ._reasoning_echo import ReasoningEchoPolicy, ReasoningStore
from ._rules.chat import TokenLimitField, check_helper_arguments, prepare_chat_request

__all__ = ["CHAT_COMPLETIONS_PATH", "KimiSettings", "check_helper_call", "prepare_options"]

CHAT_COMPLETIONS_PATH = "/chat/completions"


@dataclass(frozen=True, slots=True)
class KimiSettings:
    """The Kimi-only options of a client; ``copy()`` carries them over."""

    validation: bool = True
    """Check chat requests against the model's rules before sending (``KimiValidationError``)."""
    max_tokens_field: TokenLimitField = "max_tokens"
    """The field the output limit is sent under; the other spelling is mapped to it."""
    normalize_tool_schemas: bool = True
    """Rewrite tool and ``json_schema`` schemas into what Moonshot accepts (MFJS)."""
    reasoning_echo: ReasoningEchoPolicy = "auto"
    """Put back the ``reasoning_content`` a framework dropped from an assistant turn."""
    k2_tool_call_markup: bool = False
    """Parse Kimi K2 tool-call markup left in ``content`` (self-hosted engines without a Kimi parser)."""

    def __post_init__(self) -> None:
        # Checked here, so both the constructors and copy()/with_options() reject a typo
        # at once instead of sending it (e.g. a "max_tokenz" field Moonshot ignores).
        for name in ("validation", "normalize_tool_schemas", "k2_tool_call_markup"):
            value: object = getattr(self, name)
            if not isinstance(value, bool):
                raise KimiConfigurationError(
                    f"{name}={value!r} is not allowed: pass {name}=True or {name}=False."
                )
        for name, allowed in (
            ("max_tokens_field", get_args(TokenLimitField)),
            ("reasoning_echo", get_args(ReasoningEchoPolicy)),
        ):
            value = getattr(self, name)
            if value not in allowed:
                choices = ", ".join(repr(a) for a in allowed)
                raise KimiConfigurationError(f"{name}={value!r} is not allowed: pass one of {choices}.")


def _body_with_extra(json_data: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    # openai merges extra_body into the body only when building the HTTP request, after
    # this hook; merge it here (the same way) so the checks see `thinking` and friends.
    merged = {**json_data, **(extra or {})}
    return {key: value for key, value in merged.items() if not isinstance(value, Omit)}


def prepare_options(
    options: FinalRequestOptions,
    settings: KimiSettings,
    store: ReasoningStore,
    *,
    moonshot_hosted: bool = True,
) -> FinalRequestOptions:
    """Check and adjust a chat completion request; anything else passes untouched."""
    if options.url != CHAT_COMPLETIONS_PATH or options.method.lower() != "post":
        return options
    json_data = cast("object", options.json_data)
    if not isinstance(json_data, Mapping):
        return options
    body = _body_with_extra(
        cast("Mapping[str, Any]", json_data), cast("Mapping[str, Any] | None", options.extra_json)
    )
    # Validation first: it decides the final `thinking` (a forced named tool turns it off
    # on kimi-k2.5/k2.6), and whether a turn needs its reasoning echoed depends on that.
    prepared = prepare_chat_request(
        body,
        validate=settings.validation,
        max_tokens_field=settings.max_tokens_field,
        normalize_tool_schemas=settings.normalize_tool_schemas,
        moonshot_hosted=moonshot_hosted,
    )
    options.json_data = store.restore(prepared.body, settings.reasoning_echo, moonshot_hosted=moonshot_hosted)
    options.extra_json = None
    return options


def check_helper_call(client: object, arguments: Mapping[str, Any], response_format: object) -> None:
    """Before ``.parse()`` or ``.stream()`` hands its arguments to openai: what openai reads first.

    The client's ``validation=False`` turns it off, as it does the request checks.
    """
    settings = getattr(client, "_kimi", None)
    if isinstance(settings, KimiSettings) and not settings.validation:
        return
    check_helper_arguments(arguments, response_format)
