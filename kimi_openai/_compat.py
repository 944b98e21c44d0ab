"""The HTTP library of the installed openai, decided in one place.

openai 2.x runs on ``httpx``; openai 3.x runs on ``httpx2``, a fork with the same
API under another name. Everything in this package that builds transports,
requests or responses imports the module from here, so the package works with
whichever line the user has installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openai
import openai._base_client as _openai_base_client

TYPE_CHECK_OPENAI_2 = False
"""Set true (pyright ``defineConstant``) when type-checking against openai 2.x, on httpx."""

if TYPE_CHECKING:
    if TYPE_CHECK_OPENAI_2:
        import httpx
    else:
        import httpx2 as httpx
else:
    httpx = getattr(_openai_base_client, "httpx2", None) or _openai_base_client.httpx

OPENAI_VERSION: tuple[int, ...] = tuple(int(p) for p in openai.__version__.split(".")[:2] if p.isdigit())
"""The installed openai's (major, minor)."""

HTTP_LIBRARY: str = httpx.__name__
"""``"httpx"`` or ``"httpx2"``: the library the installed openai sends requests with."""

__all__ = ["HTTP_LIBRARY", "OPENAI_VERSION", "httpx"]
