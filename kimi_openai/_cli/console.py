"""Where the command line writes: answers and tables on stdout, notices and errors on stderr.

Keeping them apart lets ``kimi-openai chat "..." > answer.txt`` capture only the answer.
Styling (dim reasoning) is used only on a terminal, and never when ``NO_COLOR`` is set
(https://no-color.org) or ``TERM=dumb``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Console", "columns"]

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def _styled(stream: TextIO) -> bool:
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Console:
    """The two output streams of one run, and whether stderr takes ANSI styling."""

    out: TextIO
    err: TextIO
    styled: bool
    prog: str = "kimi-openai"
    """The command's name as typed, which error lines start with (as argparse's do)."""

    @classmethod
    def of(cls, out: TextIO, err: TextIO, prog: str = "kimi-openai") -> Console:
        return cls(out, err, _styled(err), prog)

    def print(self, text: str = "") -> None:
        """A line of the command's output (stdout)."""
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        """A line about the run, not its output (stderr)."""
        self.err.write(text + "\n")
        self.err.flush()

    def error(self, text: str) -> None:
        self.note(f"{self.prog}: error: {text}")

    def dim(self, text: str) -> str:
        """``text`` dimmed on a terminal, as is elsewhere."""
        return f"{_DIM}{text}{_RESET}" if self.styled and text else text


def columns(rows: Sequence[tuple[str, ...]], *, right: frozenset[int] = frozenset()) -> list[str]:
    """Rows as lines of left-aligned columns two spaces apart (``right``: indexes aligned right)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
