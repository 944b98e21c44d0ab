"""Async: AsyncKimiOpenAI, several questions at once with asyncio.gather."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client

QUESTIONS = ["What is 2 + 2?", "Name a primary colour.", "Spell 'kimi' backwards."]


async def main() -> None:
    client = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()

    async def ask(question: str) -> str:
        completion = await client.chat.completions.create(
            model="kimi-k2.6",
            messages=[{"role": "user", "content": question}],
            thinking={"type": "disabled"},  # quick answers: no reasoning
        )
        return completion.choices[0].message.content or ""

    answers = await asyncio.gather(*(ask(q) for q in QUESTIONS))
    for question, answer in zip(QUESTIONS, answers, strict=True):
        print(f"{question} -> {answer}")
    await client.close()


asyncio.run(main())
