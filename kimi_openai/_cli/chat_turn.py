"""One chat request as the command line shows it: reasoning on stderr, the answer on stdout.

Thinking models send their reasoning before the answer
(https://platform.kimi.ai/docs/guide/use-thinking-models). It goes to stderr, labelled and
dimmed on a terminal, so that stdout holds the answer alone (``> answer.txt`` keeps only
it). With ``json`` nothing is shown while the answer arrives; the caller prints the final
completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kimi_openai import KimiOpenAI
from kimi_openai.types.chat import reasoning_content_of

from .console import Console

__all__ = ["ChatOptions", "ask"]

REASONING_LABEL = "reasoning: "
DONE = frozenset({"stop", None})
"""Finish reasons that need no remark; any other (``length``, ``content_filter``) is noted."""


@dataclass(frozen=True)
class ChatOptions:
    model: str
    system: str | None = None
    json: bool = False
    stream: bool = True
    show_reasoning: bool = True


class _ReasoningView:
    """Writes reasoning to stderr as it arrives: the label once, then the text, then a line break."""

    def __init__(self, console: Console, *, shown: bool) -> None:
        self._console = console
        self._shown = shown
        self._open = False

    def write(self, text: str | None) -> None:
        if not self._shown or not text:
            return
        err = self._console.err
        if not self._open:
            err.write(self._console.dim(REASONING_LABEL))
            self._open = True
        err.write(self._console.dim(text))
        err.flush()

    def close(self) -> None:
        if self._open:
            self._console.err.write("\n")
            self._console.err.flush()
            self._open = False


def ask(
    client: KimiOpenAI, messages: Sequence[ChatCompletionMessageParam], options: ChatOptions, console: Console
) -> ChatCompletion:
    """Send ``messages``, show the reply (unless ``options.json``), and return the completion."""
    if options.stream:
        completion = _streamed(client, messages, options, console)
    else:
        completion = client.chat.completions.create(model=options.model, messages=messages)
        if not options.json:
            view = _ReasoningView(console, shown=options.show_reasoning)
            view.write(reasoning_content_of(completion.choices[0].message))
            view.close()
            console.out.write(completion.choices[0].message.content or "")
    if not options.json:
        _end_answer(completion, console)
    return completion


def _streamed(
    client: KimiOpenAI, messages: Sequence[ChatCompletionMessageParam], options: ChatOptions, console: Console
) -> ChatCompletion:
    view = _ReasoningView(console, shown=options.show_reasoning and not options.json)
    with client.chat.completions.stream(model=options.model, messages=messages) as stream:
        for event in stream:
            if options.json:
                continue
            if event.type == "reasoning.delta":
                view.write(event.delta)
            elif event.type == "content.delta":
                view.close()
                console.out.write(event.delta)
                console.out.flush()
        completion = _final(stream)
    view.close()
    return completion


class _Finishing(Protocol):
    def get_final_completion(self) -> ChatCompletion: ...


def _final(stream: _Finishing) -> ChatCompletion:
    try:
        return stream.get_final_completion()
    except openai.LengthFinishReasonError as cut:
        # openai's stream helper refuses an answer cut by the output limit (it could not be
        # parsed); a chat shows what arrived and says why it stopped (see _end_answer).
        return cut.completion


def _end_answer(completion: ChatCompletion, console: Console) -> None:
    console.out.write("\n")
    console.out.flush()
    reason = completion.choices[0].finish_reason if completion.choices else None
    if reason not in DONE:
        console.note(f"(the answer stopped early: finish_reason={reason!r})")
