"""Cancelling openai-agents runs: stop a run from outside, and stop a stream early."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client
from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from openai.types.responses import ResponseTextDeltaEvent

set_tracing_disabled(True)  # no trace upload to OpenAI
writing = asyncio.Event()


@function_tool
async def write_report(topic: str) -> str:
    """Write a long report on a topic (slow)."""
    print(f"writing a report on {topic}...")
    writing.set()
    await asyncio.sleep(60)
    return f"A report on {topic}."


async def main() -> None:
    kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()
    model = OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=kimi)
    agent = Agent(
        name="Writer", instructions="Use write_report for reports.", tools=[write_report], model=model
    )

    # 1. A Stop button: cancel the run's task; the tool awaiting inside it is cancelled too.
    #    (`async with asyncio.timeout(30):` around the await sets a deadline the same way.)
    run = asyncio.create_task(Runner.run(agent, "Write a report on tea."))
    await asyncio.wait([run, asyncio.create_task(writing.wait())], return_when=asyncio.FIRST_COMPLETED)
    run.cancel()  # the user pressed Stop
    try:
        print("finished first:", (await run).final_output)
    except asyncio.CancelledError:
        print("stopped: the run was cancelled")

    # 2. A streamed run stopped as soon as we have what we need.
    result = Runner.run_streamed(agent, "Tell me about the history of tea, at length.")
    text = ""
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            text += event.data.delta
            if len(text) >= 20:
                result.cancel()  # stops the run; the stream ends after this event
    print(f"stopped early after {len(text)} characters: {text!r}")


asyncio.run(main())
