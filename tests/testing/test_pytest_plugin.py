"""The opt-in pytest plugin, as a user's own suite sees it (each case runs a real inner pytest)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml

from kimi_openai.testing import MoonshotEmulator

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


SECRET = "sk-VeryRealLookingKey0123456789"

# Sends the key in use three ways a cassette could keep it: the Authorization header the SDK
# sets, a cookie, and a custom header named like a credential.
SECRET_TEST = """
import pytest

@pytest.mark.vcr
def test_hello(kimi_client):
    key = kimi_client.api_key
    reply = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "hello"}],
        extra_headers={"Cookie": f"session={key}", "X-Session-Token": key},
    )
    assert reply.choices[0].message.content
"""

# What most pytest-recording suites have: a vcr_config of their own, which replaces the plugin's.
OWN_VCR_CONFIG = """
import pytest

@pytest.fixture
def vcr_config():
    return {"filter_headers": ["x-trace-id"]}
"""


def _assert_scrubbed(text: str, secret: str) -> None:
    assert secret not in text
    lowered = text.lower()
    for forbidden in ("authorization", "bearer", "cookie", "x-session-token", "x-stainless", "user-agent"):
        assert forbidden not in lowered, forbidden
    assert "127.0.0.1" not in text


@pytest.mark.parametrize("own_vcr_config", [False, True], ids=["plugin-vcr-config", "own-vcr-config"])
def test_recording_against_the_emulator_then_replaying_offline(
    user_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, own_vcr_config: bool
) -> None:
    if own_vcr_config:
        user_suite.makeconftest(CONFTEST + OWN_VCR_CONFIG)
    user_suite.makepyfile(test_user=SECRET_TEST)
    monkeypatch.setenv("KIMI_TEST_API_KEY", SECRET)
    user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    text = _cassette(user_suite).read_text()
    document = yaml.safe_load(text)
    assert document["source"] == "emulator"
    assert text.startswith("# Recorded from the local Moonshot emulator")
    request = document["interactions"][0]["request"]
    assert request["uri"] == "https://api.moonshot.ai/v1/chat/completions"
    assert request["body"]["json"]["model"] == "kimi-k2.6"
    _assert_scrubbed(text, SECRET)
    monkeypatch.delenv("KIMI_TEST_API_KEY")
    user_suite.runpytest_subprocess("--block-network").assert_outcomes(passed=1)


def test_recording_live_finds_the_key_in_dotenv_and_keeps_it_out_of_the_cassette(
    user_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL", "KIMI_TEST_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIMI_LIVE", "1")
    user_suite.makeconftest(CONFTEST + OWN_VCR_CONFIG)
    user_suite.makepyfile(test_user=SECRET_TEST)
    # A stand-in for the live API that accepts only the key from .env, and answers with it
    # in a cookie and in the body, as a server could.
    server = MoonshotEmulator(api_keys=[SECRET])
    reply = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "kimi-k2.6",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"your key: {SECRET}"},
                "finish_reason": "stop",
            }
        ],
    }
    server.queue_raw(200, json.dumps(reply), headers={"Set-Cookie": f"session={SECRET}"})
    with server.serve() as base_url:
        (user_suite.path / ".env").write_text(f"MOONSHOT_API_KEY={SECRET}\nMOONSHOT_BASE_URL={base_url}\n")
        user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    assert server.requests[-1].headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET in server.requests[-1].headers["cookie"]
    text = _cassette(user_suite).read_text()
    document = yaml.safe_load(text)
    assert document["source"] == "live"
    assert document["interactions"][0]["request"]["uri"] == "https://api.moonshot.ai/v1/chat/completions"
    _assert_scrubbed(text, SECRET)
    monkeypatch.delenv("KIMI_LIVE")
    (user_suite.path / ".env").unlink()
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
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIMI_LIVE", "1")
    result = user_suite.runpytest_subprocess("--record-mode=rewrite")
    result.stdout.fnmatch_lines(["*Recording live needs MOONSHOT_API_KEY*"])
    assert not _cassette(user_suite).exists()


def test_a_client_fixture_without_the_vcr_marker_fails_instead_of_reaching_the_network(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        CONFTEST + "\nimport pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"
    )
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            import pytest

            def test_sync(kimi_client):
                kimi_client.models.list()

            @pytest.mark.anyio
            async def test_async(async_kimi_client):
                await async_kimi_client.models.list()
            """
        )
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_sync takes kimi_client but has no @pytest.mark.vcr*kimi_emulator_client*",
            "*test_async takes async_kimi_client but has no @pytest.mark.vcr*",
        ]
    )
    assert "APIConnectionError" not in result.stdout.str()


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


