"""The per-model parameter rules, over a plain mapping of request parameters (chat or Responses)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.model_specs import KnownModel, get_model_spec
from kimi_openai._rules.params import (
    ParamRewrite,
    Refusal,
    check_params,
    check_sampling,
    check_thinking,
    check_thinking_with_effort,
    check_tool_choice,
    forced_tool,
    refusal_message,
)

OFF = "validation=False"
CHAT_NAMED = {"type": "function", "function": {"name": "answer"}}
RESPONSES_NAMED = {"type": "function", "name": "answer"}
ONE_CHAT_TOOL = [{"type": "function", "function": {"name": "answer", "parameters": {"type": "object"}}}]
ONE_RESPONSES_TOOL = [{"type": "function", "name": "answer", "parameters": {"type": "object"}}]


def run(model: str, **params: Any) -> tuple[dict[str, object], tuple[str, ...]]:
    return check_params(params, get_model_spec(model), model=model, off_switch=OFF)


def refused(model: str, *fragments: str, **params: Any) -> str:
    with pytest.raises(KimiValidationError) as info:
        run(model, **params)
    message = str(info.value)
    for fragment in (*fragments, repr(model), OFF):
        assert fragment in message, (fragment, message)
    return message


def test_forced_tool_reads_both_wire_shapes() -> None:
    assert forced_tool("required") == ("required", None)
    assert forced_tool(CHAT_NAMED) == ("specified", "answer")
    assert forced_tool(RESPONSES_NAMED) == ("specified", "answer")
    assert forced_tool("auto") is None
    assert forced_tool({"type": "web_search"}) is None


@pytest.mark.parametrize(
    ("choice", "tools"), [(CHAT_NAMED, ONE_CHAT_TOOL), (RESPONSES_NAMED, ONE_RESPONSES_TOOL)]
)
def test_k3_single_named_tool_becomes_required(choice: object, tools: object) -> None:
    changes, notes = run("kimi-k3", tool_choice=choice, tools=tools)
    assert changes == {"tool_choice": "required"}
    assert "'answer'" in notes[0]
    assert "tool_choice='required'" in notes[0]


def test_k3_named_tool_among_several_is_refused_with_the_fix() -> None:
    two = [*ONE_CHAT_TOOL, {"type": "function", "function": {"name": "other"}}]
    refused(
        "kimi-k3",
        "tool_choice naming function 'answer'",
        "tool_choice 'specified' is incompatible with thinking enabled",
        'tool_choice="required"',
        tool_choice=CHAT_NAMED,
        tools=two,
    )


def test_k2_6_named_choice_turns_default_thinking_off() -> None:
    changes, notes = run("kimi-k2.6", tool_choice=RESPONSES_NAMED, tools=ONE_RESPONSES_TOOL)
    assert changes == {"thinking": {"type": "disabled"}}
    assert "thinking={'type': 'disabled'}" in notes[0]


def test_k2_7_required_is_refused_in_moonshots_words() -> None:
    refused(
        "kimi-k2.7-code",
        "tool_choice 'required' is incompatible with thinking enabled",
        tool_choice="required",
    )


@pytest.mark.parametrize("model", ["kimi-k2.6", "kimi-k2.7-code"])
def test_thinking_with_effort_on_k2_keeps_thinking(model: str) -> None:
    refused(
        model,
        "cannot specify both 'thinking' and 'reasoning_effort'",
        "Keep `thinking` and remove `reasoning_effort`",
        thinking={"type": "enabled"},
        reasoning_effort="high",
    )


def test_thinking_with_effort_on_k3_keeps_effort() -> None:
    refused(
        "kimi-k3",
        "Keep `reasoning_effort` and remove `thinking`",
        thinking={"type": "enabled"},
        reasoning_effort="low",
    )


def test_thinking_with_effort_on_an_unknown_platform_model_names_both_controls() -> None:
    refused(
        "kimi-k9",
        "`reasoning_effort` on kimi-k3 models, `thinking` on kimi-k2 models",
        thinking={"type": "enabled"},
        reasoning_effort="low",
    )


def test_effort_values_on_k3_and_k3_1() -> None:
    refused("kimi-k3", "low, high, max (default max)", reasoning_effort="medium")
    refused("kimi-k3.1-pro", "low, high, max", reasoning_effort="none")
    assert run("kimi-k3", reasoning_effort="low") == ({}, ())


def test_each_rule_is_a_pure_function_of_the_mapping() -> None:
    params = {"temperature": 0.5, "thinking": {"type": "enabled"}}
    spec = get_model_spec("kimi-k3")
    sampling = check_sampling(params, spec)
    thinking = check_thinking(params, spec)
    assert isinstance(sampling, Refusal)
    assert sampling.server == "invalid temperature: only 1 is allowed for this model"
    assert isinstance(thinking, Refusal)
    assert check_thinking_with_effort(params, spec) is None
    assert params == {"temperature": 0.5, "thinking": {"type": "enabled"}}
    rewrite = check_tool_choice({"tool_choice": CHAT_NAMED, "tools": ONE_CHAT_TOOL}, spec)
    assert isinstance(rewrite, ParamRewrite)


def test_self_hosted_weights_get_no_platform_rule() -> None:
    assert run(
        "moonshotai/Kimi-K2.5", temperature=0.1, thinking={"type": "enabled"}, reasoning_effort="x"
    ) == ({}, ())


def test_refusal_message_names_subject_model_reason_server_fix_and_switch() -> None:
    text = refusal_message(Refusal("top_p=0.5", "fixed", "Remove it", "server words"), "kimi-k3", OFF)
    assert text == (
        "top_p=0.5 is not allowed for model 'kimi-k3': fixed; Moonshot answers \"server words\". "
        "Remove it (or turn the check off: validation=False)."
    )


def test_a_call_that_sets_no_parameter_meets_every_rule_of_every_model() -> None:
    """What lets the chat checks skip the parameter rules for a call without any of their fields."""
    for model in get_args(KnownModel):
        assert check_params({}, get_model_spec(model), model=model, off_switch="validation=False") == ({}, ())
