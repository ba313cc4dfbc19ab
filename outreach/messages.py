"""Messages people read, in French, translatable later: the domain writes them, the
web layer words them in the page's language (its ``tr`` filter and the catalogue).
No imports from the rest of the product, so that any module may use them."""

from __future__ import annotations

from typing import Any, Self


class Message(str):
    """A French message that keeps its template and values, so that a page in another
    language can translate it (the web layer's ``tr`` filter); ``str`` is the French.
    Templates use ``%(name)s`` placeholders, like the web catalogue."""

    template: str
    args: dict[str, Any]

    def __new__(cls, template: str, **args: Any) -> Self:
        made = super().__new__(cls, template % args if args else template)
        made.template, made.args = template, args
        return made


msg = Message  # the marker tests/test_i18n.py looks for, as in: msg(<French template>, name=value)


class FieldProblem(ValueError):
    """A validator's refusal naming its form ``field`` (its own name, e.g. ``to``), with
    a :class:`Message`; pydantic keeps it in the error's context, so that forms show
    the message beside the field (outreach.data.editing)."""

    def __init__(self, field: str, message: Message) -> None:
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")