SCHEMA_TEST = """
import pytest
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH

TOOL = {
    "type": "function",
    "function": {
        "name": "open_page",
        "parameters": {
            "type": "object",
            "title": "OpenPage",
            "properties": {"url": {"type": "string", "format": "uri", "title": "Url"}},
        },
    },
}

@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_tool_schema(kimi_client):
    kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hello"}], tools=[TOOL]
    )
"""


def test_a_body_matched_cassette_recorded_on_the_emulator_replays_with_the_platform_rules(
    user_suite: pytest.Pytester,
) -> None:
    """Recording on the emulator's local URL prepares bodies as replay on the public URL does."""
    user_suite.makepyfile(test_user=SCHEMA_TEST)
    user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    cassette = user_suite.path / "cassettes" / "test_user" / "test_tool_schema.yaml"
    sent = yaml.safe_load(cassette.read_text())["interactions"][0]["request"]["body"]["json"]
    assert "title" not in sent["tools"][0]["function"]["parameters"]  # Moonshot's schema rules applied
    user_suite.runpytest_subprocess("--block-network").assert_outcomes(passed=1)


def test_emulator_fixtures_script_answers_show_requests_and_take_client_options(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        CONFTEST + "\nimport pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"
    )
    pytester.makepyfile(
        test_emu=textwrap.dedent(
            """
            import pytest
            from kimi_openai.testing import MoonshotEmulator, TextReply

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

            made = []

            def test_factory_takes_client_options(kimi_emulator, kimi_emulator_client_factory):
                default = kimi_emulator_client_factory()
                renamed = kimi_emulator_client_factory(max_tokens_field="max_tokens")
                made.extend([default, renamed])
                assert (default.max_retries, str(default.base_url)) == (0, "https://api.moonshot.ai/v1/")
                ask = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "q"}], "max_tokens": 50}
                default.chat.completions.create(**ask)
                assert kimi_emulator.last_chat_request()["max_completion_tokens"] == 50
                renamed.chat.completions.create(**ask)
                assert kimi_emulator.last_chat_request()["max_tokens"] == 50

            def test_factory_clients_are_closed_after_their_test():
                assert made and all(client.is_closed() for client in made)

            def test_factory_wires_another_emulator(kimi_emulator, kimi_emulator_client_factory):
                other = MoonshotEmulator()
                other.queue(TextReply("from the other one"))
                client = kimi_emulator_client_factory(emulator=other, max_retries=2)
                reply = client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "q"}])
                assert (reply.choices[0].message.content, client.max_retries) == ("from the other one", 2)
                assert kimi_emulator.requests == ()
            """
        )
    )
    pytester.runpytest_subprocess("--block-network").assert_outcomes(passed=5)


# --- the secrets attack: a server that sends the key back everywhere, recorded and replayed -------

ATTACK_TEST = """
import os

import openai
import pytest

KEY = os.environ["ATTACK_RECORDING_KEY"]
OWN = os.environ["OPENAI_API_KEY"]


@pytest.mark.vcr
def test_reply(kimi_client):
    reply = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": f"remember {KEY}"}],
        extra_headers={"X-Credential": KEY, "X-Debug-Echo": f"Bearer {KEY}", "X-Plain": KEY},
        extra_query={"q": KEY},
        extra_body={"note": KEY},
    )
    assert reply.choices[0].message.content


@pytest.mark.vcr
def test_stream(kimi_client):
    stream = kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "stream it"}], stream=True
    )
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


@pytest.mark.vcr
def test_own_client(kimi_recording):
    client = openai.OpenAI(base_url=kimi_recording.base_url, max_retries=0)  # OPENAI_API_KEY
    reply = client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": OWN}],
        extra_query={"q": OWN},
        extra_headers={"X-Plain": OWN},
    )
    assert reply.choices[0].message.content
"""


FILTERING_VCR_CONFIG = """
import pytest

@pytest.fixture
def vcr_config():
    return {"filter_headers": ["authorization", "x-trace-id"]}
"""


def _reply(content: str) -> str:
    message = {"role": "assistant", "content": content}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return json.dumps(
        {"id": "c", "object": "chat.completion", "created": 0, "model": "kimi-k2.6", "choices": [choice]}
    )


