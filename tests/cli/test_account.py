"""``kimi-openai balance`` and ``kimi-openai estimate``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from _cli_helpers import run_cli, served_with_key, without_key

from kimi_openai import get_model_spec
from kimi_openai.testing import Balance, MoonshotEmulator


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_key(monkeypatch, tmp_path)


def test_balance_prints_each_amount_with_the_currency(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = MoonshotEmulator(balance=Balance(cash_balance=2.5, voucher_balance=10.0))
    with served_with_key(monkeypatch, emulator):
        run = run_cli(capsys, "balance")
    assert run.code == 0
    # A loopback base URL is no Moonshot platform: no currency is implied.
    assert run.out == "available  12.5\nvouchers   10.0\ncash       2.5\n"


def test_balance_offline_is_in_usd(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "balance")
    assert run.out == "available  49.58894 USD\nvouchers   46.58893 USD\ncash       3.00001 USD\n"


def test_balance_json(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "balance", "--json")
    assert json.loads(run.out) == {
        "available_balance": 49.58894,
        "voucher_balance": 46.58893,
        "cash_balance": 3.00001,
        "currency": "USD",
    }


def _estimate(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
    run = run_cli(capsys, "estimate", "--json", *argv)
    assert run.code == 0, run.err
    return json.loads(run.out)["total_tokens"]


def test_estimate_counts_the_message_sent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = MoonshotEmulator()
    with served_with_key(monkeypatch, emulator):
        run = run_cli(capsys, "estimate", "-m", "kimi-k3", "-s", "Be terse.", "How", "many", "tokens?")
    assert run.code == 0
    (request,) = emulator.requests
    assert request.path == "/v1/tokenizers/estimate-token-count"
    assert request.json == {
        "model": "kimi-k3",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "How many tokens?"},
        ],
    }
    context = get_model_spec("kimi-k3").context_length
    assert context is not None
    assert run.out.endswith(f" tokens (kimi-k3, context {context:,})\n")


def test_estimate_grows_with_the_text_and_the_system_message(capsys: pytest.CaptureFixture[str]) -> None:
    short = _estimate(capsys, "hello")
    longer = _estimate(capsys, "hello " * 50)
    with_system = _estimate(capsys, "--system", "You are a careful assistant.", "hello")
    assert short < with_system
    assert short < longer


def test_estimate_of_a_text_file_and_of_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = "A paragraph of notes to count. " * 20
    (tmp_path / "notes.txt").write_text(text, encoding="utf-8")
    from_file = _estimate(capsys, "--file", str(tmp_path / "notes.txt"))
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    from_stdin = _estimate(capsys)
    assert from_file == from_stdin == _estimate(capsys, text)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file", "missing.txt"], "missing.txt: no such file"),
        (["--file", "binary.bin"], "binary.bin is not UTF-8 text; extract a document's text first"),
        (["--file", "notes.txt", "and", "words"], "give the text as arguments or as --file, not both"),
        ([], "nothing to count"),
    ],
)
def test_estimate_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00\x9c")
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    run = run_cli(capsys, "estimate", *argv)
    assert run.code == 2
    assert run.out == ""
    assert f"error: {message}" in run.err
