"""Markdown → blocks with markdown-it-py (CommonMark + tables), YAML front matter → metadata.

The title is the front matter's ``title``/``titel``/``rubrik`` (with ``beteckning`` appended for
statutes: "Förvaltningslag (2017:900)"), else the first level-1 heading. Links keep their text.

Front matter is read without YAML aliases: ``*name`` repeats what ``&name`` marks, so a few
hundred bytes can expand to gigabytes ("billion laughs"). Front matter that uses them is
ignored and left out of the text, with a note in the metadata; the body is read as usual.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import Extracted, clean
from tillit.knowledge.formats.html import fragment_blocks
from tillit.knowledge.formats.text import decode_text, normalise_newlines

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_PARSER = MarkdownIt("commonmark").enable("table")
MAX_FRONT_MATTER = 64 * 1024  # characters; real front matter is a few lines
ALIASES_IGNORED = "ignorerad: använder YAML-alias (*namn), som inte stöds"


class _AliasFound(Exception):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, but an alias stops the loading before anything is expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound
        return super().compose_node(parent, index)


def extract_markdown(data: bytes, charset: str | None = None) -> Extracted:
    text = normalise_newlines(decode_text(data, charset))
    metadata, body = front_matter(text)
    blocks = markdown_blocks(body)
    title = _title(metadata) or next(
        (b.text for b in blocks if b.kind == "heading" and b.level == 1), None
    )
    return Extracted(blocks=blocks, title=title, metadata=metadata, media_type="text/markdown")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split YAML front matter off. Invalid YAML, and a block too long to be front matter, is
    left in the text as it was; front matter with aliases is dropped (see the module)."""
    match = _FRONT_MATTER.match(text)
    if not match or len(match.group(1) or "") > MAX_FRONT_MATTER:
        return {}, text
    try:
        loaded = yaml.load(match.group(1) or "", Loader=_NoAliasLoader)  # noqa: S506 (safe)
    except _AliasFound:
        return {"front_matter": ALIASES_IGNORED}, text[match.end() :]
    except (yaml.YAMLError, RecursionError):  # deep nesting exhausts the Python loader's stack
        return {}, text
    if not isinstance(loaded, dict):
        return {}, text
    metadata = {str(k): _scalar(v) for k, v in loaded.items() if v is not None}
    return metadata, text[match.end() :]


def _scalar(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(v) for v in value)
    return str(value)


def _title(metadata: dict[str, str]) -> str | None:
    title = metadata.get("title") or metadata.get("titel") or metadata.get("rubrik")
    if not title:
        return None
    number = metadata.get("beteckning")
    if number and number not in title:
        return f"{title} ({number})"
    return title


def markdown_blocks(text: str) -> list[Block]:
    state = _State()
    for token in _PARSER.parse(text):
        handler = _HANDLERS.get(token.type)
        if handler:
            handler(state, token)
    return state.blocks


class _State:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.heading = 0
        self.items: list[list[str]] = []
        self.rows: list[str] | None = None
        self.cells: list[str] = []

    def add(self, kind: str, text: str, level: int = 0) -> None:
        if text.strip():
            self.blocks.append(Block(kind, text, level))  # type: ignore[arg-type]

    def flush_item(self) -> None:
        """Emit the open list item's text so far (before a nested list, or at its end)."""
        if self.items and len(self.items[-1]) > 1:
            marker, *parts = self.items[-1]
            self.add("list_item", f"{marker} {' '.join(parts)}")
            self.items[-1] = [marker]


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return clean("".join(parts))


def _on_heading(state: _State, token: Token) -> None:
    state.heading = int(token.tag[1])


def _on_inline(state: _State, token: Token) -> None:
    text = _inline_text(token)
    if state.heading:
        state.add("heading", text, state.heading)
        state.heading = 0
    elif state.rows is not None:
        state.cells.append(text)
    elif state.items:
        if text:
            state.items[-1].append(text)
    else:
        state.add("paragraph", text)


def _on_item_open(state: _State, token: Token) -> None:
    state.flush_item()
    marker = f"{token.info}{token.markup}" if token.info else "-"
    state.items.append([marker])


def _on_item_close(state: _State, _token: Token) -> None:
    state.flush_item()
    state.items.pop()


def _on_table_open(state: _State, _token: Token) -> None:
    state.rows = []


def _on_row_close(state: _State, _token: Token) -> None:
    if state.rows is not None and any(state.cells):
        state.rows.append(" | ".join(state.cells))
    state.cells = []


def _on_table_close(state: _State, _token: Token) -> None:
    state.add("table", "\n".join(state.rows or []))
    state.rows = None


def _on_code(state: _State, token: Token) -> None:
    state.add("preformatted", token.content.rstrip("\n"))


def _on_html(state: _State, token: Token) -> None:
    state.blocks.extend(fragment_blocks(token.content))


_HANDLERS = {
    "heading_open": _on_heading,
    "inline": _on_inline,
    "list_item_open": _on_item_open,
    "list_item_close": _on_item_close,
    "table_open": _on_table_open,
    "tr_close": _on_row_close,
    "table_close": _on_table_close,
    "fence": _on_code,
    "code_block": _on_code,
    "html_block": _on_html,
}
