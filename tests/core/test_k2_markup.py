"""Kimi K2 tool-call markup: one-shot parse, streaming parse, and their agreement."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimi_openai._errors import KimiError
from kimi_openai._k2_markup import (
    TOOL_ARGUMENTS_BEGIN_REPORT,
    TOOL_CALL_ARGUMENT_BEGIN,
    TOOL_CALL_BEGIN,
    TOOL_CALL_END,
    TOOL_CALL_SECTION_BEGIN_SINGULAR,
    TOOL_CALL_SECTION_END_SINGULAR,
    TOOL_CALLS_SECTION_BEGIN,
    TOOL_CALLS_SECTION_END,
    K2MarkupError,
    K2ParseResult,
    K2Problem,
    K2ToolCallStreamParser,
    parse_k2_tool_calls,
)

SB, SE = TOOL_CALLS_SECTION_BEGIN, TOOL_CALLS_SECTION_END
CB, AB, CE = TOOL_CALL_BEGIN, TOOL_CALL_ARGUMENT_BEGIN, TOOL_CALL_END

# Shaped like the output described in the Kimi-K2 tool-call guidance: an id
# "functions.NAME:INDEX", the argument token, then the JSON arguments.
ONE_CALL = f'{SB}{CB}functions.get_weather:0{AB}{{"city": "Beijing"}}{CE}{SE}'
TWO_CALLS = (
    "Let me look both up.\n"
    f"{SB}\n"
    f'{CB}functions.get_weather:0{AB}{{"city": "Beijing"}}{CE}\n'
    f'{CB}functions.get_time:1{AB}{{"timezone": "Asia/Shanghai"}}{CE}\n'
    f"{SE}"
)

Call = tuple[str, str, str]


def calls(result: K2ParseResult) -> list[Call]:
    return [(c.id, c.function.name, c.function.arguments) for c in result.tool_calls]


def kinds(problems: list[K2Problem]) -> list[str]:
    return [p.kind for p in problems]


@dataclass
class Streamed:
    content: str
    calls: list[Call]
    problems: list[K2Problem]


def stream(chunks: list[str], *, strict: bool = False) -> Streamed:
    """Feed ``chunks`` and join the deltas the way an openai stream consumer does."""
    parser = K2ToolCallStreamParser(strict=strict)
    content: list[str] = []
    joined: dict[int, list[str]] = {}
    problems: list[K2Problem] = []
    for event in [*(parser.feed(chunk) for chunk in chunks), parser.finish()]:
        content.append(event.content)
        problems.extend(event.problems)
        for delta in event.tool_calls:
            assert delta.function is not None
            if delta.index not in joined:
                # The first delta of a call names it; later ones only carry arguments.
                assert delta.type == "function"
                assert delta.id is not None
                assert delta.function.name is not None
                joined[delta.index] = [delta.id, delta.function.name, delta.function.arguments or ""]
            else:
                assert delta.id is None
                assert delta.function.name is None
                joined[delta.index][2] += delta.function.arguments or ""
    assert sorted(joined) == list(range(len(joined)))
    return Streamed("".join(content), [(i, n, a) for i, n, a in joined.values()], problems)


def assert_stream_matches(chunks: list[str]) -> None:
    expected = parse_k2_tool_calls("".join(chunks))
    got = stream(chunks)
    assert (got.content, got.calls, got.problems) == (expected.content, calls(expected), expected.problems)


# -- one-shot parse ----------------------------------------------------------------


def test_single_call() -> None:
    result = parse_k2_tool_calls(ONE_CALL)
    assert result.content == ""
    assert calls(result) == [("functions.get_weather:0", "get_weather", '{"city": "Beijing"}')]
    assert result.problems == []
    assert result.tool_calls[0].type == "function"


def test_multiple_calls_with_text_before() -> None:
    result = parse_k2_tool_calls(TWO_CALLS)
    assert result.content == "Let me look both up."
    assert calls(result) == [
        ("functions.get_weather:0", "get_weather", '{"city": "Beijing"}'),
        ("functions.get_time:1", "get_time", '{"timezone": "Asia/Shanghai"}'),
    ]
    assert result.problems == []


def test_concatenated_calls_are_not_merged() -> None:
    # vLLM issue #24478: calls written back to back, with no whitespace between them.
    text = f"{SB}" + "".join(f'{CB}functions.f{i}:{i}{AB}{{"n": {i}}}{CE}' for i in range(3)) + f"{SE}"
    assert calls(parse_k2_tool_calls(text)) == [
        (f"functions.f{i}:{i}", f"f{i}", f'{{"n": {i}}}') for i in range(3)
    ]


@pytest.mark.parametrize(
    "text",
    [
        f'{SB}\n{CB}\nfunctions.get_weather:0{AB}\n{{"city": "Beijing"}}\n{CE}\n{SE}',
        f'  {SB}  {CB}  functions.get_weather:0  {AB}  {{"city": "Beijing"}}  {CE}  {SE}  ',
        f'\n\n{SB}\r\n\t{CB} functions.get_weather:0\t{AB}{{"city": "Beijing"}}\r\n{CE}{SE}\n',
    ],
    ids=["newlines", "spaces", "mixed"],
)
def test_whitespace_between_tokens_is_ignored(text: str) -> None:
    result = parse_k2_tool_calls(text)
    assert result.content == ""
    assert calls(result) == [("functions.get_weather:0", "get_weather", '{"city": "Beijing"}')]
    assert result.problems == []


def test_whitespace_inside_arguments_is_kept() -> None:
    arguments = '{\n  "city": "Beijing",\n  "unit": "celsius"\n}'
    result = parse_k2_tool_calls(f"{SB}{CB}functions.get_weather:0{AB}\n{arguments}\n\n{CE}{SE}")
    assert calls(result)[0][2] == arguments


@pytest.mark.parametrize(
    ("text", "content"),
    [
        (f"Checking.{ONE_CALL}", "Checking."),
        (f"Checking.\n\n{ONE_CALL}\n", "Checking."),
        (f"{ONE_CALL}\nDone.", "Done."),
        (f"Checking. {ONE_CALL}\nDone.\n", "Checking. Done.\n"),
        (f"Checking.{ONE_CALL}\nDone.", "Checking.\nDone."),
        (f"Checking.{ONE_CALL}Done.", "Checking.Done."),
        (f"A\n{ONE_CALL}\n{ONE_CALL} B", "A\nB"),
        (f"  indented\n{ONE_CALL}", "  indented"),
    ],
)
def test_text_around_the_section_stays_in_content(text: str, content: str) -> None:
    result = parse_k2_tool_calls(text)
    assert result.content == content
    assert result.problems == []


@pytest.mark.parametrize(
    "text",
    ["", "Hello!\n", "  a < b and a <| b |> c  \n", "<|im_end|> is another special token", "<|tool_ca"],
)
def test_text_without_markup_is_unchanged(text: str) -> None:
    assert parse_k2_tool_calls(text) == K2ParseResult(text, [], [])


def test_markup_like_text_inside_json_arguments_is_kept() -> None:
    arguments = '{"html": "<div>content</div>", "note": "a <|b|> c"}'
    result = parse_k2_tool_calls(f"{SB}{CB}functions.render:0{AB}{arguments}{CE}{SE}")
    assert calls(result) == [("functions.render:0", "render", arguments)]
    assert result.problems == []


@pytest.mark.parametrize(
    ("begin", "argument", "end"),
    [
        (TOOL_CALL_SECTION_BEGIN_SINGULAR, AB, TOOL_CALL_SECTION_END_SINGULAR),
        (SB, TOOL_ARGUMENTS_BEGIN_REPORT, SE),
    ],
    ids=["singular-section", "report-argument-token"],
)
def test_alternative_spellings(begin: str, argument: str, end: str) -> None:
    result = parse_k2_tool_calls(f"Ok.{begin}{CB}functions.ping:0{argument}{{}}{CE}{end}")
    assert result.content == "Ok."
    assert calls(result) == [("functions.ping:0", "ping", "{}")]
    assert result.problems == []


def test_namespaced_function_name_keeps_its_dots() -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.mcp.search:12{AB}{{}}{CE}{SE}")
    assert calls(result) == [("functions.mcp.search:12", "mcp.search", "{}")]


@pytest.mark.parametrize(
    ("call_id", "name"),
    [
        ("get_weather:0", "get_weather"),
        ("functions.get_weather", "get_weather"),
        ("functionsexec5", "exec"),  # both separators dropped (sglang PR #21377)
        ("call_abc123", "call_abc123"),  # copied from an OpenAI-style history
        ("", ""),
    ],
)
def test_nonstandard_id_is_kept_verbatim_and_flagged(call_id: str, name: str) -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}{call_id}{AB}{{}}{CE}{SE}")
    assert calls(result) == [(call_id, name, "{}")]
    assert kinds(result.problems) == ["nonstandard_id"]
    assert result.problems[0].call_index == 0


# -- malformed markup --------------------------------------------------------------


def test_unclosed_section_keeps_complete_calls() -> None:
    result = parse_k2_tool_calls(f'Sure.{SB}{CB}functions.get_weather:0{AB}{{"city": "Beijing"}}{CE}')
    assert result.content == "Sure."
    assert calls(result) == [("functions.get_weather:0", "get_weather", '{"city": "Beijing"}')]
    assert kinds(result.problems) == ["unclosed_section"]


def test_truncated_call_is_kept_raw_and_flagged() -> None:
    result = parse_k2_tool_calls(f'{SB}{CB}functions.get_weather:0{AB}{{"city": "Bei')
    assert calls(result) == [("functions.get_weather:0", "get_weather", '{"city": "Bei')]
    assert kinds(result.problems) == ["unclosed_call", "invalid_arguments", "unclosed_section"]
    assert [p.call_index for p in result.problems] == [0, 0, None]


def test_call_without_end_token_before_the_next_call() -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.a:0{AB}{{}}{CB}functions.b:1{AB}{{}}{CE}{SE}")
    assert calls(result) == [("functions.a:0", "a", "{}"), ("functions.b:1", "b", "{}")]
    assert kinds(result.problems) == ["unclosed_call"]


def test_call_without_end_token_before_the_section_end() -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.a:0{AB}{{}}{SE} after")
    assert result.content == "after"
    assert calls(result) == [("functions.a:0", "a", "{}")]
    assert kinds(result.problems) == ["unclosed_call"]


def test_missing_argument_token_splits_at_the_first_brace() -> None:
    result = parse_k2_tool_calls(f'{SB}{CB}functions.get_weather:0 {{"city": "Beijing"}}{CE}{SE}')
    assert calls(result) == [("functions.get_weather:0", "get_weather", '{"city": "Beijing"}')]
    assert kinds(result.problems) == ["missing_argument_begin"]


def test_missing_argument_token_without_a_brace() -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.ping:0{CE}{SE}")
    assert calls(result) == [("functions.ping:0", "ping", "")]
    assert kinds(result.problems) == ["missing_argument_begin", "invalid_arguments"]


def test_stream_ending_inside_the_id() -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.get_wea")
    assert calls(result) == [("functions.get_wea", "get_wea", "")]
    assert kinds(result.problems) == [
        "missing_argument_begin",
        "unclosed_call",
        "nonstandard_id",
        "invalid_arguments",
        "unclosed_section",
    ]


@pytest.mark.parametrize("arguments", ['{"city": Beijing}', '"{\\"city\\": \\"Beijing\\"}"', "[1, 2]", ""])
def test_arguments_that_are_not_a_json_object_are_kept_raw(arguments: str) -> None:
    result = parse_k2_tool_calls(f"{SB}{CB}functions.get_weather:0{AB}{arguments}{CE}{SE}")
    assert calls(result) == [("functions.get_weather:0", "get_weather", arguments)]
    assert kinds(result.problems) == ["invalid_arguments"]


def test_text_between_calls_is_flagged() -> None:
    result = parse_k2_tool_calls(f"{SB} oops {CB}functions.a:0{AB}{{}}{CE}{SE}")
    assert calls(result) == [("functions.a:0", "a", "{}")]
    assert kinds(result.problems) == ["stray_text"]
    assert "oops" in result.problems[0].message


def test_call_outside_a_section() -> None:
    result = parse_k2_tool_calls(f"Sure. {CB}functions.a:0{AB}{{}}{CE}")
    assert result.content == "Sure."
    assert calls(result) == [("functions.a:0", "a", "{}")]
    assert kinds(result.problems) == ["missing_section_begin"]


@pytest.mark.parametrize("token", [SE, CE, AB, TOOL_CALL_SECTION_END_SINGULAR])
def test_lone_closing_tokens_are_removed_from_content(token: str) -> None:
    result = parse_k2_tool_calls(f"Done.{token}")
    assert result.content == "Done."
    assert kinds(result.problems) == ["unexpected_token"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"{SB}{CB}functions.a:0{AB}{{}}{CE}", "unclosed_section"),
        (f"{SB}{CB}functions.a:0{AB}{{}}", "unclosed_call"),
        (f"{SB}{CB}functions.a:0{{}}{CE}{SE}", "missing_argument_begin"),
        (f"{SB}{CB}functions.a:0{AB}{{oops}}{CE}{SE}", "invalid_arguments"),
        (f"{SB}{CB}a{AB}{{}}{CE}{SE}", "nonstandard_id"),
    ],
)
def test_strict_mode_raises_at_the_first_problem(text: str, kind: str) -> None:
    with pytest.raises(K2MarkupError) as info:
        parse_k2_tool_calls(text, strict=True)
    assert info.value.problem.kind == kind
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, KimiError)
    assert str(info.value) == info.value.problem.message


def test_strict_mode_accepts_well_formed_markup() -> None:
    assert calls(parse_k2_tool_calls(TWO_CALLS, strict=True)) == calls(parse_k2_tool_calls(TWO_CALLS))


def test_strict_stream_raises_when_the_problem_appears() -> None:
    parser = K2ToolCallStreamParser(strict=True)
    parser.feed(f"{SB}{CB}functions.a:0{AB}{{}}{CE}")
    with pytest.raises(K2MarkupError, match="section"):
        parser.finish()


# -- streaming -----------------------------------------------------------------------


def test_plain_content_is_released_at_once() -> None:
    parser = K2ToolCallStreamParser()
    assert parser.feed("Hello").content == "Hello"
    assert parser.feed(", wor").content == ", wor"
    assert parser.feed("ld").content == "ld"


def test_possible_token_prefix_and_trailing_space_are_held() -> None:
    parser = K2ToolCallStreamParser()
    assert parser.feed("Checking. <|tool_ca").content == "Checking."
    # Not a token after all: the held text is released with what follows.
    assert parser.feed("t|> done").content == " <|tool_cat|> done"
    assert parser.feed("\n").content == ""
    assert parser.finish().content == "\n"


def test_held_prefix_is_flushed_by_finish() -> None:
    parser = K2ToolCallStreamParser()
    assert parser.feed("a <|tool_call").content == "a"
    assert parser.finish().content == " <|tool_call"


def test_stream_events_have_openai_delta_shape() -> None:
    parser = K2ToolCallStreamParser()
    events = [
        parser.feed(chunk) for chunk in (f"{SB}{CB}functions.get_weather:0{AB}", '{"city": ', '"Beijing"}')
    ]
    events.append(parser.feed(f"{CE}{CB}functions.get_time:1{AB}{{}}{CE}{SE}"))
    head = events[0].tool_calls
    assert [(d.index, d.id, d.type) for d in head] == [(0, "functions.get_weather:0", "function")]
    assert head[0].function is not None
    assert (head[0].function.name, head[0].function.arguments) == ("get_weather", "")
    fragments = [d.function.arguments for e in events[1:3] for d in e.tool_calls if d.function is not None]
    assert fragments == ['{"city":', ' "Beijing"}']
    last = events[3].tool_calls
    # Within one feed() the first fragment and the arguments that follow share a delta.
    assert [(d.index, d.id) for d in last] == [(1, "functions.get_time:1")]
    assert last[0].function is not None
    assert last[0].function.arguments == "{}"
    assert parser.finish().problems == []


def test_feed_after_finish_and_early_result_are_errors() -> None:
    parser = K2ToolCallStreamParser()
    with pytest.raises(RuntimeError, match="before finish"):
        parser.result()
    parser.finish()
    with pytest.raises(RuntimeError, match="after finish"):
        parser.feed("x")
    with pytest.raises(RuntimeError, match="twice"):
        parser.finish()


REAL_STREAMS = [
    TWO_CALLS + "\nI will report back.",
    f'Ok.{CB}functions.a:0 {{"x": "<|y|>"}}{CE} tail',
    f'{SB}{CB}functions.get_weather:0{AB}{{"city": "Bei',
    f"x{TOOL_CALL_SECTION_BEGIN_SINGULAR} junk {CB}call_1{TOOL_ARGUMENTS_BEGIN_REPORT}{{}}{SE}{CE} y ",
]


@pytest.mark.parametrize("text", REAL_STREAMS)
def test_every_split_point_matches_the_one_shot_parse(text: str) -> None:
    for cut in range(len(text) + 1):
        assert_stream_matches([text[:cut], text[cut:]])


@pytest.mark.parametrize("text", REAL_STREAMS)
def test_one_character_at_a_time_matches_the_one_shot_parse(text: str) -> None:
    assert_stream_matches(list(text))


# -- property: any chunking of random markup parses like the whole ---------------------

_space = st.sampled_from(["", " ", "\n", "  \n", "\t"])
_words = st.text(alphabet="ab <|>{}\n", max_size=12)
_names = st.from_regex(r"[a-z_][a-z0-9_.]{0,10}", fullmatch=True)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def _call_markup(draw: st.DrawFn, index: int) -> str:
    call_id = draw(st.sampled_from([f"functions.{{}}:{index}", "{}:" + str(index), "functions{}"]))
    arguments = json.dumps(draw(st.dictionaries(st.text(max_size=6), _json_values, max_size=3)))
    if draw(st.booleans()):
        arguments = arguments[: draw(st.integers(0, len(arguments)))]  # truncated or invalid
    argument_token = draw(st.sampled_from([AB, AB, TOOL_ARGUMENTS_BEGIN_REPORT, " "]))
    end = draw(st.sampled_from([CE, CE, CE, ""]))
    parts = [CB, call_id.format(draw(_names)), argument_token, arguments, end]
    return "".join(part + draw(_space) for part in parts)


@st.composite
def _message(draw: st.DrawFn) -> str:
    text = draw(_words)
    for _ in range(draw(st.integers(0, 2))):
        calls_markup = [draw(_call_markup(i)) for i in range(draw(st.integers(0, 3)))]
        begin = draw(st.sampled_from([SB, SB, TOOL_CALL_SECTION_BEGIN_SINGULAR, ""]))
        end = draw(st.sampled_from([SE, SE, TOOL_CALL_SECTION_END_SINGULAR, ""]))
        text += draw(_space) + begin + draw(_space) + "".join(calls_markup) + end + draw(_words)
    return text


@st.composite
def _chunked(draw: st.DrawFn) -> list[str]:
    text = draw(_message())
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(_chunked())
def test_any_chunking_matches_the_one_shot_parse(chunks: list[str]) -> None:
    assert_stream_matches(chunks)
