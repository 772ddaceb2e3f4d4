"""DOCX letters: a docxtpl template (shipped or the municipality's own) filled with the context.

User text only ever reaches Jinja as data: the template is the only thing compiled, rendering is
escaped (so ``<``, ``&`` cannot break the XML), sandboxed, and strict about unknown fields.
"""

from __future__ import annotations

import io
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from tillit.concern.letters.content import Context, letter_context
from tillit.concern.letters.data import LetterData, LetterDataError, LetterKind

SHIPPED_TEMPLATES = Path(__file__).parent / "templates"


def template_path(kind: LetterKind, template_dir: Path | None = None) -> Path:
    """``<template_dir>/<kind>.docx`` when a folder is given, else the shipped template."""
    path = (template_dir or SHIPPED_TEMPLATES) / f"{kind}.docx"
    if not path.is_file():
        raise LetterDataError(f"Brevmallen saknas: {path}")
    return path


def render_docx(kind: LetterKind, data: LetterData, *, template_dir: Path | None = None) -> bytes:
    context = _literal(letter_context(kind, data))
    template = DocxTemplate(template_path(kind, template_dir))
    environment = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    try:
        template.render(context, jinja_env=environment, autoescape=True)
    except TemplateError as exc:
        raise LetterDataError(f"Brevmallen för {kind} kunde inte fyllas i: {exc}") from exc
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def _literal(context: Context) -> dict[str, Markup | list[Markup]]:
    """Values escaped for XML once, here, so that they reach the document exactly as typed.

    docxtpl rewrites ``{_{``, ``}_}``, ``{_%`` and ``%_}`` in its output (its own escape for tags);
    an underscore written as a character reference cannot take part in that rewrite.
    """
    return {
        key: [_xml_text(item) for item in value] if isinstance(value, list) else _xml_text(value)
        for key, value in context.items()
    }


def _xml_text(text: str) -> Markup:
    return Markup(str(escape(text)).replace("_", "&#95;"))  # noqa: S704 - escaped just before
