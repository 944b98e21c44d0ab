"""The Kimi SSE decoder yields exactly the events openai's decoder yields, however the body is cut."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import anyio
import openai
from hypothesis import given, settings
from hypothesis import strategies as st
from openai._streaming import ServerSentEvent, SSEDecoder

from kimi_openai import KimiOpenAI
from kimi_openai._sse import KimiSSEDecoder

Event = tuple[str | None, str, str | None, int | None]

# Field values: any text without line ends (they would end the line), with colons and spaces.
VALUE = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=12
)
LINE = st.one_of(
    VALUE.map(lambda v: f"data: {v}"),
    VALUE.map(lambda v: f"data:{v}"),
    st.just("data"),
    VALUE.map(lambda v: f"event: {v}"),
    VALUE.map(lambda v: f"id: {v}"),
    st.integers(0, 5000).map(lambda n: f"retry: {n}"),
    st.just("retry: soon"),
    VALUE.map(lambda v: f": {v}"),
    VALUE.map(lambda v: f"x-unknown: {v}"),
)
BLOCK = st.lists(LINE, min_size=1, max_size=4)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """An SSE body (events separated by blank lines, a chosen line end) and where to cut it."""
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    blocks = draw(st.lists(BLOCK, max_size=6))
    text = "".join(end.join(block) + end + end for block in blocks)
    text += draw(st.sampled_from(["", "data: tail", "data: tail" + end]))
    body = text.encode("utf-8")
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
    return body, cuts


def _pieces(body: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *cuts, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(edges)]


def _events(events: Iterator[ServerSentEvent] | list[ServerSentEvent]) -> list[Event]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


@settings(max_examples=300, deadline=None)
@given(bodies())
def test_same_events_as_openai_for_any_body_and_any_cuts(case: tuple[bytes, list[int]]) -> None:
    body, cuts = case
    pieces = _pieces(body, cuts)
    expected = _events(SSEDecoder().iter_bytes(iter(pieces)))
    assert _events(KimiSSEDecoder().iter_bytes(iter(pieces))) == expected


async def _aiter(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@settings(max_examples=100, deadline=None)
@given(bodies())
def test_async_same_events_as_openai(case: tuple[bytes, list[int]]) -> None:
    body, cuts = case
    pieces = _pieces(body, cuts)

    async def collect(decoder: SSEDecoder) -> list[Event]:
        return [(e.event, e.data, e.id, e.retry) async for e in decoder.aiter_bytes(_aiter(pieces))]

    assert anyio.run(collect, KimiSSEDecoder()) == anyio.run(collect, SSEDecoder())


def test_a_multibyte_character_cut_between_network_chunks_is_kept() -> None:
    body = 'data: {"content": "月之暗面"}\n\n'.encode()
    cut = body.index("暗".encode()) + 1
    events = list(KimiSSEDecoder().iter_bytes(iter([body[:cut], body[cut:]])))
    assert [e.data for e in events] == ['{"content": "月之暗面"}']


def test_the_kimi_clients_decode_with_it() -> None:
    client = KimiOpenAI(api_key="sk-test")
    assert isinstance(client._make_sse_decoder(), KimiSSEDecoder)  # pyright: ignore[reportPrivateUsage]
    assert isinstance(client._make_sse_decoder(), SSEDecoder)  # pyright: ignore[reportPrivateUsage]
    plain = openai.OpenAI(api_key="sk-test")
    assert type(plain._make_sse_decoder()) is SSEDecoder  # pyright: ignore[reportPrivateUsage]
