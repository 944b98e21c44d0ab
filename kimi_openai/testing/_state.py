"""The emulator's settings and mutable state, shared by the endpoint modules."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ._batches import BatchStore
from ._catalogue import Catalogue
from ._chat import PrefixCache
from ._files import FileStore
from ._rate_limits import RateLimits
from ._responses_rules import ResponsesRules
from ._script import Script
from ._types import Balance, FileContentFormat, RateLimit, StreamUsagePlacement, UnservedAnswer
from ._wire import IdFactory

MAX_FILE_BYTES = 100 * 1024 * 1024
"""100 MB per file [KD-files-upload]."""
MAX_FILES = 1000
"""1,000 files per user [KD-files-upload]."""
DEFAULT_CLOCK_START = 1_700_000_000


@dataclass(frozen=True)
class EmulatorConfig:
    """Settings fixed when the emulator is built."""

    region: str = "global"
    stream_usage: StreamUsagePlacement = "include_usage"
    file_content: FileContentFormat = "json"
    file_status: str = "ok"
    """``ok`` in the CN docs' example; ⚠ the 2026 OpenAPI example shows ``ready`` (§1.4)."""
    max_file_bytes: int = MAX_FILE_BYTES
    max_files: int = MAX_FILES
    web_search_tokens: int = 13046
    """The search size of the documented example (moonshot-api.md §5)."""
    builtin_call_type: str = "builtin_function"
    rate_limit: RateLimit | None = None
    """Advisory ``X-RateLimit-*`` headers, never enforced."""
    rate_limits: RateLimits | None = None
    """The enforcing per-key RPM/TPM limit."""
    responses_rules: ResponsesRules = field(default_factory=ResponsesRules)
    unserved: UnservedAnswer = "not_open"
    request_id_header: str = "x-request-id"


class FixedClock:
    """A clock that stays put unless a test moves it, so timestamps in answers are stable."""

    def __init__(self, start: int = DEFAULT_CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now


class State:
    """Everything the endpoints read and change; guarded by ``lock`` for the threaded server."""

    def __init__(
        self, config: EmulatorConfig, catalogue: Catalogue, balance: Balance, clock: Callable[[], int]
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.balance = balance
        self.clock = clock
        self.script = Script()
        self.ids = IdFactory()
        self.cache = PrefixCache()
        self.files = FileStore()
        self.batches = BatchStore()
        self.lock = threading.RLock()
