"""``python -m kimi_openai.testing``: serve the emulator on loopback."""

from __future__ import annotations

import sys

from ._server import main

if __name__ == "__main__":
    sys.exit(main())
