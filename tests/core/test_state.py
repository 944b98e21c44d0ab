"""A client's Kimi state: one frozen object per client, one accessor, one place that lists the Kimi options."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable

import openai
import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._state import KimiSettings, KimiState, kimi_state_of

KEY = "sk-test-state"
SIGNATURES: dict[str, Callable[..., object]] = {
    "KimiOpenAI.__init__": KimiOpenAI.__init__,
    "KimiOpenAI.copy": KimiOpenAI.copy,
    "AsyncKimiOpenAI.__init__": AsyncKimiOpenAI.__init__,
    "AsyncKimiOpenAI.copy": AsyncKimiOpenAI.copy,
}


@pytest.mark.parametrize("where", SIGNATURES)
def test_every_kimi_option_is_a_parameter_of_both_constructors_and_both_copies(where: str) -> None:
    # The bodies read the options by their KimiSettings names: a field missing from a
    # signature would be a KeyError at construction, a parameter missing from KimiSettings
    # would be ignored. Constructors default to the field's default, copies to "keep mine".
    parameters = inspect.signature(SIGNATURES[where]).parameters
    for option in dataclasses.fields(KimiSettings):
        parameter = parameters.get(option.name)
        assert parameter is not None, f"{where} lacks {option.name}"
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        expected = None if where.endswith("copy") else option.default
        assert parameter.default == expected, f"{where}: {option.name}"


def test_a_kimi_client_has_one_frozen_state_and_a_plain_client_none() -> None:
    client = KimiOpenAI(api_key=KEY, validation=False, reasoning_echo="strict", region="cn")
    state = kimi_state_of(client)
    assert isinstance(state, KimiState)
    assert (state.settings.validation, state.settings.reasoning_echo) == (False, "strict")
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.settings = KimiSettings()  # pyright: ignore[reportAttributeAccessIssue]
    assert kimi_state_of(openai.OpenAI(api_key=KEY)) is None
    assert kimi_state_of(object()) is None


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_a_copy_keeps_the_options_not_given_and_shares_the_memory_of_reasoning(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    client = kimi(api_key=KEY, normalize_tool_schemas=False, k2_tool_call_markup=True, max_retries=5)
    copied = kimi_state_of(client.copy(validation=False))
    original = kimi_state_of(client)
    assert original is not None
    assert copied is not None
    assert copied.settings == dataclasses.replace(original.settings, validation=False)
    assert copied.retry.policy.max_retries == 5
    assert copied.reasoning is original.reasoning
