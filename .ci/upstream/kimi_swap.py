"""pytest plugin: openai's own tests, run against the Kimi clients.

Loaded with ``-p kimi_swap`` before pytest imports any conftest or test module,
it rebinds every public name under which openai's tests reach the client classes
(``from openai import OpenAI``, ``openai.OpenAI``, ``openai._client.OpenAI`` and
the ``Client`` / ``AsyncClient`` aliases) to ``KimiOpenAI`` / ``AsyncKimiOpenAI``.
The Kimi classes subclass openai's and were defined before the rebinding, so
their own ``super()`` calls and openai's internals keep the original classes.

After collection it checks that no collected test module still holds openai's
original classes under any name: a test that did would silently test openai.

openai's snapshot tests compare a pretty-printed response. The Kimi client returns
its own subclasses of openai's types (``KimiParsedChatCompletion`` is a
``ParsedChatCompletion`` with a typed ``reasoning_content``), so while such a
printout is made each Kimi type is printed under the name of the openai type it
extends, and a field only the Kimi type declares is left out when it is ``None``.
Every field openai declares, and every Kimi field that holds a value, must still match.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import openai
import openai._client  # the module; ``openai._client`` as an attribute is openai's module-level client
import pydantic
import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI

_ORIGINAL = {openai.OpenAI: KimiOpenAI, openai.AsyncOpenAI: AsyncKimiOpenAI}
_NAMES = ("OpenAI", "AsyncOpenAI", "Client", "AsyncClient")

for _module in (openai, sys.modules["openai._client"]):
    for _name in _NAMES:
        _value = getattr(_module, _name)
        setattr(_module, _name, _ORIGINAL.get(_value, _value))


def pytest_report_header() -> list[str]:
    return ["openai.OpenAI -> kimi_openai.KimiOpenAI, openai.AsyncOpenAI -> kimi_openai.AsyncKimiOpenAI"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fail the run if a test module kept openai's own client classes; name Kimi types as openai's in printouts."""
    modules = {item.module.__name__ for item in session.items if isinstance(item, pytest.Function)}
    leaks = [
        f"{name}.{attr}"
        for name in sorted((modules | {"tests.conftest", "tests.utils"}) & set(sys.modules))
        for attr, value in vars(sys.modules[name]).items()
        if any(value is original for original in _ORIGINAL)
    ]
    if leaks:
        raise pytest.UsageError(f"openai's own client classes are still reachable as: {', '.join(leaks)}")
    printer = sys.modules.get("tests.lib.utils")
    if printer is not None and hasattr(printer, "rich_print_str"):
        printer.rich_print_str = _under_openai_names(printer.rich_print_str)


def _openai_name(cls: type) -> str | None:
    """``ParsedChoice`` for ``KimiParsedChoice`` (and its parametrisations) when it extends that openai type."""
    origin = getattr(cls, "__pydantic_generic_metadata__", {}).get("origin") or cls
    base_name = origin.__name__.removeprefix("Kimi")
    if base_name == origin.__name__:
        return None
    for base in origin.__mro__[1:]:
        if base.__module__.startswith("openai.") and base.__name__ == base_name:
            return cls.__name__.replace(origin.__name__, base_name, 1)
    return None


def _kimi_types() -> Iterator[type]:
    roots = [
        value
        for name, module in list(sys.modules.items())
        if name.startswith("kimi_openai")
        for value in list(vars(module).values())
        if isinstance(value, type) and value.__name__.startswith("Kimi")
    ]
    seen: set[type] = set()
    while roots:
        cls = roots.pop()
        if cls not in seen:
            seen.add(cls)
            roots.extend(cls.__subclasses__())
            yield cls


@functools.cache
def _kimi_only_fields(cls: type[pydantic.BaseModel]) -> frozenset[str]:
    """The fields ``cls`` declares beyond the nearest openai type it extends."""
    base = next((b for b in cls.__mro__ if b.__module__.startswith("openai.")), None)
    if base is None or base is cls or not issubclass(base, pydantic.BaseModel):
        return frozenset()
    return frozenset(cls.model_fields) - frozenset(base.model_fields)


@contextlib.contextmanager
def _as_openai() -> Iterator[None]:
    """Print Kimi types under openai's names, without their Kimi-only fields that are ``None``."""
    repr_args = pydantic.BaseModel.__repr_args__

    def openai_repr_args(self: pydantic.BaseModel) -> Iterable[tuple[str | None, Any]]:
        kimi_only = _kimi_only_fields(type(self))
        return [
            (name, value) for name, value in repr_args(self) if value is not None or name not in kimi_only
        ]

    renamed = [(cls, cls.__name__, name) for cls in _kimi_types() if (name := _openai_name(cls))]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pydantic.BaseModel, "__repr_args__", openai_repr_args)
        try:
            for cls, _, name in renamed:
                cls.__name__ = name
            yield
        finally:  # a class's __name__ is no __dict__ entry MonkeyPatch could restore
            for cls, original, _ in renamed:
                cls.__name__ = original


def _under_openai_names(print_str: Callable[[object], str]) -> Callable[[object], str]:
    def print_under_openai_names(obj: object) -> str:
        with _as_openai():
            return print_str(obj)

    return print_under_openai_names
