"""Moonshot's builtin tools (``$web_search``) through openai's chat helpers.

A builtin is declared as ``{"type": "builtin_function", "function": {"name": "$web_search"}}``
and comes back as a tool call of that type (https://platform.kimi.ai/docs/guide/use-web-search),
outside openai's ``Literal["function"]``. openai's ``.parse()`` refuses such a declaration and
pydantic warns when it dumps such a call; these helpers let both through unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterable, Mapping
from contextlib import contextmanager
from typing import Any, cast

__all__ = ["has_builtin_tool_call", "quiet_builtin_tool_calls", "split_builtin_tools"]


def split_builtin_tools(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``parse``/``stream`` keyword arguments with builtin tools moved out of openai's sight.

    openai's ``.parse()`` refuses tools that are not ``function`` ("Currently only function tool
    types support auto-parsing"). It gets the function tools; the whole list, in order, goes in
    ``extra_body["tools"]``, which replaces ``tools`` in the body sent.
    """
    tools = kwargs.get("tools")
    if tools is None or isinstance(tools, str):
        return dict(kwargs)
    listed = [cast("Mapping[str, Any]", t) for t in cast("Iterable[object]", tools)]
    functions = [t for t in listed if t.get("type") == "function"]
    if len(functions) == len(listed):
        return {**kwargs, "tools": listed}
    out = {key: value for key, value in kwargs.items() if key != "tools"}
    if functions:
        out["tools"] = functions
    out["extra_body"] = {**(kwargs.get("extra_body") or {}), "tools": listed}
    return out


@contextmanager
def quiet_builtin_tool_calls(active: bool) -> Generator[None]:
    """Silence pydantic's serializer warning about a returned builtin tool call, when ``active``.

    Moonshot returns the ``$web_search`` call with ``type: "builtin_function"`` (moonshot-api.md §5),
    outside openai's ``Literal["function"]``; openai's ``.parse()`` dumps the message, and pydantic
    warns while keeping the value. Only that warning is silenced.
    """
    if not active:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Pydantic serializer warnings", category=UserWarning)
        yield


def has_builtin_tool_call(completion: object) -> bool:
    # $web_search comes back as a tool call of type "builtin_function", outside openai's
    # Literal["function"] (https://platform.kimi.ai/docs/guide/use-web-search).
    for choice in cast("Iterable[object]", getattr(completion, "choices", None) or ()):
        calls = getattr(getattr(choice, "message", None), "tool_calls", None) or ()
        if any(getattr(call, "type", None) == "builtin_function" for call in cast("Iterable[object]", calls)):
            return True
    return False
