"""Models, balance, estimate, files, formulas and batches, against the shapes in moonshot-api.md §1."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import Balance, MoonshotEmulator

BASE_URL = "http://emulator.local/v1"
USER: Any = {"role": "user", "content": "hi"}


def test_models_list_items_have_the_documented_fields(client: openai.OpenAI) -> None:
    models = {m.id: m for m in client.models.list()}

    k3 = models["kimi-k3"].model_dump(exclude_unset=True)
    assert {
        k: k3[k]
        for k in ("id", "object", "owned_by", "context_length", "supports_image_in", "supports_reasoning")
    } == {
        "id": "kimi-k3",
        "object": "model",
        "owned_by": "moonshot",
        "context_length": 1048576,
        "supports_image_in": True,
        "supports_reasoning": True,
    }
    assert set(k3) == {
        "id", "object", "created", "owned_by", "context_length",
        "supports_image_in", "supports_video_in", "supports_reasoning",
    }  # fmt: skip
    assert models["kimi-k2.7-code"].model_dump()["supports_reasoning"] is True
    # Retired ids are not listed (and answer 404), as on the platform since 2026-08-31.
    assert not {"kimi-k2.5", "moonshot-v1-8k", "kimi-k2-thinking", "kimi-latest"} & set(models)
    assert client.models.retrieve("kimi-k2.6").model_dump()["context_length"] == 262144


def test_unknown_model_retrieve_is_404(raw: httpx.Client) -> None:
    response = raw.get("/models/kimi-k9")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not found the model kimi-k9 or Permission denied"


def test_balance_matches_the_documented_example(raw: httpx.Client) -> None:
    assert raw.get("/users/me/balance").json() == {
        "code": 0,
        "data": {"available_balance": 49.58894, "voucher_balance": 46.58893, "cash_balance": 3.00001},
        "scode": "0x0",
        "status": True,
    }


def test_negative_cash_leaves_the_vouchers_available(
    kimi_emulator: MoonshotEmulator, raw: httpx.Client
) -> None:
    kimi_emulator.balance = Balance(cash_balance=-2.5, voucher_balance=10.0)

    assert raw.get("/users/me/balance").json()["data"]["available_balance"] == 10.0


def test_estimate_is_deterministic_and_counts_media(client: openai.OpenAI) -> None:
    def estimate(messages: list[Any]) -> Any:
        body = {"model": "kimi-k2.6", "messages": messages}
        return client.post("/tokenizers/estimate-token-count", body=body, cast_to=httpx.Response).json()

    text = estimate([USER])
    image: Any = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    with_image = estimate([{"role": "user", "content": [image, {"type": "text", "text": "hi"}]}])

    assert set(text) == {"data"}
    assert set(text["data"]) == {"total_tokens"}
    assert text == estimate([USER])
    assert with_image["data"]["total_tokens"] == text["data"]["total_tokens"] + 1024
    completion = client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == text["data"]["total_tokens"]


def test_file_upload_retrieve_list_content_delete(client: openai.OpenAI) -> None:
    uploaded = client.files.create(file=("notes.txt", b"Moonshot notes"), purpose="file-extract")  # pyright: ignore[reportArgumentType]

    wire = uploaded.model_dump(exclude_unset=True)
    assert set(wire) == {
        "id",
        "object",
        "bytes",
        "created_at",
        "filename",
        "purpose",
        "status",
        "status_details",
    }
    assert (wire["object"], wire["bytes"], wire["filename"], wire["purpose"]) == (
        "file",
        14,
        "notes.txt",
        "file-extract",
    )
    assert (wire["status"], wire["status_details"]) == ("ok", "")
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert [f.id for f in client.files.list()] == [uploaded.id]
    assert json.loads(client.files.content(uploaded.id).text) == {
        "content": "Moonshot notes",
        "file_type": "text/plain",
        "filename": "notes.txt",
        "title": "notes",
        "type": "file",
    }
    deleted = client.files.delete(uploaded.id)
    assert deleted.model_dump(exclude_unset=True) == {"id": uploaded.id, "object": "file", "deleted": True}
    with pytest.raises(openai.NotFoundError):
        client.files.delete(uploaded.id)


def test_plain_text_content_is_selectable() -> None:
    emulator = MoonshotEmulator(file_content="text")
    http = httpx.Client(transport=emulator.transport())
    with openai.OpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http) as sdk:
        uploaded = sdk.files.create(file=("a.md", b"# Title"), purpose="file-extract")  # pyright: ignore[reportArgumentType]
        assert sdk.files.content(uploaded.id).text == "# Title"


@pytest.mark.parametrize(
    ("purpose", "data", "message"),
    [
        ("assistants", b"x", "Invalid purpose: only 'file-extract' accepted"),
        ("file-extract", b"", "Invalid request: file size is zero, please confirm the file is not empty"),
        (
            "file-extract",
            b"x" * 33,
            "Invalid request: file size is too large, the maximum is 32 bytes (100MB)",
        ),
    ],
)
def test_file_upload_rules(purpose: str, data: bytes, message: str) -> None:
    emulator = MoonshotEmulator(max_file_bytes=32)
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        response = http.post("/files", files={"file": ("a.txt", data)}, data={"purpose": purpose})

    assert response.status_code == 400
    assert response.json() == {"error": {"type": "invalid_request_error", "message": message}}


def test_scripted_extraction_failure(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    kimi_emulator.queue_file_status("error", "Failed to extract file: broken pdf")
    failed = client.files.create(file=("a.pdf", b"%PDF"), purpose="file-extract")  # pyright: ignore[reportArgumentType]
    fine = client.files.create(file=("b.pdf", b"%PDF"), purpose="file-extract")  # pyright: ignore[reportArgumentType]

    assert (failed.status, failed.status_details) == ("error", "Failed to extract file: broken pdf")
    assert fine.status == "ok"  # pyright: ignore[reportUnnecessaryComparison]


def test_formula_uri_with_a_slash_routes_to_tools_and_fibers(raw: httpx.Client) -> None:
    tools = raw.get("/formulas/moonshot/web-search:latest/tools").json()
    [tool] = tools["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "web_search"

    search = raw.post(
        "/formulas/moonshot/web-search:latest/fibers",
        json={"name": "web_search", "arguments": '{"query": "kimi"}'},
    ).json()
    assert search["status"] == "succeeded"
    assert search["context"]["encrypted_output"].startswith("----MOONSHOT ENCRYPTED BEGIN----")
    assert search["context"]["encrypted_output"].endswith("----MOONSHOT ENCRYPTED END----")

    date = raw.post(
        "/formulas/moonshot/date:latest/fibers", json={"name": "date", "arguments": '{"format": "%Y"}'}
    )
    assert date.json() == {"status": "succeeded", "context": {"output": "2023"}}
    assert raw.get("/formulas/moonshot/nothing:latest/tools").status_code == 404


def test_formula_failure_shapes(kimi_emulator: MoonshotEmulator, raw: httpx.Client) -> None:
    kimi_emulator.queue_fiber_failure().queue_fiber_failure("boom", in_context=False)
    body = {"name": "date", "arguments": "{}"}
    first = raw.post("/formulas/moonshot/date:latest/fibers", json=body).json()
    second = raw.post("/formulas/moonshot/date:latest/fibers", json=body).json()

    assert first == {"status": "failed", "context": {"error": "quota exhausted"}}
    assert second == {"status": "failed", "error": "boom"}


def _batch_input(lines: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


def _line(custom_id: str, model: str = "kimi-k2.6", **body: Any) -> dict[str, Any]:
    request = {"model": model, "messages": [{"role": "user", "content": custom_id}], **body}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": request}


def test_batch_life_cycle_and_output_files(client: openai.OpenAI) -> None:
    data = _batch_input([_line("a"), _line("b"), _line("c", temperature=3)])
    source = client.files.create(file=("in.jsonl", data), purpose="batch")  # pyright: ignore[reportArgumentType]
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )

    assert batch.status == "validating"
    assert batch.expires_at == batch.created_at + 24 * 3600
    seen = [client.batches.retrieve(batch.id) for _ in range(4)]
    assert [b.status for b in seen] == ["in_progress", "finalizing", "completed", "completed"]
    done = seen[-1]
    assert done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed, done.request_counts.total) == (2, 1, 3)
    assert done.in_progress_at is not None
    assert done.completed_at is not None
    assert done.output_file_id is not None
    assert done.error_file_id is not None

    outputs = [json.loads(line) for line in client.files.content(done.output_file_id).text.splitlines()]
    assert [(o["custom_id"], o["response"]["status_code"], o["error"]) for o in outputs] == [
        ("a", 200, None),
        ("b", 200, None),
    ]
    assert set(outputs[0]) == {"id", "custom_id", "response", "error"}
    assert outputs[0]["response"]["body"]["choices"][0]["message"]["content"] == "You said: a"
    [failure] = [json.loads(line) for line in client.files.content(done.error_file_id).text.splitlines()]
    assert failure["custom_id"] == "c"
    assert failure["response"]["status_code"] == 400


def test_batch_cancel(client: openai.OpenAI) -> None:
    source = client.files.create(file=("in.jsonl", _batch_input([_line("a")])), purpose="batch")  # pyright: ignore[reportArgumentType]
    window: Any = "1d"  # Moonshot takes 12h..7d; the SDK's type allows only "24h"
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window=window
    )

    cancelling = client.batches.cancel(batch.id)
    cancelled = client.batches.retrieve(batch.id)

    assert cancelling.status == "cancelling"
    assert cancelling.cancelling_at is not None
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at is not None
    with pytest.raises(openai.BadRequestError, match="cannot be cancelled in status cancelled"):
        client.batches.cancel(batch.id)


@pytest.mark.parametrize(
    ("overrides", "lines", "purpose", "status"),
    [
        ({"endpoint": "/v1/embeddings"}, [_line("a")], "batch", 400),
        ({"completion_window": "6h"}, [_line("a")], "batch", 400),
        ({"completion_window": "8d"}, [_line("a")], "batch", 400),
        ({}, [_line("a")], "file-extract", 400),
        ({}, [_line("a"), _line("b", model="kimi-k3")], "batch", 400),
        ({}, [_line("a"), _line("a")], "batch", 400),
        ({"input_file_id": "file-missing"}, [_line("a")], "batch", 404),
    ],
)
def test_batch_create_rules(
    raw: httpx.Client, overrides: dict[str, Any], lines: list[dict[str, Any]], purpose: str, status: int
) -> None:
    uploaded = raw.post(
        "/files", files={"file": ("in.jsonl", _batch_input(lines))}, data={"purpose": purpose}
    ).json()
    request = {
        "input_file_id": uploaded["id"],
        "endpoint": "/v1/chat/completions",
        "completion_window": "12h",
    }
    response = raw.post("/batches", json=request | overrides)

    assert response.status_code == status
    assert response.json()["error"]["type"] in {"invalid_request_error", "resource_not_found_error"}


def test_batch_list_pages_with_after_and_limit(raw: httpx.Client) -> None:
    uploaded = raw.post(
        "/files", files={"file": ("in.jsonl", _batch_input([_line("a")]))}, data={"purpose": "batch"}
    )
    request = {
        "input_file_id": uploaded.json()["id"],
        "endpoint": "/v1/chat/completions",
        "completion_window": "7d",
    }
    ids = [raw.post("/batches", json=request).json()["id"] for _ in range(3)]

    first = raw.get("/batches", params={"limit": 2}).json()
    second = raw.get("/batches", params={"limit": 2, "after": first["data"][-1]["id"]}).json()

    assert set(first) == {"object", "data", "has_more"}
    assert first["object"] == "list"
    assert [b["id"] for b in first["data"]] + [b["id"] for b in second["data"]] == ids[::-1]
    assert (first["has_more"], second["has_more"]) == (True, False)
