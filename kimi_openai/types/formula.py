"""Formula ("official tools") results: what ``POST /v1/formulas/{uri}/fibers`` answers.

The status is ``"succeeded"`` with the result in ``context.output`` or, for tools whose output
only the model may read (web search), ``context.encrypted_output``; on failure the message is in
``error`` or ``context.error`` (https://platform.kimi.ai/docs/guide/use-official-tools;
moonshot-api.md §1.8).
"""

from __future__ import annotations

from typing import Any, Optional, Union

from openai import BaseModel

# ``Optional[X]`` and typing generics, as openai's models: openai 2.x builds responses with
# construct_type, which needs them (see kimi_openai/types/chat/__init__.py).
__all__ = ["FiberContext", "FiberResult"]

_Error = Union[str, dict[str, Any]]  # noqa: UP007


def _error_text(error: object) -> str | None:
    if error is None or error == "":
        return None
    if isinstance(error, dict):
        message = error.get("message")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return str(message) if message else str(error)  # pyright: ignore[reportUnknownArgumentType]
    return str(error)


class FiberContext(BaseModel):
    """The ``context`` of a fiber: its output, or why it failed."""

    output: Optional[str] = None  # noqa: UP045
    """The result, readable text."""
    encrypted_output: Optional[str] = None  # noqa: UP045
    """The result sealed for the model (``----MOONSHOT ENCRYPTED BEGIN----...``): pass it on as is."""
    error: Optional[_Error] = None  # noqa: UP045
    """Why the fiber failed, when the server put it here."""


class FiberResult(BaseModel):
    """One fiber run: ``succeeded`` with an output or an encrypted output, or failed with an error."""

    status: Optional[str] = None  # noqa: UP045
    """``"succeeded"`` on success; anything else is a failure (``"failed"``)."""
    context: Optional[FiberContext] = None  # noqa: UP045
    """Output or error."""
    error: Optional[_Error] = None  # noqa: UP045
    """Why the fiber failed, when the server put it at the top level."""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def output(self) -> str | None:
        """The readable output, if any."""
        return self.context.output if self.context is not None else None

    @property
    def encrypted_output(self) -> str | None:
        """The sealed output, if any."""
        return self.context.encrypted_output if self.context is not None else None

    @property
    def error_message(self) -> str | None:
        """The failure, read from ``error`` first, then ``context.error``; ``None`` on success."""
        found = _error_text(self.error)
        if found is None and self.context is not None:
            found = _error_text(self.context.error)
        if found is None and not self.succeeded:
            found = f"the fiber ended with status {self.status!r}"
        return found

    @property
    def content(self) -> str:
        """What to send back to the model as the tool result: the output, the sealed output, or the error."""
        if self.succeeded:
            return self.output if self.output is not None else self.encrypted_output or ""
        return f"Error: {self.error_message}"
