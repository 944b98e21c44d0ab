"""``KimiModel``: the current ids of the spec table as str constants, checked against the table itself."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace

import pytest

import kimi_openai
from kimi_openai import KimiModel, KimiValidationError, get_model_spec
from kimi_openai._model_ids import _members, constant_name  # pyright: ignore[reportPrivateUsage]
from kimi_openai._rules.model_specs import default_registry
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import KimiClientFactory


def _current_ids() -> set[str]:
    return {spec.id for spec in default_registry.table() if spec.lifecycle == "current"}


def test_every_current_row_of_the_table_is_a_constant_and_nothing_else_is() -> None:
    assert {member.value for member in KimiModel} == _current_ids()
    assert _current_ids()  # the table has current models to offer
    for member in KimiModel:
        assert member.name == constant_name(member.value)
        assert getattr(KimiModel, member.name) is member
        assert get_model_spec(member).lifecycle == "current"
        assert get_model_spec(member).matched_by == "id"


def test_a_row_added_to_the_table_becomes_a_constant_and_a_retired_one_stops() -> None:
    table = default_registry.table()
    added = replace(table[0], id="kimi-k9-preview", lifecycle="current")
    retired = [replace(spec, lifecycle="retired") if spec.id == table[0].id else spec for spec in table]
    members = _members((*retired, added))
    assert members["KIMI_K9_PREVIEW"] == "kimi-k9-preview"
    assert constant_name(table[0].id) not in members


def test_two_ids_making_one_name_are_a_table_mistake() -> None:
    spec = next(iter(default_registry.table()))
    with pytest.raises(RuntimeError, match="both make the constant KIMI_K2_6"):
        _members(
            (
                replace(spec, id="kimi-k2.6", lifecycle="current"),
                replace(spec, id="kimi-k2-6", lifecycle="current"),
            )
        )


def test_a_constant_is_the_id_string_everywhere_a_string_goes() -> None:
    model = next(iter(KimiModel))
    assert model == model.value
    assert isinstance(model, str)
    assert f"{model}" == str(model) == model.value
    assert json.dumps({"model": model}) == json.dumps({"model": model.value})
    assert {model.value: 1}[model] == 1
    assert KimiModel(model.value) is model
    assert pickle.loads(pickle.dumps(model)) is model
    assert kimi_openai.KimiModel is KimiModel


def test_a_misspelt_name_fails_at_once_naming_the_close_ones() -> None:
    model = next(iter(KimiModel))
    with pytest.raises(AttributeError, match=f"has no model '{model.name}X'.*Did you mean {model.name}"):
        getattr(KimiModel, model.name + "X")
    with pytest.raises(AttributeError, match="plain string"):
        _ = KimiModel.GPT_4O


def test_a_request_with_a_constant_sends_the_id_and_is_checked_as_the_id(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    client = kimi_emulator_client_factory()
    client.chat.completions.create(model=KimiModel("kimi-k2.6"), messages=[{"role": "user", "content": "Hi"}])
    assert kimi_emulator.last_chat_request()["model"] == "kimi-k2.6"
    with pytest.raises(KimiValidationError, match=r"kimi-k2\.6"):
        client.chat.completions.create(
            model=KimiModel("kimi-k2.6"), messages=[{"role": "user", "content": "Hi"}], n=99
        )