def _streamed_back(key: str) -> str:
    """The key as a model streams it: in deltas that no single event shows whole."""
    pieces = [f"Your key is {key[:5]}", key[5:11], key[11:19], key[19:], " - keep it safe."]
    chunks = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "kimi-k2.6",
            "choices": [{"index": 0, "delta": {"content": piece}}],
        }
        for piece in pieces
    ]
    return "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"


def _queue_the_echoes(server: MoonshotEmulator, key: str, own: str) -> None:
    echo = {"X-Credential": key, "X-Debug-Echo": f"Bearer {key}", "X-Note": f"the key was {key}"}
    server.queue_raw(200, _reply(f"You said {key}"), headers=echo)
    server.queue_raw(200, _streamed_back(key), content_type="text/event-stream", headers=echo)
    server.queue_raw(200, _reply(f"You said {own}"), headers={"X-Note": f"key {own}"})


def _key_forms(key: str) -> list[str]:
    return [key, quote(key, safe=""), quote_plus(key), json.dumps(key)[1:-1]]


def _streamed_text(cassette: Path) -> str:
    events: list[Any] = yaml.safe_load(cassette.read_text())["interactions"][0]["response"]["body"]["string"][
        "sse"
    ]
    return "".join(str(event["choices"][0]["delta"]["content"]) for event in events if event != "[DONE]")


ATTACKS = {
    # The plugin's own config, an sk-shaped recording key, and a test's own plain-looking key.
    "plugin-vcr-config": (False, "sk-LEAKCANARY7f3a9b2c4d5e6f708192a3b4c5d6", "OwnClientKey9f8e7d6c5b4a3f2e"),
    # A user's own vcr_config that drops Authorization itself (so the plugin never sees the
    # own client's key there), and two keys shaped like nothing in particular.
    "own-vcr-config": (True, "LeakCanaryPlain7f3a9b2c4d5e6f70", "OwnClientKeyB0a1b2c3d4e5f6071"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_server_echoing_the_key_everywhere_leaves_no_key_in_any_cassette(
    user_suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    own_vcr_config, key, own = ATTACKS[attack]
    for name in (
        "MOONSHOT_API_KEY",
        "KIMI_API_KEY",
        "MOONSHOT_BASE_URL",
        "KIMI_TEST_API_KEY",
        "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATTACK_RECORDING_KEY", key)
    monkeypatch.setenv("OPENAI_API_KEY", own)
    user_suite.makeconftest(CONFTEST + (FILTERING_VCR_CONFIG if own_vcr_config else ""))
    user_suite.makepyfile(test_user=ATTACK_TEST)
    server = MoonshotEmulator()
    _queue_the_echoes(server, key, own)
    monkeypatch.setenv("KIMI_LIVE", "1")
    with server.serve() as base_url:
        (user_suite.path / ".env").write_text(f"MOONSHOT_API_KEY={key}\nMOONSHOT_BASE_URL={base_url}\n")
        user_suite.runpytest_subprocess("--record-mode=rewrite").assert_outcomes(passed=3)
    sent = server.chat_requests()
    assert [r.headers.get("x-plain") for r in sent] == [key, None, own]  # the keys did reach the wire
    folder = user_suite.path / "cassettes" / "test_user"
    cassettes = {path.stem: path.read_text() for path in folder.glob("*.yaml")}
    assert sorted(cassettes) == ["test_own_client", "test_reply", "test_stream"]
    for name, text in cassettes.items():
        for secret in (key, own):
            assert not [form for form in _key_forms(secret) if form in text], (name, secret)
    assert _streamed_text(folder / "test_stream.yaml") == "Your key is REDACTED - keep it safe."
    reply = yaml.safe_load(cassettes["test_reply"])["interactions"][0]
    assert (
        reply["request"]["headers"]["x-plain"] == ["REDACTED"]
        or reply["request"]["headers"]["x-plain"] == "REDACTED"
    )
    assert reply["response"]["headers"]["x-debug-echo"] == ["Bearer REDACTED"]
    # Replayed offline with the same keys: the scrubbed recordings still match the requests.
    monkeypatch.delenv("KIMI_LIVE")
    monkeypatch.setenv("KIMI_TEST_API_KEY", key)
    (user_suite.path / ".env").unlink()
    user_suite.runpytest_subprocess("--block-network").assert_outcomes(passed=3)
