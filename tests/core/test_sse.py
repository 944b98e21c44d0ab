"""The Kimi SSE decoder yields exactly the events openai's decoder yields, however the body is cut."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator, Sequence

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


def _items(items: Iterator[object] | Sequence[object]) -> list[Event]:
    """What a stream reads from a decoder asked for ``texts``: a text stands for a data-only event."""
    out: list[Event] = []
    for item in items:
        if isinstance(item, str):
            out.append((None, item, None, None))
        else:
            assert isinstance(item, ServerSentEvent)
            out.append((item.event, item.data, item.id, item.retry))
    return out


@st.composite
def event_pieces(draw: st.DrawFn) -> list[bytes]:
    """A body sent as a token-by-token server sends it: mostly one event per network chunk, ``\\n`` ends."""
    blocks = draw(st.lists(BLOCK, max_size=6))
    events = ["\n".join(block) + "\n\n" for block in blocks]
    pieces: list[bytes] = []
    for event in events:
        if pieces and draw(st.booleans()) and draw(st.booleans()):
            pieces[-1] += event.encode()  # now and then two events in one chunk
        else:
            pieces.append(event.encode())
    return pieces


@settings(max_examples=300, deadline=None)
@given(st.one_of(bodies().map(lambda case: _pieces(*case)), event_pieces()))
def test_texts_are_the_data_of_the_same_events_openai_finds(pieces: list[bytes]) -> None:
    expected = _events(SSEDecoder().iter_bytes(iter(pieces)))
    items = list(KimiSSEDecoder(texts=True).iter_bytes(iter(pieces)))
    assert _items(items) == expected
    body = b"".join(pieces)
    # A Moonshot stream: data fields only, \n line ends (at a \r openai's own decoder takes over).
    if b"\r" not in body and all(line.startswith(b"data") or not line for line in body.split(b"\n")):
        assert all(isinstance(item, str) for item in items)


@settings(max_examples=100, deadline=None)
@given(st.one_of(bodies().map(lambda case: _pieces(*case)), event_pieces()))
def test_async_texts_are_the_data_of_the_same_events_openai_finds(pieces: list[bytes]) -> None:
    async def collect() -> list[object]:
        return [item async for item in KimiSSEDecoder(texts=True).aiter_bytes(_aiter(pieces))]

    async def expected() -> list[Event]:
        return [(e.event, e.data, e.id, e.retry) async for e in SSEDecoder().aiter_bytes(_aiter(pieces))]

    assert _items(anyio.run(collect)) == anyio.run(expected)


def test_one_event_per_network_chunk_comes_out_as_its_text() -> None:
    pieces = [b'data: {"n": 1}\n\n', b'data: {"n": 2}\n\n', b"event: ping\ndata: {}\n\n", b"data: [DONE]\n\n"]
    items = list(KimiSSEDecoder(texts=True).iter_bytes(iter(pieces)))
    assert items[:2] == ['{"n": 1}', '{"n": 2}']
    assert isinstance(items[2], ServerSentEvent)
    assert (items[2].event, items[2].data) == ("ping", "{}")
    assert items[3] == "[DONE]"
