"""How the command line fails: its exit codes, and the error a bad argument raises.

Exit codes (documented in ``docs/cli.md``):

* ``0``: done;
* ``1``: the API or the library refused or failed (an HTTP error, a request check, a file
  that could not be extracted, a dropped stream);
* ``2``: a usage error: an unknown flag, a missing argument, a file that cannot be read;
* ``3``: ``models`` found the spec table and the live ``/v1/models`` list differ;
* ``130``: interrupted (Ctrl-C), as shells report a SIGINT.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "UsageError"]


class ExitCode(IntEnum):
    """What the process exit status means."""

    OK = 0
    ERROR = 1
    USAGE = 2
    MODELS_DIFFER = 3
    INTERRUPTED = 130


class UsageError(Exception):
    """An argument the command cannot use (argparse cannot see it: a missing file, an empty message)."""
