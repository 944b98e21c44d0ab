"""pytest plugin: Kimi clients that replay VCR cassettes, an emulator, and safe recording defaults.

Opt-in, one line in your ``conftest.py``::

    pytest_plugins = ["kimi_openai.pytest_plugin"]

Then mark a test ``@pytest.mark.vcr`` and take the ``kimi_client`` (or
``async_kimi_client``) fixture. Cassettes live in ``cassettes/<test module>/``
(ini option ``kimi_cassette_dir``). The defaults are built for suites that run
offline and leak nothing:

* record mode ``none``: a missing cassette fails, nothing touches the network;
* secrets scrubbed on record: ``Authorization``, cookies and any key-shaped text
  in headers, URLs and bodies;
* every recorded interaction must be played, or the test fails (mark a test
  ``kimi_allow_unplayed`` to opt out);
* ``match_on=KIMI_BODY_MATCH`` (or adding ``"kimi_json_body"``) also compares
  request bodies as JSON, for tests about a request's shape.

Recording, one command each:

* against the local emulator (no key, no network):
  ``pytest --record-mode=rewrite tests/test_x.py``
* against the live API:
  ``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite tests/test_x.py``
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._client import AsyncKimiOpenAI, KimiOpenAI
from ._vcr import REPLAY_BASE_URL, CassetteSerializer, CassetteSource, Scrubber, json_body_matcher

if TYPE_CHECKING:
    from .testing import MoonshotEmulator

__all__ = ["KIMI_BODY_MATCH", "KIMI_MATCH_ON", "KimiRecording"]

KIMI_MATCH_ON: tuple[str, ...] = ("method", "scheme", "host", "port", "path", "query")
"""What a replayed request must share with the recorded one by default."""

KIMI_BODY_MATCH: tuple[str, ...] = (*KIMI_MATCH_ON, "kimi_json_body")
"""For tests about a request's shape: the body must be the same JSON too."""

REPLAY_API_KEY = "sk-test"


@dataclass(frozen=True)
class KimiRecording:
    """Where this run's clients send requests, and whether a cassette is being written."""

    recording: bool
    source: CassetteSource
    base_url: str
    api_key: str
    recorded_base_url: str | None = None
    """The emulator's own URL while recording against it (stored as the public URL)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kimi", "kimi_openai cassettes")
    group.addoption(
        "--kimi-record-source",
        choices=("emulator", "live"),
        default=None,
        help="What to record new cassettes from: the local emulator (default) or the live API "
        "(also chosen by KIMI_LIVE=1). Needs --record-mode other than none.",
    )
    parser.addini(
        "kimi_cassette_dir", "Folder, relative to the rootdir, holding cassettes", default="cassettes"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kimi_allow_unplayed: the cassette may keep interactions the test never plays"
    )


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Remembered so that a test that already failed is not also blamed for unplayed interactions.
    report = yield
    if call.when == "call":
        item.stash[_CALL_FAILED] = call.excinfo is not None
    return report


def _source(config: pytest.Config) -> CassetteSource:
    option = config.getoption("--kimi-record-source")
    if option == "live" or (option is None and os.environ.get("KIMI_LIVE") == "1"):
        return "live"
    return "emulator"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:  # vcr.VCR, untyped
    # Registered under "yaml" so cassettes keep the .yaml suffix pytest-recording expects.
    vcr.register_serializer("yaml", CassetteSerializer(source=_source(config)))
    vcr.register_matcher("kimi_json_body", json_body_matcher)


@pytest.fixture(scope="session")
def kimi_recording(request: pytest.FixtureRequest, record_mode: str) -> Iterator[KimiRecording]:
    """Replay (the default), or record from the emulator or the live API."""
    source = _source(request.config)
    if record_mode == "none":
        yield KimiRecording(
            False, source, REPLAY_BASE_URL, os.environ.get("KIMI_TEST_API_KEY", REPLAY_API_KEY)
        )
    elif source == "live":
        key = os.environ.get("MOONSHOT_API_KEY") or os.environ.get("KIMI_API_KEY")
        if not key:
            raise pytest.UsageError(
                "Recording live needs MOONSHOT_API_KEY (or KIMI_API_KEY) set to a real key."
            )
        base_url = os.environ.get("MOONSHOT_BASE_URL", REPLAY_BASE_URL)
        yield KimiRecording(True, "live", base_url, key, recorded_base_url=base_url)
    else:
        from .testing import MoonshotEmulator

        with MoonshotEmulator().serve() as base_url:
            yield KimiRecording(True, "emulator", base_url, REPLAY_API_KEY, recorded_base_url=base_url)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``<rootdir>/cassettes/<test module>/``: one folder a module, outside the test tree."""
    root = Path(str(request.config.rootpath)) / str(request.config.getini("kimi_cassette_dir"))
    return str(root / Path(str(request.node.path)).stem)


