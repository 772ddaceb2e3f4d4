"""A report's text as HTML with each passage that has a sign marked by type.

Colour is never the only cue: every marked passage carries its label names in text, and a
passage number that the review list below the text refers to.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from tillit.concern.labels import LABEL_NAMES


def shown_labels(passage: dict[str, Any]) -> list[str]:
    """The caseworker's decision when there is one, else the tool's suggestion."""
    return passage["reviewed"] if passage["reviewed"] is not None else passage["suggested"]


def highlight_passages(text: str, passages: list[dict[str, Any]]) -> Markup:
    parts: list[str] = []
    position = 0
    for number, passage in enumerate(passages, start=1):
        start, end = passage["start"], passage["end"]
        parts.append(str(escape(text[position:start])))
        labels = shown_labels(passage)
        body = str(escape(text[start:end]))
        if labels:
            names = ", ".join(LABEL_NAMES[label] for label in labels)
            state = "förslag" if passage["reviewed"] is None else "bekräftat"
            classes = " ".join(f"sign-{label}" for label in labels)
            body = (
                f'<mark class="sign {classes}" id="text-{number}">'
                f'<span class="sign-tag">[{number}] {escape(names)} ({state})</span> {body}</mark>'
            )
        parts.append(body)
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped
