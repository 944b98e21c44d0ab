"""What the reasoning echo did with the assistant turns sent without their reasoning: counted, logged, traced.

Every assistant turn a request sends without ``reasoning_content`` ends one of four ways:
its reasoning was **restored** from memory, it went out with the **placeholder** (memory
had nothing: another worker answered it, the process restarted, or it was forgotten),
the request was **refused** (``reasoning_echo="strict"``), or none was **not needed**
(a request that does not think, a turn Moonshot does not check). Counted per client (its
copies share its count) and for the whole process, logged at debug level on the
``kimi_openai.reasoning_echo`` logger, and set on the current OpenTelemetry span when
one is recording: a placeholder rate that climbs (a fleet without a shared store) shows
on a dashboard instead of only in answers that forgot their reasoning.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass, fields
from typing import Final, Literal

__all__ = ["TOTAL", "EchoCounts", "EchoOutcome", "record"]

EchoOutcome = Literal["restored", "placeholder", "refused", "not_needed"]

SPAN_ATTRIBUTE_PREFIX: Final = "kimi.reasoning_echo."
"""Span attributes set per request: ``kimi.reasoning_echo.restored`` and the other outcomes."""

logger = logging.getLogger("kimi_openai.reasoning_echo")
_LOCK = threading.Lock()


@dataclass(slots=True)
class EchoCounts:
    """How many assistant turns sent without ``reasoning_content`` ended each way."""

    restored: int = 0
    """Its reasoning was known and put back."""
    placeholder: int = 0
    """Nothing was known: sent with the placeholder ``" "`` (``reasoning_echo="auto"``)."""
    refused: int = 0
    """Nothing was known: the request was refused before sending (``reasoning_echo="strict"``)."""
    not_needed: int = 0
    """Sent as given: the request does not think, or the server does not check such a turn."""

    def add(self, outcome: EchoOutcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __bool__(self) -> bool:
        return bool(self.restored or self.placeholder or self.refused or self.not_needed)

    def snapshot(self) -> EchoCounts:
        """A copy that later requests leave unchanged."""
        with _LOCK:
            return EchoCounts(self.restored, self.placeholder, self.refused, self.not_needed)


TOTAL: Final = EchoCounts()
"""Every client of this process together."""


def record(client_counts: EchoCounts, request: EchoCounts, model: str) -> None:
    """Add one request's outcomes to its client's counts and the total; log them; set them on the span."""
    with _LOCK:
        for outcome in fields(EchoCounts):
            n: int = getattr(request, outcome.name)
            if n:
                for counts in (client_counts, TOTAL):
                    setattr(counts, outcome.name, getattr(counts, outcome.name) + n)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "reasoning echo for %s: %d restored, %d placeholder, %d refused, %d not needed",
            model,
            request.restored,
            request.placeholder,
            request.refused,
            request.not_needed,
        )
    _on_span(request)


def _on_span(request: EchoCounts) -> None:
    # OpenTelemetry stays optional: a process that never imported it has no span to set.
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return
    span = trace.get_current_span()
    if not span.is_recording():
        return
    for outcome in fields(EchoCounts):
        span.set_attribute(SPAN_ATTRIBUTE_PREFIX + outcome.name, getattr(request, outcome.name))
    if request.placeholder or request.refused:
        span.add_event(
            "kimi.reasoning_echo.missing",
            {"placeholder": request.placeholder, "refused": request.refused},
        )
