"""The ``kimi-openai`` command line (also ``python -m kimi_openai``); see ``docs/cli.md``."""

from __future__ import annotations

from .main import main as main

__all__ = ["main"]
