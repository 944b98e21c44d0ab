"""A Responses API ``Response`` with the reasoning text of Kimi's thinking models easy to read.

Moonshot returns the model's reasoning as ``type: "reasoning"`` output items whose text is in
``summary[].text`` (``encrypted_content`` is always null, so the text is all there is); a
reasoning item sent back in ``input`` may carry it in ``content[].text`` instead, which then wins
(https://platform.kimi.ai/docs/api/responses). Usage is openai's: ``usage.input_tokens_details``
has ``cached_tokens`` and ``cache_write_tokens`` on both openai lines.
"""

from __future__ import annotations

from collections.abc import Iterable

from openai.types.responses import Response, ResponseReasoningItem

__all__ = ["KimiResponse", "reasoning_text"]


def _item_text(item: ResponseReasoningItem) -> str:
    content = item.content or []
    if content:
        return "".join(part.text for part in content)
    return "".join(part.text for part in item.summary or [])


def reasoning_text(response: Response | Iterable[object]) -> str:
    """The reasoning text of a response (or of a list of output items); ``""`` when it has none.

    The texts of several reasoning items are joined with a blank line.
    """
    items = response.output if isinstance(response, Response) else response
    texts = [_item_text(item) for item in items if isinstance(item, ResponseReasoningItem)]
    return "\n\n".join(text for text in texts if text)


class KimiResponse(Response):
    """openai's ``Response``, as a Kimi client returns it, with :attr:`reasoning_text`."""

    @property
    def reasoning_text(self) -> str:
        """The reasoning of Kimi's thinking models, read from the ``reasoning`` output items."""
        return reasoning_text(self)
