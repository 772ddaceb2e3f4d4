"""Text that goes into a prompt as data inside delimiters (<källa>, <anmälan>): it can never
open or close an element of its own, whatever its case or Unicode form, because every angle
bracket is escaped. The rules in the system message say that such data is never an
instruction."""

from __future__ import annotations


def as_data(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def as_attribute(text: str, limit: int = 200) -> str:
    """A value inside a quoted attribute: no quotes, line breaks or angle brackets."""
    return as_data(text.replace('"', "'").replace("\n", " "))[:limit]
