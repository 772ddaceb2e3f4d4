"""A generic JSON source: a REST endpoint (with "next"-link pagination) or a local .json/.jsonl
file. Each item becomes a document keyed by its id field.

Field names may be dotted paths ("meta.updated"). ``text_field`` may name several fields; the
first non-empty one is used. Text holding HTML tags is read as HTML, otherwise as plain text
(blank lines separate paragraphs). The items are found at ``items_path`` in each response (or
the response itself when it is a list); the next page's URL at ``next_field``, else in a
``Link: <…>; rel="next"`` header. A failing page raises ``SourceUnavailable`` after the items
already read, so the ingest keeps documents it did not see this time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from tillit.knowledge.connectors.base import SourceUnavailable
from tillit.knowledge.connectors.web_fetch import read_at_most
from tillit.knowledge.documents import Skipped, SourceDocument, is_web_address, shown_source
from tillit.knowledge.extract import DEFAULT_MAX_BYTES, EMPTY, check_size
from tillit.knowledge.formats import ExtractError
from tillit.knowledge.formats.html import fragment_blocks
from tillit.knowledge.formats.text import paragraph_blocks

MAX_PAGES = 1000
MAX_RESPONSE_BYTES = 100 * 1024 * 1024
_HTML_TAG = re.compile(r"<(p|div|h[1-6]|ul|ol|li|br|table|tr|span|a|strong|em|b|i|section)\b", re.I)


class RestConnector:
    def __init__(
        self,
        url: str,
        items_path: str | None = "items",
        id_field: str = "id",
        title_field: str = "title",
        text_field: str | list[str] | tuple[str, ...] = ("text", "body", "content"),
        url_field: str | None = None,
        owner_field: str | None = None,
        updated_field: str | None = None,
        headers: dict[str, str] | None = None,
        next_field: str | None = None,
        max_items: int = 10_000,
        timeout_s: float = 30,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.url = url
        self.items_path, self.id_field, self.title_field = items_path, id_field, title_field
        self.text_fields = [text_field] if isinstance(text_field, str) else list(text_field)
        self.url_field, self.owner_field, self.updated_field = url_field, owner_field, updated_field
        self.headers, self.next_field = headers or {}, next_field
        self.max_items, self.timeout_s, self.max_bytes = max_items, timeout_s, max_bytes
        self.complete = True

    @property
    def is_remote(self) -> bool:
        return is_web_address(self.url)

    def documents(self) -> Iterator[SourceDocument | Skipped]:
        seen: set[str] = set()
        for index, item in enumerate(self._items()):
            if index >= self.max_items:
                self.complete = False
                return
            yield self._document(index, item, seen)

    def _items(self) -> Iterator[Any]:
        if not self.is_remote:
            yield from self._file_items(Path(self.url))
            return
        with httpx.Client(headers=self.headers, timeout=self.timeout_s) as client:
            url: str | None = self.url
            visited: set[str] = set()
            while url and url not in visited and len(visited) < MAX_PAGES:
                visited.add(url)
                payload, response = self._get(client, url)
                yield from self._items_in(payload, url)
                url = self._next(payload, response, url)

    def _get(self, client: httpx.Client, url: str) -> tuple[Any, httpx.Response]:
        """The page's JSON. The body is read as it comes and refused once it passes
        MAX_RESPONSE_BYTES, so an answer that never ends cannot fill the memory."""
        shown = shown_source(url)  # a later page keeps the first address's user name and password
        try:
            with client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise SourceUnavailable(f"{shown} svarade HTTP {response.status_code}")
                body, longer = read_at_most(response, MAX_RESPONSE_BYTES)
                if longer:
                    raise SourceUnavailable(f"{shown}: svaret är för stort")
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"{shown} kunde inte nås: {type(exc).__name__}") from exc
        try:
            return json.loads(body), response
        except ValueError as exc:
            raise SourceUnavailable(f"{shown} svarade inte med JSON") from exc

    def _next(self, payload: Any, response: httpx.Response, url: str) -> str | None:
        target = field(payload, self.next_field) if self.next_field else None
        if not target:
            target = response.links.get("next", {}).get("url")
        return urljoin(url, str(target)) if target else None

    def _items_in(self, payload: Any, source: str) -> list[Any]:
        if isinstance(payload, list):
            return payload
        items = field(payload, self.items_path) if self.items_path else None
        if not isinstance(items, list):
            where = shown_source(source)
            raise SourceUnavailable(f"{where}: svaret saknar listan '{self.items_path}'")
        return items

    def _file_items(self, path: Path) -> Iterator[Any]:
        if not path.is_file():
            raise SourceUnavailable(f"Finns inte: {path}", code="path_not_found")
        if path.stat().st_size > MAX_RESPONSE_BYTES:
            raise SourceUnavailable(f"{path}: filen är för stor")
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        if path.suffix.lower() == ".jsonl":
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    yield _json_line(line, number)
            return
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise SourceUnavailable(f"{path}: ogiltig JSON ({exc})") from exc
        yield from self._items_in(payload, str(path))

    def _document(self, index: int, item: Any, seen: set[str]) -> SourceDocument | Skipped:
        if isinstance(item, _BadLine):
            return Skipped(f"#{index + 1}", f"{self.url}#rad-{item.number}", item.reason)
        if not isinstance(item, dict):
            return Skipped(f"#{index + 1}", self.url, "posten är inte ett JSON-objekt")
        raw_id = field(item, self.id_field)
        if raw_id is None or str(raw_id).strip() == "":
            return Skipped(f"#{index + 1}", self.url, f"posten saknar fältet '{self.id_field}'")
        key = str(raw_id).strip()
        source = _text(field(item, self.url_field)) if self.url_field else None
        source = source or f"{self.url}#{key}"
        if key in seen:  # keyed by position: the first item with this id is the document
            return Skipped(f"#{index + 1}", source, f"dubblett: id {key} förekommer flera gånger")
        seen.add(key)
        try:
            return self._build(item, key, source)
        except ExtractError as exc:
            return Skipped(key, source, exc.reason)

    def _build(self, item: dict[str, Any], key: str, source: str) -> SourceDocument:
        text = next((t for f in self.text_fields if (t := _text(field(item, f)))), "")
        check_size(len(text.encode("utf-8", "replace")), self.max_bytes)
        blocks = fragment_blocks(text) if _HTML_TAG.search(text) else paragraph_blocks(text)
        blocks = [b for b in blocks if b.text.strip()]
        if not blocks:
            raise ExtractError(EMPTY)
        title = _text(field(item, self.title_field)) or key
        metadata = {
            name: _text(value)[:500]
            for name, value in item.items()
            if isinstance(value, str | int | float | bool) and name not in self.text_fields
        }
        return SourceDocument(
            key=key,
            title=" ".join(title.split())[:500],
            source=source,
            blocks=blocks,
            owner=_text(field(item, self.owner_field)) or None,
            version=_text(field(item, self.updated_field)) or None,
            media_type="text/html" if _HTML_TAG.search(text) else "text/plain",
            metadata=metadata,
        )


class _BadLine:
    def __init__(self, number: int, reason: str) -> None:
        self.number, self.reason = number, reason


def _json_line(line: str, number: int) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return _BadLine(number, f"ogiltig JSON på rad {number}")


def field(data: Any, path: str | None) -> Any:
    """``data["a"]["b"]`` for the dotted path "a.b"; None when any step is missing."""
    if path is None:
        return None
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(_text(v) for v in value if v is not None)
    return str(value).strip()
