"""A message, tool call or delta read as a mapping, whether it arrived as a pydantic model or a dict.

Frameworks hand messages back as openai's models, as their own models, or as dicts; servers add
fields openai's types do not declare (``reasoning_content`` on openai's own message). The
reasoning echo and the stream readers see all of them the same way through these two functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from pydantic import BaseModel

__all__ = ["fields_of", "fields_or_empty"]


def fields_of(obj: object) -> Mapping[str, object]:
    """A message, tool call or function as a mapping: model fields plus extras, or the dict itself."""
    if isinstance(obj, BaseModel):
        return {**obj.__dict__, **(obj.model_extra or {})}
    if isinstance(obj, Mapping):
        return cast("Mapping[str, object]", obj)
    raise TypeError(f"expected a message model or a dict, got {type(obj).__name__}")


def fields_or_empty(obj: object) -> Mapping[str, object]:
    """:func:`fields_of`, or nothing for a value that is neither a model nor a mapping."""
    if type(obj) is dict:  # the common case, without the slower abstract-class check
        return cast("dict[str, object]", obj)
    if isinstance(obj, BaseModel | Mapping):
        return fields_of(cast("BaseModel | Mapping[str, object]", obj))
    return {}
