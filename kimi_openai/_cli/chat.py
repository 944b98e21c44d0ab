"""``kimi-openai chat``: one question (argument or stdin), or an interactive chat on a terminal.

Interactive mode keeps the conversation: each turn sends the history, the assistant's
earlier answers echoed with their ``reasoning_content`` (``echo_message``), as Moonshot
expects of thinking models in multi-turn use
(https://platform.kimi.ai/docs/guide/use-thinking-models).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kimi_openai import KimiOpenAI, echo_message

from .chat_turn import ChatOptions, ask
from .connect import connect
from .console import Console
from .errors import ExitCode, UsageError

__all__ = ["DEFAULT_MODEL", "configure"]

DEFAULT_MODEL = "kimi-k2.6"
PROMPT = "> "
EXIT_COMMANDS = frozenset({"/exit", "/quit"})
RESET_COMMAND = "/reset"
DESCRIPTION = """\
Ask one question (`chat "question"`, or the question on stdin) and print the answer as it
streams, or, with no question on a terminal, chat interactively (the history is kept;
/reset clears it, /exit or Ctrl-D quits). Reasoning goes to stderr, the answer to stdout."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument(
        "message", nargs="*", help="the question (words are joined with spaces); `-` or none: read stdin"
    )
    parser.add_argument("-m", "--model", default=DEFAULT_MODEL, help=f"model id (default {DEFAULT_MODEL})")
    parser.add_argument("-s", "--system", help="a system message sent first")
    parser.add_argument(
        "--json", action="store_true", help="print each final completion as one line of JSON, nothing else"
    )
    parser.add_argument(
        "--no-stream", dest="stream", action="store_false", help="wait for the whole answer (one request)"
    )
    parser.add_argument(
        "--hide-reasoning", dest="show_reasoning", action="store_false", help="do not print the reasoning"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    options = ChatOptions(
        model=args.model,
        system=args.system,
        json=args.json,
        stream=args.stream,
        show_reasoning=args.show_reasoning,
    )
    words: list[str] = args.message
    question = " ".join(words)
    interactive = not words and sys.stdin.isatty()
    if question in ("", "-") and not interactive:
        question = sys.stdin.read().strip()
        if not question:
            raise UsageError("no message: pass one as an argument or on stdin (or run `chat` on a terminal)")
    with connect(console).client as client:
        if interactive:
            return _interactive(client, options, console)
        _emit(ask(client, [*_system(options), _user(question)], options, console), options, console)
    return ExitCode.OK


def _system(options: ChatOptions) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": options.system}] if options.system else []


def _user(text: str) -> ChatCompletionMessageParam:
    return {"role": "user", "content": text}


def _emit(completion: ChatCompletion, options: ChatOptions, console: Console) -> None:
    if options.json:
        console.print(completion.to_json(indent=None))


def _interactive(client: KimiOpenAI, options: ChatOptions, console: Console) -> int:
    _enable_line_editing()
    console.note(f"Chatting with {options.model}. {RESET_COMMAND} clears the history; /exit or Ctrl-D quits.")
    history = _system(options)
    while True:
        try:
            line = _read_line(options, console).strip()
        except EOFError:
            console.note("")
            return ExitCode.OK
        if line in EXIT_COMMANDS:
            return ExitCode.OK
        if line == RESET_COMMAND:
            history = _system(options)
            console.note("(history cleared)")
        elif line:
            history = _turn(client, [*history, _user(line)], options, console) or history


def _read_line(options: ChatOptions, console: Console) -> str:
    """The next line typed; with ``--json`` the prompt goes to stderr, so stdout holds only JSON."""
    if not options.json:
        return input(PROMPT)  # input() draws the prompt itself, so line editing redraws it right
    console.err.write(PROMPT)
    console.err.flush()
    return input()


def _turn(
    client: KimiOpenAI, messages: Sequence[ChatCompletionMessageParam], options: ChatOptions, console: Console
) -> list[ChatCompletionMessageParam] | None:
    """The history after one exchange; ``None`` (the turn dropped) when it failed or was interrupted."""
    try:
        completion = ask(client, messages, options, console)
    except openai.OpenAIError as exc:  # one failed turn does not end the conversation
        console.error(f"{type(exc).__name__}: {exc}")
        return None
    except KeyboardInterrupt:
        console.note("\n(interrupted)")
        return None
    _emit(completion, options, console)
    return [*messages, echo_message(completion.choices[0].message)]


def _enable_line_editing() -> None:
    # Importing readline gives input() line editing and history, where it exists (not on Windows).
    with contextlib.suppress(ImportError):
        importlib.import_module("readline")
