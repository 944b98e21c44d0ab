"""``python -m kimi_openai demo``: a tour of the Kimi API through ``KimiOpenAI``.

With ``MOONSHOT_API_KEY`` (or ``KIMI_API_KEY``) set it talks to the live API;
without one it runs against the in-process emulator and says so on stderr, so
that it works on a fresh machine with no network.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, cast

from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

from ._cli.connect import connect, public_url
from ._cli.console import Console
from ._client import KimiOpenAI

MODEL = "kimi-k2.6"
WEB_SEARCH_TOOL: dict[str, Any] = {"type": "builtin_function", "function": {"name": "$web_search"}}


def _chat(client: KimiOpenAI, out: TextIO) -> None:
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "What is 1+1? Answer in one line."}]
    )
    message = reply.choices[0].message
    out.write(f"reasoning: {getattr(message, 'reasoning_content', None)}\n")
    out.write(f"answer:    {message.content}\n")


def _stream(client: KimiOpenAI, out: TextIO) -> None:
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Name a prime number."}], stream=True
    )
    reasoning: list[str] = []
    content: list[str] = []
    for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            reasoning.append(getattr(delta, "reasoning_content", None) or "")
            content.append(delta.content or "")
    out.write(f"streamed reasoning: {''.join(reasoning)}\nstreamed answer:    {''.join(content)}\n")


def _partial(client: KimiOpenAI, out: TextIO) -> None:
    prefix = "Dear Li Lei,"
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Write a one-line greeting to Li Lei."},
        cast("ChatCompletionMessageParam", {"role": "assistant", "content": prefix, "partial": True}),
    ]
    reply = client.chat.completions.create(model=MODEL, messages=messages)
    # Partial mode returns only the continuation: https://platform.kimi.ai/docs/api/partial
    out.write(f"prefix + continuation: {prefix}{reply.choices[0].message.content}\n")


def _web_search(client: KimiOpenAI, out: TextIO) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What is Moonshot AI?"}]
    tools = [cast("ChatCompletionToolUnionParam", WEB_SEARCH_TOOL)]
    searches = 0
    while True:
        reply = client.chat.completions.create(
            model=MODEL, messages=messages, tools=tools, extra_body={"thinking": {"type": "disabled"}}
        )
        choice = reply.choices[0]
        if choice.finish_reason != "tool_calls" or not choice.message.tool_calls:
            break
        messages.append(
            cast("ChatCompletionMessageParam", choice.message.model_dump(exclude_none=True, warnings=False))
        )
        for call in choice.message.tool_calls:
            arguments = call.function.arguments if call.type != "custom" else ""
            searches += 1
            # $web_search: echo the arguments back verbatim: https://platform.kimi.ai/docs/guide/use-web-search
            echo = {"role": "tool", "tool_call_id": call.id, "name": "$web_search", "content": arguments}
            messages.append(cast("ChatCompletionMessageParam", echo))
    out.write(f"searches: {searches}, answer: {choice.message.content}\n")


def _files(client: KimiOpenAI, out: TextIO) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notes.txt"
        path.write_text("Kimi is a family of models by Moonshot AI.\n")
        extracted = client.files.extract(path)
    out.write(f"extracted {extracted.filename}: {extracted.content[:80]!r}\n")
    client.files.delete(extracted.file_id)


def _estimate_and_balance(client: KimiOpenAI, out: TextIO) -> None:
    estimate = client.tokenizers.estimate_token_count(
        model=MODEL, messages=[{"role": "user", "content": "How many tokens is this?"}]
    )
    balance = client.users.balance()
    out.write(f"estimate: {estimate.total_tokens} tokens\n")
    out.write(f"balance:  {balance.available_balance} {balance.currency or ''}\n")


STEPS: list[tuple[str, Callable[[KimiOpenAI, TextIO], None]]] = [
    ("chat", _chat),
    ("streaming with reasoning", _stream),
    ("partial mode", _partial),
    ("$web_search", _web_search),
    ("file extraction", _files),
    ("token estimate and balance", _estimate_and_balance),
]


def run_demo(console: Console) -> int:
    """Run every step; the tour on ``console.out``, where it runs (live or offline) on ``console.err``."""
    connection = connect(console)
    with connection.client as client:
        if not connection.offline:
            console.note(f"Live: talking to {public_url(client, '')}")
        for title, step in STEPS:
            console.out.write(f"\n== {title}\n")
            step(client, console.out)
    return 0
