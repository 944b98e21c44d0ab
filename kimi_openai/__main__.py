"""``python -m kimi_openai`` (also the ``kimi-openai`` command).

* ``demo``: a tour of the Kimi API, offline against the emulator when no key is set;
* ``emulator [--port 8000]``: serve the offline Moonshot API on 127.0.0.1.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "demo":
        from ._demo import run_demo

        return run_demo(sys.stdout)
    if command == "emulator":
        from .testing._server import main as serve

        return serve(rest)
    print("usage: python -m kimi_openai {demo | emulator [--host 127.0.0.1] [--port 8000]}", file=sys.stderr)
    return 0 if command in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
