"""The opt-in pytest plugin, as a user's own suite sees it (each case runs a real inner pytest)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

CONFTEST = 'pytest_plugins = ["kimi_openai.pytest_plugin"]\n'

USER_TEST = """
import pytest

@pytest.mark.vcr
def test_hello(kimi_client):
    reply = kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.choices[0].message.content
"""


@pytest.fixture
def user_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=USER_TEST)
    return pytester


def _cassette(pytester: pytest.Pytester) -> Path:
    return pytester.path / "cassettes" / "test_user" / "test_hello.yaml"


def test_a_missing_cassette_fails_instead_of_reaching_the_network(user_suite: pytest.Pytester) -> None:
    result = user_suite.runpytest_subprocess("--block-network")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CannotOverwriteExistingCassetteException*"])


def test_recording_against_the_emulator_then_replaying_offline(
    user_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-VeryRealLookingKey0123456789"
    monkeypatch.setenv("KIMI_TEST_API_KEY", secret)
    user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    text = _cassette(user_suite).read_text()
    document = yaml.safe_load(text)
    assert document["source"] == "emulator"
    assert text.startswith("# Recorded from the local Moonshot emulator")
    request = document["interactions"][0]["request"]
    assert request["uri"] == "https://api.moonshot.ai/v1/chat/completions"
    assert request["body"]["json"]["model"] == "kimi-k2.6"
    lowered = text.lower()
    for forbidden in (
        "authorization",
        "bearer",
        "cookie",
        "sk-test",
        "x-stainless",
        "user-agent",
        "127.0.0.1",
    ):
        assert forbidden not in lowered, forbidden
    assert secret not in text
    user_suite.runpytest_subprocess("--block-network").assert_outcomes(passed=1)


def test_an_interaction_the_test_never_plays_fails_the_test(user_suite: pytest.Pytester) -> None:
    user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    path = _cassette(user_suite)
    document = yaml.safe_load(path.read_text())
    document["interactions"].append(document["interactions"][0])
    path.write_text(yaml.safe_dump(document))
    result = user_suite.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 recorded interaction(s) of*test_hello.yaml were never played*"])


def test_live_recording_without_a_key_is_refused(
    user_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOONSHOT_API_KEY", raising=False)
    monkeypatch.delenv("KIMI_API_KEY", raising=False)
    monkeypatch.setenv("KIMI_LIVE", "1")
    result = user_suite.runpytest_subprocess("--record-mode=rewrite")
    result.stdout.fnmatch_lines(["*Recording live needs MOONSHOT_API_KEY*"])
    assert not _cassette(user_suite).exists()


def test_body_matching_catches_a_changed_request(user_suite: pytest.Pytester) -> None:
    user_suite.makepyfile(
        test_user=USER_TEST.replace("@pytest.mark.vcr", "@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)").replace(
            "import pytest", "import pytest\nfrom kimi_openai.pytest_plugin import KIMI_BODY_MATCH"
        )
    )
    user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    user_suite.makepyfile(
        test_user=USER_TEST.replace("@pytest.mark.vcr", "@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)")
        .replace("import pytest", "import pytest\nfrom kimi_openai.pytest_plugin import KIMI_BODY_MATCH")
        .replace('"hello"', '"goodbye"')
    )
    result = user_suite.runpytest_subprocess()
    result.assert_outcomes(failed=1)


def test_emulator_fixtures_script_answers_and_show_requests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        CONFTEST + "\nimport pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"
    )
    pytester.makepyfile(
        test_emu=textwrap.dedent(
            """
            import pytest
            from kimi_openai.testing import TextReply

            def test_sync(kimi_emulator, kimi_emulator_client):
                kimi_emulator.queue(TextReply("scripted answer"))
                reply = kimi_emulator_client.chat.completions.create(
                    model="kimi-k2.6", messages=[{"role": "user", "content": "q"}]
                )
                assert reply.choices[0].message.content == "scripted answer"
                assert kimi_emulator.requests[-1].json["messages"][0]["content"] == "q"

            @pytest.mark.anyio
            async def test_async(kimi_emulator, async_kimi_emulator_client):
                reply = await async_kimi_emulator_client.chat.completions.create(
                    model="kimi-k2.6", messages=[{"role": "user", "content": "ping"}]
                )
                assert "ping" in reply.choices[0].message.content
            """
        )
    )
    pytester.runpytest_subprocess("--block-network").assert_outcomes(passed=2)
