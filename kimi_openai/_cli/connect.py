"""The client a command talks through: the live API with a key, else the offline emulator.

A key is looked up as ``KimiOpenAI()`` looks it up (``MOONSHOT_API_KEY``, ``KIMI_API_KEY``,
then ``./.env``). With none, every command still runs, against the in-process emulator
(``kimi_openai.testing``), and says so on stderr: a fresh machine with no key and no network
can try every subcommand. A key that is set but malformed is an error, not a reason to go
offline: the user meant to talk to the live API.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai

from kimi_openai import REGION_BASE_URLS, KimiOpenAI

from .console import Console

__all__ = ["NO_KEY", "OFFLINE_NOTICE", "Connection", "connect", "live_client", "public_url"]

NO_KEY = "No MOONSHOT_API_KEY (or KIMI_API_KEY) set"
OFFLINE_NOTICE = f"{NO_KEY}: running against the in-process emulator (kimi_openai.testing), not the live API."
OFFLINE_KEY = "sk-offline"
"""The emulator accepts any key; this one is sent only to it, in process."""


@dataclass(frozen=True)
class Connection:
    client: KimiOpenAI
    offline: bool
    """True when ``client`` answers from the emulator."""


def live_client() -> KimiOpenAI | None:
    """A client for the live API when a key is set; ``None`` when none is."""
    # openai's _enforce_credentials=False: no key is not an error here, a malformed one still is.
    client = KimiOpenAI(_enforce_credentials=False)
    if client.api_key:
        return client
    client.close()
    return None


def connect(console: Console) -> Connection:
    """The live client when a key is set, else an emulator-backed one (with a notice on stderr)."""
    client = live_client()
    if client is not None:
        return Connection(client, offline=False)
    console.note(OFFLINE_NOTICE)
    # The test kit only when offline: a live run never loads it.
    from kimi_openai.testing import MoonshotEmulator

    transport = MoonshotEmulator().transport()
    offline = KimiOpenAI(
        api_key=OFFLINE_KEY,
        base_url=REGION_BASE_URLS["global"],
        http_client=openai.DefaultHttpxClient(transport=transport),
    )
    return Connection(offline, offline=True)


def public_url(client: KimiOpenAI, path: str) -> str:
    """``client``'s base URL joined with ``path``, without any user:password part (a secret)."""
    url = client.base_url
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.path.rstrip('/')}/{path}"
