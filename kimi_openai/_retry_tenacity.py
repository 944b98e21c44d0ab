"""The tenacity side of the retry policy, loaded when retries first need it.

Retry loops driven by tenacity (a caller's own ``tenacity.Retrying``, and the
package's multi-request helpers) use the same classifier and waits as the SDK's
loop: :func:`~kimi_openai.is_retryable` (with ``x-should-retry`` where it may count,
``retry_allowed``) and :meth:`RetryPolicy.wait_seconds`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import cast

import anyio
import tenacity

from ._errors import KimiConfigurationError
from ._retry import ASYNC_ON_SYNC, RetryPolicy, RetrySetup, retry_allowed

__all__ = ["async_retrying", "build_async_retrying", "build_retrying", "sync_retrying"]


class _WaitRetryAfter(tenacity.wait.wait_base):
    """tenacity ``wait``: the policy's wait for the exception that ended the attempt."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None and outcome.failed else None
        return self.policy.wait_seconds(retry_state.attempt_number - 1, exc=exc)


def build_retrying(policy: RetryPolicy, *, sleep: Callable[[float], None] | None = None) -> tenacity.Retrying:
    """A ``tenacity.Retrying`` that follows ``policy``: same classifier, same waits, the Kimi error re-raised.

    Calls made inside it must not retry on their own: use ``client.with_options(max_retries=0)``.
    """
    return tenacity.Retrying(
        sleep=sleep or tenacity.nap.sleep,
        stop=tenacity.stop_after_attempt(policy.max_retries + 1),
        retry=tenacity.retry_if_exception(policy.should_retry),
        wait=_WaitRetryAfter(policy),
        reraise=True,  # callers see the Kimi error, not tenacity.RetryError
    )


def build_async_retrying(
    policy: RetryPolicy, *, sleep: Callable[[float], Awaitable[None]] | None = None
) -> tenacity.AsyncRetrying:
    """The async twin of :func:`build_retrying` (sleeps with ``anyio.sleep`` unless told otherwise)."""
    return tenacity.AsyncRetrying(
        sleep=sleep or anyio.sleep,
        stop=tenacity.stop_after_attempt(policy.max_retries + 1),
        retry=tenacity.retry_if_exception(policy.should_retry),
        wait=_WaitRetryAfter(policy),
        reraise=True,
    )


def _gate_allows(state: tenacity.RetryCallState, max_retries: int | None) -> bool:
    """What a caller's ``retry`` rule may not overrule: the classifier (and the server's headers), a retry cap."""
    if max_retries is not None and state.attempt_number > max_retries:
        return False
    outcome = state.outcome
    return outcome is None or not outcome.failed or retry_allowed(cast("BaseException", outcome.exception()))


class _Gate(tenacity.retry_base):
    """A caller's ``retry`` rule, asked only about what :func:`is_retryable` allows."""

    def __init__(self, rule: Callable[[tenacity.RetryCallState], bool], max_retries: int | None) -> None:
        self.rule = rule
        self.max_retries = max_retries

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return _gate_allows(retry_state, self.max_retries) and bool(self.rule(retry_state))


class _AsyncGate:
    """:class:`_Gate` for ``tenacity.AsyncRetrying``, whose rule may be a coroutine function."""

    def __init__(self, rule: Callable[[tenacity.RetryCallState], object], max_retries: int | None) -> None:
        self.rule = rule
        self.max_retries = max_retries

    async def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if not _gate_allows(retry_state, self.max_retries):
            return False
        verdict = self.rule(retry_state)
        return bool(await verdict if inspect.isawaitable(verdict) else verdict)


def sync_retrying(setup: RetrySetup) -> tenacity.Retrying:
    """A fresh ``tenacity.Retrying``: a gated copy of the caller's, or one built from the policy."""
    r = setup.retrying
    if isinstance(r, tenacity.AsyncRetrying):
        raise KimiConfigurationError(ASYNC_ON_SYNC)
    if r is None:
        return build_retrying(setup.policy)
    return r.copy(retry=_Gate(r.retry, setup.max_retries))


def async_retrying(setup: RetrySetup) -> tenacity.AsyncRetrying:
    """A fresh ``tenacity.AsyncRetrying``; a caller's sync ``Retrying`` keeps its rules but sleeps async."""
    r = setup.retrying
    if r is None:
        return build_async_retrying(setup.policy)
    gate = _AsyncGate(r.retry, setup.max_retries)
    if isinstance(r, tenacity.AsyncRetrying):
        return r.copy(retry=gate)
    return tenacity.AsyncRetrying(
        sleep=anyio.sleep,
        stop=r.stop,
        wait=r.wait,
        retry=gate,
        before=r.before,
        after=r.after,
        before_sleep=r.before_sleep,
        reraise=r.reraise,
        retry_error_cls=r.retry_error_cls,
        retry_error_callback=r.retry_error_callback,
    )
