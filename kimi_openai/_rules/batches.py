"""Moonshot's batch rules: completion windows, the one endpoint, metadata limits, and what a line may hold.

From https://platform.kimi.ai/docs/api/batch-create: a batch runs only ``/v1/chat/completions``,
within ``12h`` to ``7d``, with at most 16 metadata pairs (keys up to 64, values up to 512
characters); its lines are ``POST`` requests with unique ``custom_id``s, all for one model.
What a line's body may hold is the chat rules' business (``chat``), applied by the request
pipeline exactly as for a direct call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from openai import Omit

from kimi_openai._errors import KimiValidationError

from .sources import KD_BATCH_CREATE

__all__ = [
    "BATCH_ENDPOINT",
    "JOB_KEY_FIELD",
    "MAX_WINDOW_HOURS",
    "MIN_WINDOW_HOURS",
    "SHARDS_FIELD",
    "SHARD_FIELD",
    "CustomIds",
    "check_batch_request",
    "check_not_streamed",
    "check_one_model",
    "check_ready_line",
    "custom_ids",
    "window_hours",
]

BATCH_ENDPOINT: Final = "/v1/chat/completions"
"""The only endpoint a Moonshot batch runs (KD_BATCH_CREATE)."""
MIN_WINDOW_HOURS: Final = 12
MAX_WINDOW_HOURS: Final = 7 * 24
_WINDOW: Final = re.compile(r"^(\d+)([hd])$")

# The metadata a job's batches carry, so a resubmitted job finds them (keys up to 64 characters).
JOB_KEY_FIELD: Final = "kimi_openai_job"
"""The caller's job key."""
SHARD_FIELD: Final = "kimi_openai_shard"
"""Which shard of the job this batch runs, from ``0``."""
SHARDS_FIELD: Final = "kimi_openai_shards"
"""How many shards the job has."""


def window_hours(window: str) -> int | None:
    """Hours in a ``12h``/``1d`` style window; ``None`` when it is not written that way."""
    found = _WINDOW.match(window)
    return None if found is None else int(found[1]) * (24 if found[2] == "d" else 1)


def check_batch_request(
    *, completion_window: str, endpoint: str, metadata: Mapping[str, str] | Omit | None
) -> None:
    """Raise :class:`KimiValidationError` for a batch Moonshot would refuse (KD_BATCH_CREATE)."""
    hours = window_hours(completion_window)
    if hours is None or not MIN_WINDOW_HOURS <= hours <= MAX_WINDOW_HOURS:
        raise KimiValidationError(
            f"completion_window={completion_window!r} is not allowed: Moonshot takes hours or days "
            f"from '12h' to '7d', e.g. '24h' or '3d' ({KD_BATCH_CREATE})."
        )
    if endpoint != BATCH_ENDPOINT:
        raise KimiValidationError(
            f"endpoint={endpoint!r} is not allowed: Moonshot batches run only {BATCH_ENDPOINT!r} ({KD_BATCH_CREATE})."
        )
    if isinstance(metadata, Mapping):
        if len(metadata) > 16:
            raise KimiValidationError(f"metadata has {len(metadata)} pairs; Moonshot takes at most 16.")
        for key, value in metadata.items():
            if len(key) > 64 or len(value) > 512:
                raise KimiValidationError(
                    f"metadata key {key[:20]!r}...: keys are at most 64 and values at most 512 characters."
                )


# -- lines ----------------------------------------------------------------------------------------


def check_not_streamed(body: Mapping[str, object]) -> None:
    """A batch answers whole completions: a line may not ask for a stream."""
    if body.get("stream"):
        raise KimiValidationError(
            "stream=True is not allowed in a batch request: batches answer whole completions."
        )


def check_ready_line(index: int, custom_id: object, line: Mapping[str, object]) -> None:
    # A ready line's own url and method would otherwise be replaced without a word.
    name = f"request {index}" + ("" if custom_id is None else f" (custom_id {custom_id!r})")
    url = line.get("url", BATCH_ENDPOINT)
    if url != BATCH_ENDPOINT:
        raise KimiValidationError(
            f"{name}: url={url!r} is not allowed: Moonshot batches run only {BATCH_ENDPOINT!r} ({KD_BATCH_CREATE})."
        )
    method = line.get("method", "POST")
    if not isinstance(method, str) or method.upper() != "POST":
        raise KimiValidationError(f"{name}: method={method!r} is not allowed: batch lines are POST requests.")


def custom_ids(given: list[object]) -> list[str]:
    """The ``custom_id`` of each line: the given ones, checked unique; ``request-<n>`` for the rest."""
    taken: set[str] = set()
    for index, custom_id in enumerate(given):
        if custom_id is None:
            continue
        if not isinstance(custom_id, str) or not custom_id:
            raise KimiValidationError(
                f"request {index}: custom_id must be a non-empty string, got {custom_id!r}."
            )
        if custom_id in taken:
            raise KimiValidationError(
                f"custom_id {custom_id!r} is used twice: each must be unique ({KD_BATCH_CREATE})."
            )
        taken.add(custom_id)
    ids: list[str] = []
    for index, custom_id in enumerate(given):
        if isinstance(custom_id, str):
            ids.append(custom_id)
            continue
        candidate, bump = f"request-{index}", 0
        while candidate in taken:
            bump += 1
            candidate = f"request-{index}-{bump}"
        taken.add(candidate)
        ids.append(candidate)
    return ids


class CustomIds:
    """The ``custom_id`` of each line as lines stream by: given ones checked unique, ``request-<n>`` for the rest.

    Unlike :func:`custom_ids` it cannot see later lines, so a given id equal to one already made
    up for an earlier line is refused (name every request, or none).
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self._made: set[str] = set()

    def assign(self, index: int, custom_id: object) -> str:
        if custom_id is None:
            candidate, bump = f"request-{index}", 0
            while candidate in self.taken:
                bump += 1
                candidate = f"request-{index}-{bump}"
            self._made.add(candidate)
            self.taken.add(candidate)
            return candidate
        if not isinstance(custom_id, str) or not custom_id:
            raise KimiValidationError(
                f"request {index}: custom_id must be a non-empty string, got {custom_id!r}."
            )
        if custom_id in self.taken:
            made = " (an earlier request without one was given it)" if custom_id in self._made else ""
            raise KimiValidationError(
                f"custom_id {custom_id!r} is used twice{made}: each must be unique ({KD_BATCH_CREATE})."
            )
        self.taken.add(custom_id)
        return custom_id


def check_one_model(models: Iterable[str]) -> None:
    """Every line of a batch must name the same model."""
    found = sorted(set(models))
    if len(found) > 1:
        raise KimiValidationError(
            f"every request of a batch must use the same model, got {', '.join(found)} ({KD_BATCH_CREATE})."
        )
