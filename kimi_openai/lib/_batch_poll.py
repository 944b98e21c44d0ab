"""Polling one batch until it ends: tenacity drives the loop, the client's retry policy paces poll errors.

A batch ends in one of the statuses of https://platform.kimi.ai/docs/api/batch-list. Between
polls the wait grows from ``poll_interval`` by half up to ``max_poll_interval``. A poll that
fails is judged and paced by the client's :class:`~kimi_openai._retry.RetryPolicy`, the same one
a direct call uses: :func:`~kimi_openai._retry.is_retryable` decides, a ``Retry-After`` is waited
out up to the policy's ``retry_after_cap`` (longer: raise now), and otherwise its back-off applies
(https://platform.kimi.ai/docs/api/errors names the 429s that pass with time).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, TypeAlias, cast

import anyio
import tenacity
from openai.types import Batch

from kimi_openai._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from kimi_openai._state import kimi_state_of

__all__ = ["TERMINAL_STATUSES", "PollLoop", "Progress", "ProgressCallback", "client_retry_policy"]

TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "expired", "cancelled"})
"""Statuses a batch never leaves (https://platform.kimi.ai/docs/api/batch-list)."""

ProgressCallback: TypeAlias = Callable[[Batch], None]
"""Called with the batch after every poll."""


def _sleep(seconds: float) -> None:
    # Looked up when a loop starts, so tests can swap in a fake clock.
    time.sleep(seconds)


async def _async_sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


def client_retry_policy(client: object) -> RetryPolicy:
    """The retry policy of a Kimi client; the package default for a plain openai client."""
    state = kimi_state_of(client)
    return DEFAULT_RETRY_POLICY if state is None else state.retry.policy


class _Bar(Protocol):
    total: float | None
    n: float

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...


class Progress:
    """A tqdm bar over request counts, or nothing when tqdm is missing (the ``progress`` extra)."""

    def __init__(self, progress: bool | ProgressCallback, batch_id: str) -> None:
        self._callback = progress if callable(progress) else None
        self._bar: _Bar | None = None
        if progress is True:
            try:
                tqdm: Any = importlib.import_module("tqdm.auto").tqdm
            except ImportError:
                return
            self._bar = cast(_Bar, tqdm(total=None, desc=batch_id, unit="req"))

    def __call__(self, batch: Batch) -> None:
        if self._callback is not None:
            self._callback(batch)
        if self._bar is not None and batch.request_counts is not None:
            counts = batch.request_counts
            self._bar.total = counts.total
            self._bar.n = counts.completed + counts.failed
            self._bar.set_postfix_str(batch.status, refresh=False)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _unfinished(batch: Batch) -> bool:
    return batch.status not in TERMINAL_STATUSES


class PollLoop:
    """The rules of one wait: when to poll again, how long to wait, when to give up.

    Poll errors in a row are counted where the poll runs, so the count does not depend
    on the order in which tenacity asks ``stop`` and ``wait``.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        poll_interval: float,
        max_poll_interval: float,
        timeout: float | None,
        max_poll_errors: int,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.max_poll_errors = max_poll_errors
        self.errors = 0
        """Poll errors in a row."""
        self._interval = tenacity.wait_exponential(
            multiplier=poll_interval, min=poll_interval, max=max_poll_interval, exp_base=1.5
        )

    @classmethod
    def for_client(
        cls,
        client: object,
        poll_interval: float,
        max_poll_interval: float,
        timeout: float | None,
        max_poll_errors: int,
    ) -> PollLoop:
        """A loop whose poll errors follow ``client``'s retry policy."""
        return cls(
            client_retry_policy(client),
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            max_poll_errors=max_poll_errors,
        )

    def stop(self, state: tenacity.RetryCallState) -> bool:
        late = self.timeout is not None and (state.seconds_since_start or 0.0) >= self.timeout
        return self.errors >= self.max_poll_errors or late

    def wait(self, state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            # Retry-After first (capped by the policy), else the policy's back-off.
            return self.policy.wait_seconds(self.errors - 1, exc=outcome.exception())
        return self._interval(state)

    def _settings(self) -> dict[str, Any]:
        return {
            "retry": tenacity.retry_if_result(_unfinished)
            | tenacity.retry_if_exception(self.policy.should_retry),
            "wait": self.wait,
            "stop": self.stop,
            "reraise": True,
        }

    def run(self, fetch: Callable[[], Batch], progress: Progress) -> Batch:
        """Poll with ``fetch`` until the batch ends; ``tenacity.RetryError`` when time is up."""

        def poll() -> Batch:
            try:
                batch = fetch()
            except Exception:
                self.errors += 1
                raise
            self.errors = 0
            progress(batch)
            return batch

        return tenacity.Retrying(sleep=_sleep, **self._settings())(poll)

    async def async_run(self, fetch: Callable[[], Awaitable[Batch]], progress: Progress) -> Batch:
        """The async :meth:`run`."""

        async def poll() -> Batch:
            try:
                batch = await fetch()
            except Exception:
                self.errors += 1
                raise
            self.errors = 0
            progress(batch)
            return batch

        return await tenacity.AsyncRetrying(sleep=_async_sleep, **self._settings())(poll)
