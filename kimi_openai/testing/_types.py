"""The emulator's value types: what it answers, what it records, and what a test can queue.

All of them are frozen dataclasses, so a test can build them once and compare them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

JSONObject: TypeAlias = dict[str, Any]
"""A parsed JSON object, as the emulator reads request bodies and writes answers."""

StreamUsagePlacement: TypeAlias = Literal["choice", "top", "include_usage"]
"""Where a streamed answer puts ``usage`` (moonshot-api.md §6 lists all three as seen in the wild).

- ``"choice"``: inside ``choices[0]`` of the last chunk (the legacy shape, seen live in 2026-03).
- ``"top"``: top-level ``usage`` on the last content chunk, whatever the request says.
- ``"include_usage"`` (the default): what the 2026-08 docs describe. Top-level ``usage`` on the
  last chunk, unless the request sends ``stream_options.include_usage``; then every chunk carries
  ``usage: null`` and one extra chunk with ``choices: []`` brings the usage before ``[DONE]``.
"""

FileContentFormat: TypeAlias = Literal["json", "text"]
"""How ``GET /v1/files/{id}/content`` answers for ``file-extract`` files.

``"json"`` is the CN docs' reading (a JSON string with ``content, file_type, filename, title, type``);
``"text"`` is the OpenAPI's ``text/plain`` reading. Both from moonshot-api.md §1.4.
"""

StatelessFields: TypeAlias = Literal["ignore", "refuse"]
"""What ``/v1/responses`` does with ``store``/``background`` true or ``previous_response_id``/``conversation`` set.

Moonshot's Responses API keeps nothing: the answer always reports ``store: false``,
``background: false``, ``previous_response_id: null`` and ``conversation: null``, and the request
schema has none of the four (platform.kimi.ai/docs/api/responses). ⚠ Whether a request that sets
them is refused or answered as if they were absent was never recorded.

- ``"ignore"`` (the default): answered from ``input`` alone, as Moonshot treated a field its chat
  API did not know yet (``max_completion_tokens`` in 2025, RooCodeInc/Roo-Code PR #7673; some
  gateways strip ``store`` only in case, Gitlawb/openclaude PR #805); a client that relies on
  server-side state sees its history missing from the answer.
- ``"refuse"``: 400 ``invalid_request_error`` ``"<field> is not supported"`` (worded after the
  measured ``tools.0.defer_loading is not supported``). ``false`` and ``null`` always pass.
"""

ReasoningReplay: TypeAlias = Literal["optional", "required"]
"""Whether ``/v1/responses`` refuses a replayed ``function_call`` whose turn lost its reasoning item.

Chat refuses the assistant tool-call message without ``reasoning_content`` when thinking is on
(moonshot-api.md §3); no source reports the same for Responses, where reasoning items "can be
replayed". ``"optional"`` (the default) accepts it; ``"required"`` answers chat's 400, so a test
can check that a client keeps the reasoning items (⚠ the rule on Responses is not confirmed).
"""

UnservedAnswer: TypeAlias = Literal["not_open", "not_found"]
"""What the emulator answers for an openai endpoint Moonshot does not serve (embeddings, audio...).

- ``"not_open"`` (the default): 403 ``permission_denied_error`` ``The API you are accessing is not
  open``, Moonshot's answer to ``POST /v1/embeddings`` (MoonshotAI-Cookbook #21, 2024; ⚠ not
  re-recorded since, and only seen for embeddings).
- ``"not_found"``: 404 ``resource_not_found_error``, as for any path the emulator does not know.
"""


@dataclass(frozen=True)
class EmulatorResponse:
    """One answer of the emulator, independent of any HTTP framework.

    A streamed answer has ``chunks`` (SSE events, one per element) instead of ``body``. When
    ``drop_after`` is set, the adapters deliver that many parts and then break the connection,
    as a server that dies mid-answer does.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    body: bytes = b""
    chunks: tuple[bytes, ...] | None = None
    drop_after: int | None = None

    @property
    def is_stream(self) -> bool:
        """Whether the answer is sent as SSE chunks."""
        return self.chunks is not None

    @property
    def parts(self) -> tuple[bytes, ...]:
        """The body as the adapters write it: the SSE chunks, or the whole body as one part."""
        return self.chunks if self.chunks is not None else (self.body,)

    @property
    def delivered_parts(self) -> tuple[bytes, ...]:
        """The parts sent before a drop (all of them when nothing drops)."""
        return self.parts if self.drop_after is None else self.parts[: self.drop_after]

    def json(self) -> Any:
        """The parsed body of a non-streamed answer."""
        return json.loads(self.body)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the emulator received it."""

    method: str
    path: str
    """The path without the query string, percent-decoded, with the ``/v1`` prefix."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Lower-cased header names."""
    body: bytes

    @property
    def json(self) -> JSONObject | None:
        """The body parsed as a JSON object, or ``None`` when it is not one."""
        try:
            parsed: object = json.loads(self.body)
        except ValueError:
            return None
        return dict(parsed) if isinstance(parsed, dict) else None  # pyright: ignore[reportUnknownArgumentType]


@dataclass(frozen=True)
class Usage:
    """Token counts for a scripted answer; ``total_tokens`` is their sum.

    On ``/v1/responses`` they are ``input_tokens``, ``output_tokens``,
    ``input_tokens_details.cached_tokens`` and ``input_tokens_details.cache_write_tokens``.
    """

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    """Tokens written to the context cache; reported by ``/v1/responses`` only."""


@dataclass(frozen=True)
class Balance:
    """The account balance ``GET /v1/users/me/balance`` reports (moonshot-api.md §1.6, [KD-balance])."""

    cash_balance: float = 3.00001
    voucher_balance: float = 46.58893

    @property
    def available_balance(self) -> float:
        """Cash plus vouchers; a negative cash balance does not eat into the vouchers [KD-balance]."""
        return round(max(self.cash_balance, 0.0) + self.voucher_balance, 5)


@dataclass(frozen=True)
class RateLimit:
    """Values for the ``X-RateLimit-*`` headers (help centre: kimi.com/help/kimi-api/api-rate-limits).

    ⚠ The header formats were never seen live (moonshot-api.md §7); the emulator sends plain integers,
    ``Remaining`` counting down with every request and never below zero.
    """

    limit: int = 200
    reset_seconds: int = 60
