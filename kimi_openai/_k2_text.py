"""Token search and call-id reading for ``k2_tool_calls``."""

from __future__ import annotations

import re
from typing import Final

# Ids look like "functions.NAME:INDEX"
# (https://github.com/MoonshotAI/Kimi-K2/blob/main/docs/tool_call_guidance.md).
# NAME may itself contain dots (namespaced tools), so take everything up to the last ":".
_CANONICAL_ID: Final = re.compile(r"functions\.(?P<name>.+):(?P<index>\d+)", re.DOTALL)
_INDEX_SUFFIX: Final = re.compile(r":\d+\Z")
_FUNCTIONS_PREFIX: Final = "functions"


def name_from_id(call_id: str) -> tuple[str, bool]:
    """Return the function name in ``call_id`` and whether the id is canonical."""
    match = _CANONICAL_ID.fullmatch(call_id)
    if match:
        return match["name"], True
    name = call_id
    if name.startswith(_FUNCTIONS_PREFIX):
        name = name.removeprefix(_FUNCTIONS_PREFIX).removeprefix(".")
        if ":" not in name:
            # K2.5 has been seen dropping both separators ("functionsexec5" for
            # exec:5, sglang PR #21377): trailing digits are then the counter.
            name = name.rstrip("0123456789") or name
    # "NAME:INDEX" without the prefix, or an id the model copied from history
    # ("call_abc", sglang issue #25358): keep whatever is left as the name.
    return _INDEX_SUFFIX.sub("", name) or name, False


def first_token(buffer: str, tokens: tuple[str, ...]) -> tuple[int, str | None]:
    """Return the position and value of the earliest token in ``buffer``."""
    best_pos, best = len(buffer), None
    for token in tokens:
        pos = buffer.find(token, 0, best_pos + len(token))
        if pos != -1 and pos < best_pos:
            best_pos, best = pos, token
    return best_pos, best


def partial_token_length(buffer: str, tokens: tuple[str, ...]) -> int:
    """Length of the longest suffix of ``buffer`` that could still become a token."""
    longest = max(len(token) for token in tokens)
    pos = buffer.find("<", max(0, len(buffer) - longest + 1))
    while pos != -1:
        tail = buffer[pos:]
        if any(token.startswith(tail) for token in tokens):
            return len(tail)
        pos = buffer.find("<", pos + 1)
    return 0


def short(text: str) -> str:
    """Quote ``text`` for an error message, cut to a readable length."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
