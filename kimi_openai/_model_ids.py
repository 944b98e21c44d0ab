"""Model ids as constants: ``KimiModel.KIMI_K2_6 == "kimi-k2.6"``, built from the spec table.

The members are made at import from the rows of :mod:`kimi_openai._rules.model_specs` that
the table marks ``current``, so a model added there is a constant here with no second list
to keep in step, and a model the table retires stops being one (its id still works as a
plain string: unknown and old ids pass through, as everywhere in the package). A member's
name is its id in capitals with every other character an underscore
(``moonshotai/Kimi-K2.5`` is ``MOONSHOTAI_KIMI_K2_5``).

``KimiModel`` is a ``StrEnum``: a member *is* the id string, so it goes wherever openai
takes a model (``model=KimiModel.KIMI_K3``), compares equal to the string, and prints and
serialises as it. A misspelt member raises ``AttributeError`` at once, naming the close ones.
Type checkers see every member name as a ``KimiModel`` (the names are not known before the
table is read); interactive shells complete them from the class.
"""

from __future__ import annotations

import re
from enum import EnumMeta, StrEnum
from typing import TYPE_CHECKING, cast

from ._rules.model_specs import ModelSpec, default_registry

__all__ = ["KimiModel", "constant_name"]


def constant_name(model_id: str) -> str:
    """The member name of a model id: ``"kimi-k2.7-code"`` -> ``"KIMI_K2_7_CODE"``."""
    return re.sub(r"[^A-Z0-9]+", "_", model_id.upper()).strip("_")


def _members(table: tuple[ModelSpec, ...]) -> dict[str, str]:
    members: dict[str, str] = {}
    for spec in table:
        if spec.lifecycle != "current":
            continue
        name = constant_name(spec.id)
        if members.setdefault(name, spec.id) != spec.id:  # two ids, one name: a table mistake
            raise RuntimeError(f"model ids {members[name]!r} and {spec.id!r} both make the constant {name}")
    return members


class _ModelIdType(EnumMeta):
    """The metaclass of :class:`KimiModel`: a misspelt name is an error that suggests the right one."""

    def __getattr__(cls, name: str) -> KimiModel:
        if name.startswith("_"):
            raise AttributeError(name)
        import difflib  # only on a misspelt name

        known = [member.name for member in cast("type[KimiModel]", cls)]
        close = difflib.get_close_matches(name.upper(), known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise AttributeError(
            f"KimiModel has no model {name!r}.{hint} Current ids: {', '.join(known)}. "
            "Any other id works as a plain string (model='...')."
        )


class _KimiModelBase(StrEnum, metaclass=_ModelIdType):
    """The current Kimi model ids as ``str`` constants (``KimiModel.KIMI_K2_6 == "kimi-k2.6"``)."""


if TYPE_CHECKING:
    KimiModel = _KimiModelBase
else:
    KimiModel = _KimiModelBase(
        "KimiModel", _members(default_registry.table()), module=__name__, qualname="KimiModel"
    )
    KimiModel.__doc__ = _KimiModelBase.__doc__
