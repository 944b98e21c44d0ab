"""One typed way to read ``reasoning_content`` from any message or delta.

openai's own ``ChatCompletionMessage`` and ``ChoiceDelta`` have no such field, so
Kimi's reasoning (https://platform.kimi.ai/docs/guide/use-thinking-models)
survives on them only as an untyped extra; the Kimi subclasses declare it.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

__all__ = ["reasoning_content_of"]


def reasoning_content_of(obj: BaseModel | Mapping[str, object] | None) -> str | None:
    """The ``reasoning_content`` of a message, delta or message dict, or ``None``.

    Works on openai's ``ChatCompletionMessage`` / ``ChoiceDelta`` (read from
    ``model_extra``), on the Kimi subclasses (a declared field), and on plain dicts
    such as a message param. Anything that is not a string counts as absent, and so
    does the message of an odd answer openai built unvalidated (``None``, a string).
    """
    if isinstance(obj, BaseModel):
        value = obj.__dict__.get("reasoning_content")
        if value is None and obj.model_extra:
            value = obj.model_extra.get("reasoning_content")
    elif isinstance(obj, Mapping):
        value = obj.get("reasoning_content")
    else:
        value = None
    return value if isinstance(value, str) else None