@pytest.fixture
def vcr_config(kimi_recording: KimiRecording) -> dict[str, Any]:
    scrubber = Scrubber(secrets=(kimi_recording.api_key,), recorded_base_url=kimi_recording.recorded_base_url)
    return {
        "decode_compressed_response": True,
        "before_record_request": scrubber.request,
        "before_record_response": scrubber.response,
        "match_on": KIMI_MATCH_ON,
    }


@pytest.fixture(autouse=True)
def _kimi_every_interaction_played(  # pyright: ignore[reportUnusedFunction]
    request: pytest.FixtureRequest,
    vcr: Any,  # vcr.cassette.Cassette | None, untyped
    record_mode: str,
) -> Iterator[None]:
    """A cassette interaction that no request plays means the test no longer does what was recorded."""
    yield
    if vcr is None or record_mode != "none" or request.node.get_closest_marker("kimi_allow_unplayed"):
        return
    if request.node.stash.get(_CALL_FAILED, False):
        return
    if not vcr.all_played:
        unplayed = int(len(vcr.data) - vcr.play_count)
        pytest.fail(f"{unplayed} recorded interaction(s) of {vcr._path} were never played", pytrace=False)


@pytest.fixture
def kimi_client(kimi_recording: KimiRecording) -> Iterator[KimiOpenAI]:
    """A :class:`KimiOpenAI` for cassette tests (no SDK retries, so a cassette holds one try)."""
    client = KimiOpenAI(api_key=kimi_recording.api_key, base_url=kimi_recording.base_url, max_retries=0)
    yield client
    client.close()


@pytest.fixture
async def async_kimi_client(kimi_recording: KimiRecording) -> AsyncIterator[AsyncKimiOpenAI]:
    """An :class:`AsyncKimiOpenAI` for cassette tests (needs an async test runner such as anyio's plugin)."""
    client = AsyncKimiOpenAI(api_key=kimi_recording.api_key, base_url=kimi_recording.base_url, max_retries=0)
    yield client
    await client.close()


@pytest.fixture
def kimi_emulator() -> MoonshotEmulator:
    """A fresh in-process emulator: script its answers, inspect what it received."""
    from .testing import MoonshotEmulator

    return MoonshotEmulator()


@pytest.fixture
def kimi_emulator_client(kimi_emulator: MoonshotEmulator) -> Iterator[KimiOpenAI]:
    """A :class:`KimiOpenAI` wired to ``kimi_emulator`` in-process (no socket, no cassette)."""
    from ._compat import httpx

    client = KimiOpenAI(
        api_key=REPLAY_API_KEY,
        base_url=REPLAY_BASE_URL,
        max_retries=0,
        http_client=httpx.Client(transport=kimi_emulator.transport()),
    )
    yield client
    client.close()


@pytest.fixture
async def async_kimi_emulator_client(kimi_emulator: MoonshotEmulator) -> AsyncIterator[AsyncKimiOpenAI]:
    """An :class:`AsyncKimiOpenAI` wired to ``kimi_emulator`` in-process."""
    from ._compat import httpx

    client = AsyncKimiOpenAI(
        api_key=REPLAY_API_KEY,
        base_url=REPLAY_BASE_URL,
        max_retries=0,
        http_client=httpx.AsyncClient(transport=kimi_emulator.async_transport()),
    )
    yield client
    await client.close()
