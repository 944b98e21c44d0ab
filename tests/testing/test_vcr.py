"""Cassette scrubbing, the readable serializer, and the JSON body matcher."""

from __future__ import annotations

import gzip
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml

from kimi_openai.testing._vcr import (
    CassetteLeakError,
    CassetteSerializer,
    Scrubber,
    ScrubbingPersister,
    cassette_source,
    json_body_matcher,
    rebase_uri,
    scrub_text,
    scrubbed_query_matcher,
)

LIVE_KEY = "sk-LiveKey0123456789abcdefXYZ"


def _request(uri: str, body: bytes | None, headers: dict[str, str]) -> Any:
    return SimpleNamespace(uri=uri, body=body, headers=dict(headers))


def test_scrubber_drops_secret_and_volatile_request_headers() -> None:
    request = _request(
        "http://127.0.0.1:5123/v1/chat/completions",
        b'{"model":"kimi-k2.6"}',
        {
            "Authorization": f"Bearer {LIVE_KEY}",
            "Cookie": "session=abc",
            "User-Agent": "OpenAI/Python 3.52.0",
            "X-Stainless-Retry-Count": "0",
            "X-Api-Key": "whatever",
            "Content-Type": "application/json",
        },
    )
    scrubbed = Scrubber(secrets=(LIVE_KEY,), recorded_base_url="http://127.0.0.1:5123/v1").request(request)
    assert scrubbed.headers == {"Content-Type": "application/json"}
    assert scrubbed.uri == "https://api.moonshot.ai/v1/chat/completions"


def test_scrubber_replaces_keys_in_bodies_urls_and_responses() -> None:
    request = _request(
        f"https://api.moonshot.ai/v1/files?key={LIVE_KEY}", f'{{"note":"{LIVE_KEY}"}}'.encode(), {}
    )
    scrubbed = Scrubber(secrets=(LIVE_KEY,)).request(request)
    assert LIVE_KEY not in scrubbed.uri
    assert LIVE_KEY not in scrubbed.body.decode()
    response = {
        "headers": {"Set-Cookie": ["a=b"], "Content-Type": ["application/json"], "Date": ["x"]},
        "body": {"string": f'{{"echo":"Bearer {LIVE_KEY}"}}'.encode()},
    }
    cleaned = Scrubber(secrets=(LIVE_KEY,)).response(response)
    assert cleaned["headers"] == {"Content-Type": ["application/json"]}
    assert LIVE_KEY not in cleaned["body"]["string"].decode()


@pytest.mark.parametrize(
    "text",
    ["sk-abcdefgh12345678", "Authorization: Bearer abcdefghijklmnop", "key sk-proj_ABC-def_1234567890"],
)
def test_scrub_text_catches_key_shapes(text: str) -> None:
    assert "REDACTED" in scrub_text(text)
    assert "abcdefgh1234" not in scrub_text(text)


def test_rebase_uri_only_touches_the_recorded_server() -> None:
    assert (
        rebase_uri("http://127.0.0.1:9/v1/models", "http://127.0.0.1:9/v1/")
        == "https://api.moonshot.ai/v1/models"
    )
    assert rebase_uri("https://elsewhere/v1/models", "http://127.0.0.1:9/v1") == "https://elsewhere/v1/models"


