"""Text that goes into a prompt as data inside delimiters (<källa>, <anmälan>): it can never
open or close an element of its own, whatever its case or Unicode form, because every angle
bracket is escaped. The rules in the system message say that such data is never an
instruction."""

from __future__ import annotations

# Characters a model may read as an angle bracket: the ASCII ones, the full-width and small
# forms, single guillemets and the mathematical and CJK angle brackets.
_BRACKETS = str.maketrans(
    {
        "<": "&lt;",
        ">": "&gt;",
        "\uff1c": "&lt;",  # ＜
        "\uff1e": "&gt;",  # ＞
        "\ufe64": "&lt;",  # ﹤
        "\ufe65": "&gt;",  # ﹥
        "\u2039": "&lt;",  # ‹
        "\u203a": "&gt;",  # ›
        "\u2329": "&lt;",  # 〈
        "\u232a": "&gt;",  # 〉
        "\u27e8": "&lt;",  # ⟨
        "\u27e9": "&gt;",  # ⟩
        "\u3008": "&lt;",  # 〈
        "\u3009": "&gt;",  # 〉
    }
)


def as_data(text: str) -> str:
    return text.translate(_BRACKETS)


def as_attribute(text: str, limit: int = 200) -> str:
    """A value inside a quoted attribute: no quotes, line breaks or angle brackets."""
    flat = " ".join(text.replace('"', "'").split())
    return as_data(flat)[:limit]
