from __future__ import annotations

from .chat import AsyncKimiChat as AsyncKimiChat
from .chat import KimiChat as KimiChat
from .completions import AsyncKimiCompletions as AsyncKimiCompletions
from .completions import KimiCompletions as KimiCompletions

__all__ = ["AsyncKimiChat", "AsyncKimiCompletions", "KimiChat", "KimiCompletions"]