def _cassette(request_body: str, response_body: str) -> dict[str, Any]:
    return {
        "interactions": [
            {
                "request": {"body": request_body, "headers": {}, "method": "POST", "uri": "https://x/v1"},
                "response": {
                    "body": {"string": response_body},
                    "headers": {},
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
        "version": 1,
    }


def test_serializer_writes_json_as_trees_and_sse_as_events_and_reads_them_back() -> None:
    chunk = {"id": "c", "choices": [{"index": 0, "delta": {"content": "hé"}}]}
    sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    serializer = CassetteSerializer(source="emulator")
    text = serializer.serialize(_cassette('{"model":"kimi-k2.6","stream":true}', sse))
    assert text.startswith("# Recorded from the local Moonshot emulator")
    assert "# Record again: pytest --record-mode=rewrite" in text
    document = yaml.safe_load(text)
    assert document["source"] == "emulator"
    interaction = document["interactions"][0]
    assert interaction["request"]["body"] == {"json": {"model": "kimi-k2.6", "stream": True}}
    assert interaction["response"]["body"]["string"] == {"sse": [chunk, "[DONE]"]}
    loaded = serializer.deserialize(text)["interactions"][0]
    assert json.loads(loaded["request"]["body"]) == {"model": "kimi-k2.6", "stream": True}
    assert (
        loaded["response"]["body"]["string"]
        == f"data: {json.dumps(chunk, ensure_ascii=False)}\n\ndata: [DONE]\n\n"
    )


def test_serializer_keeps_non_json_bodies_as_text() -> None:
    html = "<html>\n<body>504 Gateway Time-out</body>\n</html>\n"
    serializer = CassetteSerializer(source="live")
    text = serializer.serialize(_cassette("", html))
    assert cassette_source(text) == "live"
    assert "KIMI_LIVE=1" in text
    assert serializer.deserialize(text)["interactions"][0]["response"]["body"]["string"] == html


def test_json_body_matcher_ignores_key_order_and_spacing() -> None:
    recorded = SimpleNamespace(body=b'{"a": 1, "b": [1, 2]}')
    json_body_matcher(SimpleNamespace(body=b'{"b":[1,2],"a":1}'), recorded)
    with pytest.raises(AssertionError, match="request bodies differ"):
        json_body_matcher(SimpleNamespace(body=b'{"a":2,"b":[1,2]}'), recorded)


def test_binary_bodies_survive_scrubbing_and_boundaries_are_stable() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff" + LIVE_KEY.encode() + b"\x00"
    body = b"--abc123\r\nContent-Type: image/png\r\n\r\n" + png + b"\r\n--abc123--\r\n"
    request = _request(
        "https://api.moonshot.ai/v1/files", body, {"content-type": "multipart/form-data; boundary=abc123"}
    )
    scrubbed = Scrubber(secrets=(LIVE_KEY,)).request(request)
    assert scrubbed.headers["content-type"] == "multipart/form-data; boundary=kimi-cassette-boundary"
    assert b"abc123" not in scrubbed.body
    assert b"\x89PNG\r\n\x1a\n\x00\xff" in scrubbed.body
    assert LIVE_KEY.encode() not in scrubbed.body


class _MemoryPersister:
    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        return self.saved[cassette_path]

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        self.saved[cassette_path] = cassette_dict


def test_the_persister_scrubs_what_it_writes_and_leaves_the_cassette_in_memory_alone() -> None:
    # What a user's own vcr_config leaves unscrubbed: the key, a cookie, the emulator's URL.
    request = _request(
        "http://127.0.0.1:5123/v1/chat/completions",
        b'{"model":"kimi-k2.6"}',
        {"Authorization": f"Bearer {LIVE_KEY}", "Cookie": "session=abc", "Content-Type": "application/json"},
    )
    response = {"headers": {"Set-Cookie": ["session=abc"]}, "body": {"string": b'{"ok":true}'}}
    inner = _MemoryPersister()
    persister = ScrubbingPersister(
        inner, lambda: Scrubber(secrets=(LIVE_KEY,), recorded_base_url="http://127.0.0.1:5123/v1")
    )
    persister.save_cassette("c.yaml", {"requests": [request], "responses": [response]}, serializer=None)
    saved = persister.load_cassette("c.yaml", serializer=None)
    assert saved["requests"][0].uri == "https://api.moonshot.ai/v1/chat/completions"
    assert saved["requests"][0].headers == {"Content-Type": "application/json"}
    assert saved["responses"][0]["headers"] == {}
    assert request.headers["Authorization"] == f"Bearer {LIVE_KEY}"
    assert response["headers"] == {"Set-Cookie": ["session=abc"]}


def test_a_compressed_response_is_unpacked_so_a_key_inside_is_replaced() -> None:
    # VCR.py stores gzip bytes as they came unless decode_compressed_response is set.
    packed = gzip.compress(f'{{"echo":"{LIVE_KEY}"}}'.encode())
    response = {
        "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]},
        "body": {"string": packed},
    }
    cleaned = Scrubber(secrets=(LIVE_KEY,)).response(response)
    assert cleaned["headers"] == {"Content-Type": ["application/json"]}
    assert json.loads(cleaned["body"]["string"]) == {"echo": "REDACTED"}


# --- the secrets attack on cassettes -------------------------------------------------------------

PLAIN_KEY = "LeakCanaryPlain7f3a9b2c4d5e6f70"
"""A recording key that is not sk-shaped: found only because it is known."""


@pytest.mark.parametrize("key", [LIVE_KEY, PLAIN_KEY], ids=["sk-key", "plain-key"])
def test_every_header_value_is_scrubbed_whatever_the_header_is_called(key: str) -> None:
    request = _request(
        "https://api.moonshot.ai/v1/chat/completions",
        b"{}",
        {
            "X-Debug-Echo": f"Bearer {key}",
            "X-Trace": f"trace for {key}",
            "X-Credential": key,
            "Accept": "json",
        },
    )
    scrubbed = Scrubber(secrets=(key,)).request(request)
    assert scrubbed.headers == {
        "X-Debug-Echo": "Bearer REDACTED",
        "X-Trace": "trace for REDACTED",
        "Accept": "json",
    }
    response = {
        "status": {"code": 200, "message": f"OK {key}"},
        "headers": {"x-debug-echo": [f"Bearer {key}"], "x-note": [f"the key {key}"], "x-credential": [key]},
        "body": {"string": b"{}"},
    }
    cleaned = Scrubber(secrets=(key,)).response(response)
    assert cleaned["headers"] == {"x-debug-echo": ["Bearer REDACTED"], "x-note": ["the key REDACTED"]}
    assert cleaned["status"]["message"] == "OK REDACTED"


def test_a_key_of_any_shape_is_found_encoded_in_the_query_escaped_in_json_and_in_the_reply() -> None:
    key = "Leak/Canary+Plain=7f3a9b2c4d5e"  # characters that URLs and JSON encode
    escaped = "".join(f"\\u{ord(ch):04x}" for ch in key)
    request = _request(
        f"https://api.moonshot.ai/v1/models?key={quote(key, safe='')}&q={quote_plus(key)}&model=kimi",
        f'{{"note":"{escaped}","also":"{key}"}}'.encode(),
        {},
    )
    scrubbed = Scrubber(secrets=(key,)).request(request)
    assert scrubbed.uri == "https://api.moonshot.ai/v1/models?key=REDACTED&q=REDACTED&model=kimi"
    assert json.loads(scrubbed.body) == {"note": "REDACTED", "also": "REDACTED"}
    reply = {"headers": {}, "body": {"string": f"plain text reply: {key}".encode()}}
    assert Scrubber(secrets=(key,)).response(reply)["body"]["string"] == b"plain text reply: REDACTED"


def test_the_keys_of_clients_and_of_recorded_requests_are_scrubbed_without_being_told() -> None:
    # A test's own client, with a key the plugin was never given: its Authorization header
    # names it before the header is dropped, and the answer is scrubbed of it.
    own_key = "OwnClientKey9f8e7d6c5b4a3"
    request = _request("https://api.moonshot.ai/v1/models", b"", {"Authorization": f"Bearer {own_key}"})
    scrubber = Scrubber()
    scrubber.request(request)
    reply = {"headers": {}, "body": {"string": f'{{"echo":"{own_key}"}}'.encode()}}
    assert json.loads(scrubber.response(reply)["body"]["string"]) == {"echo": "REDACTED"}


def _sse(*events: object) -> bytes:
    return (
        "".join(f"data: {json.dumps(event)}\n\n" for event in (*events, "[DONE]"))
        .encode()
        .replace(b'"[DONE]"', b"[DONE]")
    )


def _chunk(delta: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": index, "delta": delta}]}


def _pieces(key: str) -> list[str]:
    return [f"Here it is: {key[:5]}", key[5:11], key[11:20], f"{key[20:]} and more."]


def _joined(body: bytes, *path: str | int) -> str:
    text = ""
    events = [line[len("data: ") :] for line in body.decode().split("\n") if line.startswith("data: ")]
    for event in events[:-1]:  # the last is [DONE]
        node: Any = json.loads(event)
        for step in path:
            if isinstance(step, int) and isinstance(node, list):
                node = next((item for item in node if item.get("index") == step), {})  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType, reportUnknownArgumentType]
            elif isinstance(node, dict):
                node = node.get(step, {})  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        text += node if isinstance(node, str) else ""
    return text


@pytest.mark.parametrize("key", [LIVE_KEY, PLAIN_KEY], ids=["sk-key", "plain-key"])
def test_a_key_streamed_back_in_pieces_is_cut_out_of_the_stream(key: str) -> None:
    body = _sse(
        *(_chunk({"reasoning_content": piece}) for piece in _pieces(key)),
        *(_chunk({"content": piece}) for piece in _pieces(key)),
        *(
            _chunk({"tool_calls": [{"index": 1, "function": {"arguments": piece}}]})
            for piece in ['{"token": "', *_pieces(key), '"}']
        ),
        _chunk({"content": "other choice "}, index=1),
        *({"type": "response.output_text.delta", "delta": piece} for piece in _pieces(key)),
    )
    assert key not in body.decode()
    cleaned = Scrubber(secrets=(key,)).response({"headers": {}, "body": {"string": body}})["body"]["string"]
    expected = "Here it is: REDACTED and more."
    assert _joined(cleaned, "choices", 0, "delta", "content") == expected
    assert _joined(cleaned, "choices", 0, "delta", "reasoning_content") == expected
    arguments = _joined(cleaned, "choices", 0, "delta", "tool_calls", 1, "function", "arguments")
    assert arguments == '{"token": "Here it is: REDACTED and more."}'
    assert _joined(cleaned, "choices", 1, "delta", "content") == "other choice "
    assert _joined(cleaned, "delta") == expected
    assert cleaned.decode().endswith("data: [DONE]\n\n")


def test_a_stream_without_a_key_is_left_as_it_came() -> None:
    body = _sse(*(_chunk({"content": piece}) for piece in ["sk", "-", "ok", " fine"]))
    cleaned = Scrubber(secrets=(LIVE_KEY,)).response({"headers": {}, "body": {"string": body}})["body"][
        "string"
    ]
    assert cleaned == body


class _LeakySerializer(CassetteSerializer):
    """Stands for a body shape scrubbing does not know yet: it writes the key back."""

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        return super().serialize(cassette_dict) + f"# {LIVE_KEY}\n"


def test_a_cassette_still_holding_a_known_key_is_not_written() -> None:
    inner = _FilePersister()
    persister = ScrubbingPersister(inner, lambda: Scrubber(secrets=(LIVE_KEY,)))
    cassette = _cassette("{}", "{}")["interactions"][0]
    request = _request("https://api.moonshot.ai/v1/models", b"{}", {})
    with pytest.raises(CassetteLeakError, match=r"Not writing c\.yaml: a key is still in it"):
        persister.save_cassette(
            "c.yaml", {"requests": [request], "responses": [cassette["response"]]}, _LeakySerializer()
        )
    assert inner.written == {}
    persister.save_cassette(
        "c.yaml", {"requests": [request], "responses": [cassette["response"]]}, CassetteSerializer()
    )
    assert LIVE_KEY not in inner.written["c.yaml"]


class _FilePersister:
    """Serializes as VCR.py's filesystem persister does, into memory."""

    def __init__(self) -> None:
        self.written: dict[str, str] = {}

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        interactions: list[dict[str, Any]] = [
            {"request": vars(request) | {"headers": request.headers}, "response": response}
            for request, response in zip(cassette_dict["requests"], cassette_dict["responses"], strict=True)
        ]
        self.written[cassette_path] = serializer.serialize({"interactions": interactions, "version": 1})


def test_a_request_with_a_key_in_its_query_plays_its_scrubbed_recording() -> None:
    # The key is known from the request being played (a test's own client), not beforehand.
    key = "PlayedClientKey4d5e6f708192a3"
    recorded = SimpleNamespace(uri="https://api.moonshot.ai/v1/models?q=REDACTED&limit=2", headers={})
    auth = {"authorization": f"Bearer {key}"}
    played = SimpleNamespace(uri=f"https://api.moonshot.ai/v1/models?limit=2&q={key}", headers=auth)
    scrubbed_query_matcher(played, recorded)
    other = SimpleNamespace(uri=f"https://api.moonshot.ai/v1/models?q={key}&limit=3", headers=auth)
    with pytest.raises(AssertionError):
        scrubbed_query_matcher(other, recorded)


def test_a_short_stand_in_key_of_a_test_client_does_not_garble_recorded_text() -> None:
    from kimi_openai import KimiOpenAI

    KimiOpenAI(api_key="testing-key")  # a stand-in, as suites use
    KimiOpenAI(api_key="RealLookingKey0123456789")
    reply = {"headers": {}, "body": {"string": b"testing-key works; RealLookingKey0123456789 does not"}}
    cleaned = Scrubber().response(reply)["body"]["string"]
    assert cleaned == b"testing-key works; REDACTED does not"
