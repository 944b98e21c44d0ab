"""Every script in examples/ runs offline, with no key, and prints what it promises.

The examples run the way a user runs them (``python examples/chat.py``): as ``__main__``, with
``examples/`` first on ``sys.path``, no Moonshot key in the environment, and the network blocked
as the suite blocks it. Each runs in a process of its own. To keep the whole set fast, one runner
process imports openai, the package and the frameworks once, then forks a child per example;
without ``os.fork`` it starts a fresh interpreter per example instead.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import json
import os
import re
import runpy
import signal
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import TypedDict

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(path for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))
NAMES = [path.stem for path in SCRIPTS]

KEY_VARIABLES = ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL", "OPENAI_API_KEY", "K2_ENGINE_URL")
LOOPBACK = ["127.0.0.1", "localhost", "::1"]
TIMEOUT_SECONDS = 60
PRELOAD = (
    "openai",
    "openai.resources",  # what `client.chat` imports on first use: every resource, about 1 s
    "kimi_openai",
    "kimi_openai.resources.chat",
    "kimi_openai.lib",
    "kimi_openai.testing",
    "langchain_openai",
    "agents",
    "pydantic_ai",
    "pydantic_ai.models.openai",
    "instructor",
)
"""Imported once by the runner, before it forks; a module that is not installed is skipped."""

REQUIRES = {
    "framework_langchain": "langchain_openai",
    "framework_openai_agents": "agents",
    "framework_pydantic_ai": "pydantic_ai",
    "framework_instructor": "instructor",
    "agents_tools": "agents",
    "agents_handoffs": "agents",
    "agents_parallel": "agents",
    "agents_cancellation": "agents",
}
"""The framework an example needs; it is skipped where that framework is not installed."""

NO_KEY = "No MOONSHOT_API_KEY set: running against the in-process emulator"
NO_ENGINE = "No engine URL given: the in-process emulator plays a K2 engine without its tool parser."
STORY = "Once upon a time a small kettle learned to sing in the rain, and the whole street listened."

EXPECTED: dict[str, tuple[str, ...]] = {
    "chat": ("answer: You said: What is the capital of France?", "out (reasoning included)"),
    "chat_streaming": (
        "You said: Name three prime numbers.\nreasoning received: The user wrote: Name three prime numbers.",
        "--- reasoning done ---\nYou said: Name three prime numbers.",
        "finish reason: stop",
    ),
    "chat_async": (
        "What is 2 + 2? -> You said: What is 2 + 2?",
        "Name a primary colour. -> You said: Name a primary colour.",
        "Spell 'kimi' backwards. -> You said: Spell 'kimi' backwards.",
    ),
    "thinking": (
        "k2.6 reasoning: The user wrote: Is 391 a prime number?",
        "without thinking, reasoning is None",
        "k3 (low effort) reasoning: The user wrote: Is 391 a prime number?",
    ),
    "tool_calling": (
        "the model calls get_weather({'city': 'Paris'})",
        'answer: The tool call returned: {"city": "Paris", "sky": "sunny", "temp_c": 21}',
    ),
    "tool_loop": (
        'step 1: get_weather({"city": "Paris"}) -> {"city":"Paris","temperature":21,"unit":"c"}',
        'step 1: get_weather({"city": "Beijing"}) -> {"city":"Beijing","temperature":26,"unit":"c"}',
        "answer: The tool get_weather returned:",
        "2 requests, ",
    ),
    "parallel_tools_async": (
        'get_weather({"city": "Paris"}) -> {"city":"Paris","sky":"sunny"}\n'
        'get_weather({"city": "Beijing"}) -> {"city":"Beijing","sky":"sunny"}\n'
        'get_weather({"city": "Lima"}) -> {"city":"Lima","sky":"sunny"}',
        "3 calls, at most 3 at once",  # one after another, at most 1
    ),
    "vision_data_url": (
        "sending data:image/png;base64,iVBORw0KGgo",
        "answer: You said: What colour is this square? One word.",
    ),
    "vision_upload": (
        "uploaded: {'type': 'image_url', 'image_url': {'url': 'ms://file-",
        "Is it a photograph or a drawing? -> You said: Is it a photograph or a drawing?",
        "deleted file-",
    ),
    "structured_output": (
        "json: {'name': 'Paris', 'country': 'France'}",
        "parsed: City(name='Paris', country='France')",
        "reasoning: The capital of France is Paris.",
    ),
    "partial_mode": (
        "joined:       'def reverse(text: str) -> str:\\n (continued) You said: Write a Python function",
        "Kelsier: *smirks*  (continued) You said: What do you think of the Lord Ruler?",
    ),
    "continue_after_length": (
        "first part: 'Steam curls from the cup,' length",
        "whole answer: Steam curls from the cup, leaves unfold in quiet heat, spring returns in green.",
    ),
    "web_search": (
        "answer: Here is what the web says about: What did Moonshot AI release most recently?",
        "searches: 1, search result tokens: 13046",
        "transcript roles: ['user', 'assistant', 'tool']",
    ),
    "formulas": (
        "moonshot/date declares: date",
        "base64 of 'kimi': a2ltaQ==",
        'date({"format": "%Y-%m-%d"}) -> ',
        "answer: The tool date returned: ",
    ),
    "files_extract": (
        "extracted q3-report.md (text/markdown): '# Q3 report\\n\\nRevenue grew 12%",
        "answer: You said: By how much did revenue grow?",
        "files on the account: ['q3-report.md']",
        "deleted file-",
    ),
    "tokens_and_balance": ("input tokens: ", "available: 49.59 USD", "(cash 3.00, vouchers 46.59)"),
    "batch_run": (
        "batch completed: 3/3 done",
        "q0 -> You said: What is 1 + 1?",
        "q2 -> You said: Spell 'kimi' backwards.",
        "all succeeded: True",
    ),
    "errors_and_retries": (
        "refused before sending: temperature=0.3 is not allowed for model 'kimi-k2.6'",
        "answer after 2 retries: Hello!",
        "ExceededCurrentQuotaError: HTTP 429 exceeded_current_quota_error",
        "request id for support: req-",
    ),
    "prompt_caching": ("cache hit ratio: ", "cost: 0.0"),
    "prompt_cache_key": ("How do I stream?         prompt ", " from the cache"),
    "model_constants": (
        "KimiModel.KIMI_K2_6",
        "= 'kimi-k2.6'",
        "sent as: kimi-k2.6",
        "typo: KimiModel has no model 'KIMI_K2_66'. Did you mean KIMI_K2_6",
    ),
    "parse_errors": (
        "length: .parse() made no value: the answer was cut off by the output limit",
        "characters of reasoning (thinking was on)",
        "thinking off for this call (thinking={'type': 'disabled'})",
        "with thinking off: name='Paris' country='France'",
        "empty: .parse() made no value: the answer has no content to parse",
    ),
    "moonpalace": (
        "base URL: http://127.0.0.1:9988/v1/\nregion: global",
        "answer: You said: Hello through MoonPalace.",
        "region of the undeclared proxy: None",
    ),
    "conversation_fork": (
        "history: ['user', 'assistant', 'user', 'assistant']",
        "fork: 6 messages, original: 4",
        "before restore: 6 messages",
        "after restore:  4 messages",
        "in the history: You said: Summarise the plan in one line.",
        "usage: 4 requests, ",
    ),
    "stream_resume": (f"story: {STORY}\n",),
    "rate_limiter": tuple(
        f"{topic}: You said: One sentence about {topic}. (requests left: 19"
        for topic in ("tea", "rain", "kettles", "Lisbon", "primes", "K2")
    ),
    "self_hosted_k2": (
        "text: 'Let me check.' finish: tool_calls",
        'call functions.get_weather:0: get_weather({"city": "Beijing"})',
        "answer: Sunny, 25 °C in Beijing.",
        "streamed call arguments: {'city': 'Beijing'}",
    ),
    "kimi_params_openai": (
        "answer: You said: Write a haiku about tea.",
        "reasoning (thinking off): None",
        "continuation of 'Steam':  (continued) You said: Write a haiku about tea.",
        "refused: thinking={'type': 'disabled'} is not allowed for model 'kimi-k2.7-code'",
    ),
    "raw_responses": (
        "HTTP 200 request id: req-",
        "rate limit: 199.0 of 200.0 left, resets in 60.0 s",
        "answer: You said: Hello",
        "reasoning: The user wrote: Hello.",
        "balance endpoint: /v1/users/me/balance -> USD",
    ),
    "framework_langchain": (
        "structured: name='Paris' country='France'",
        "You said: Say hello in French.\nusage: ",
    ),
    "framework_openai_agents": (
        "poet: You said: Write a line about the sea.",
        "critic: You said: Judge this line: You said: Write a line about the sea.",
        "critic usage: 1 request, ",
    ),
    "framework_pydantic_ai": (
        "answer: Sunny in Paris.",
        "usage: 2 requests, ",
        "structured: name='Paris' country='France'",
    ),
    "framework_instructor": (
        "tools mode: name='Paris' country='France'",
        "json mode:  name='Paris' country='France'",
    ),
    "agents_tools": (
        "item: tool_call_item\nitem: tool_call_output_item",
        'answer: The tool call returned: {"city": "Paris", "sky": "sunny", "temp_c": 21}',
        "usage: 2 requests, ",
    ),
    "agents_handoffs": (
        "answered by: Weather",
        'answer: The tool call returned: {"city": "Paris", "sky": "sunny", "temp_c": 21}',
    ),
    "agents_parallel": (
        "Paris: You said: What should I see in Paris?",
        "Nairobi: You said: What should I see in Nairobi?",
        "4 runs, ",
    ),
    "tool_loop_guards": (
        'stopped: search_inbox({"query": "ACME invoice"}) came 3 times in a row',
        "transcript roles: ['user', 'assistant', 'tool', 'assistant', 'tool']",
        "after 3 requests and ",
    ),
    "tool_loop_compaction": (
        "characters sent per request: [66, 3037, 3061, 3085]",
        "characters in the returned transcript: 8979 (nothing elided there)",
    ),
    "parallel_tools_serial": (
        "still a plain function: saved 2 x cups",
        "ran in this order: ['fetch tea', 'fetch kettle', 'save tea', 'save kettle']",
        'save_order({"item": "tea", "quantity": 2}) -> saved 2 x tea\n'
        'fetch_price({"item": "tea"}) -> 4.5\n'
        'save_order({"item": "kettle", "quantity": 1}) -> saved 1 x kettle\n'
        'fetch_price({"item": "kettle"}) -> 30.0',
    ),
    "conversation_tools": (
        "answer: Sunny, 21 °C in Paris.",
        'ran get_weather({"city": "Paris"}) -> {"city":"Paris","sky":"sunny","temp_c":21}',
        "history: ['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant']",
        "usage: 4 requests, ",
        "refused: Conversation() got an unexpected keyword argument 'sytem'",
    ),
    "cost_and_usage": (
        "this answer at list price: ",
        "at my prices: 0.037000\nat tiered prices: 0.074000",
        "client totals: 2 requests, ",
        "refused: prices={'input': 0.6} is not a price",
        "after reset: 0 requests",
    ),
    "agents_cancellation": (
        "writing a report on tea...\nstopped: the run was cancelled",
        "stopped early after 2",
    ),
}
"""Text each example prints offline, taken from the emulator's scripted and default answers."""


class Outcome(TypedDict):
    code: int
    stdout: str
    stderr: str
    seconds: float


# -- the runner: `python tests/test_examples.py RESULTS.json EXAMPLE...` ------------------------


def run_one(script: str, stdout: str, stderr: str, allowed_hosts: list[str]) -> int:
    """Run ``script`` as ``python script`` would, output to the two files; its exit code."""
    from pytest_recording.network import block  # the suite's own network guard

    out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1)
    os.dup2(err, 2)
    block(allowed_hosts=allowed_hosts)
    warnings.simplefilter("error")  # as the suite's filterwarnings = error
    sys.path[0] = str(Path(script).parent)  # where `python script` looks first
    sys.argv = [script]
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        if isinstance(stop.code, int):
            code = stop.code
        elif stop.code is not None:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def _run_forked(script: str, stdout: str, stderr: str, allowed_hosts: list[str]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: one example, then out without the parent's exit handlers
        signal.alarm(TIMEOUT_SECONDS)
        os._exit(run_one(script, stdout, stderr, allowed_hosts))
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _run_spawned(script: str, stdout: str, stderr: str, allowed_hosts: list[str]) -> int:
    command = [sys.executable, __file__, "--one", script, stdout, stderr, ",".join(allowed_hosts)]
    try:
        return subprocess.run(command, check=False, timeout=TIMEOUT_SECONDS).returncode
    except subprocess.TimeoutExpired:
        return -signal.SIGALRM


def run_all(results: Path, scripts: list[str], allowed_hosts: list[str]) -> None:
    for module in PRELOAD:
        with contextlib.suppress(ImportError):  # a framework not installed beside this openai line
            importlib.import_module(module)
    run = _run_forked if hasattr(os, "fork") else _run_spawned
    outcomes: dict[str, Outcome] = {}
    for script in scripts:
        stdout, stderr = f"{results}.{Path(script).stem}.out", f"{results}.{Path(script).stem}.err"
        started = time.perf_counter()
        code = run(script, stdout, stderr, allowed_hosts)
        outcomes[Path(script).stem] = Outcome(
            code=code,
            stdout=Path(stdout).read_text(encoding="utf-8"),
            stderr=Path(stderr).read_text(encoding="utf-8"),
            seconds=time.perf_counter() - started,
        )
    results.write_text(json.dumps(outcomes), encoding="utf-8")


# -- the tests ----------------------------------------------------------------------------------


def _installed(name: str) -> bool:
    module = REQUIRES.get(name)
    return module is None or importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every runnable example, run once: no key, a fresh working directory, the network blocked."""
    folder = tmp_path_factory.mktemp("examples")
    option = request.config.getoption("--allowed-hosts")
    allowed = option.split(",") if isinstance(option, str) else LOOPBACK
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    scripts = [str(path) for path in SCRIPTS if _installed(path.stem)]
    results = folder / "results.json"
    command = [sys.executable, __file__, str(results), ",".join(allowed), *scripts]
    subprocess.run(command, cwd=folder, env=env, check=True, timeout=TIMEOUT_SECONDS * len(scripts))
    found: dict[str, Outcome] = json.loads(results.read_text(encoding="utf-8"))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_offline_and_prints_what_it_promises(name: str, outcomes: dict[str, Outcome]) -> None:
    if not _installed(name):
        pytest.skip(f"{REQUIRES[name]} is not installed beside this openai line")
    outcome = outcomes[name]
    assert outcome["code"] == 0, outcome["stderr"]
    note = NO_ENGINE if name == "self_hosted_k2" else NO_KEY
    assert outcome["stderr"].startswith(note), outcome["stderr"]
    for text in EXPECTED[name]:
        assert text in outcome["stdout"], f"{text!r} not in:\n{outcome['stdout']}"


def test_prompt_caching_reports_cache_hits_after_the_first_turn(outcomes: dict[str, Outcome]) -> None:
    rows = re.findall(r"prompt +(\d+) tokens, (\d+) from the cache", outcomes["prompt_caching"]["stdout"])
    assert len(rows) == 3
    assert int(rows[0][1]) == 0  # the first request has nothing cached
    assert all(0 < int(cached) < int(prompt) for prompt, cached in rows[1:])


def test_every_example_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(NAMES)
    assert set(REQUIRES) <= set(NAMES)


@pytest.mark.parametrize("path", SCRIPTS, ids=NAMES)
def test_example_is_short_user_code(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 60, "an example stays under about 60 lines"
    assert importlib.util.find_spec(path.stem) is None, "the name would shadow an installed module"
    for node in ast.walk(ast.parse(source)):
        modules = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        for module in modules:
            parts = module.split(".")
            if parts[0] == "kimi_openai":
                assert not any(p.startswith("_") for p in parts), f"{module} is private"
                assert parts[:2] != ["kimi_openai", "testing"], "offline scripting lives in _client.py"


@pytest.mark.parametrize("readme", ["README.md", "examples/README.md"])
def test_the_readmes_list_every_example(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    listed = set(re.findall(r"\[`?(?:examples/)?([a-z0-9_]+)\.py`?\]", text))
    assert listed == set(NAMES)


if __name__ == "__main__":
    if sys.argv[1] == "--one":
        sys.exit(run_one(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")))
    run_all(Path(sys.argv[1]), sys.argv[3:], sys.argv[2].split(","))


def test_moonpalace_logs_once_that_an_undeclared_proxy_turns_the_rules_off(
    outcomes: dict[str, Outcome],
) -> None:
    stderr = outcomes["moonpalace"]["stderr"]
    assert (
        stderr.count("WARNING kimi_openai: Moonshot's request rules are off for 'http://127.0.0.1:9988/v1/'")
        == 1
    )
    assert "pass region='global' or region='cn' with base_url" in stderr
