"""DOCX → blocks with python-docx: heading styles (English and Swedish names) → headings,
list paragraphs → list items, tables → "cell | cell" rows, in document order.

Encrypted Word files (an OLE container, not a ZIP), ZIPs that would expand to far more than
the size limit (zip bombs) and XML with more elements than a long real document has are refused
before python-docx sees them; a document with more paragraphs than that is refused before they
are read. (1.2 million one-letter paragraphs in a 155 KB file took 47 s and 860 MB.)

Text Word does not show is dropped before any is read: runs formatted hidden ("Dold",
``w:vanish``) or hidden in web view (``w:webHidden``), by their own formatting, their character
style or their paragraph's style (styles through the ones they are based on). Like hidden HTML,
it could instruct a model, and a citation must quote what a reader can find in the document.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import Extracted, ExtractError, clean

ENCRYPTED = "krypterad DOCX eller gammalt Word-format (.doc), stöds inte"
MAX_EXPANDED = 200 * 1024 * 1024  # the whole package, images included
MAX_DOCUMENT_XML = 50 * 1024 * 1024  # the text part, which is parsed (thousands of pages)
MAX_ELEMENTS = 2_000_000  # in all XML parts; Word writes ~30 bytes an element, 60 MB of XML
MAX_PARAGRAPHS = 200_000  # table cells' included; ~3,000 pages, the PDF page limit
_CHUNK = 2**20
_BEFORE_XML = b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"  # whitespace, BOMs, UTF-16/32's zero bytes
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "rubrik", "titel"}
_LIST_STYLE = re.compile(r"^(list|liststycke|punktlista|numrerad lista)", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HIDING = (f"{_W}vanish", f"{_W}webHidden")
_OFF = {"0", "false", "off"}


def extract_docx(data: bytes, _charset: str | None = None) -> Extracted:
    if data.startswith(_OLE_MAGIC):
        raise ExtractError(ENCRYPTED)
    _check_zip(data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        _check_paragraphs(document)
        _drop_hidden_runs(document)
        blocks, title = _blocks(document)
        metadata = _metadata(document)
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(f"trasig DOCX: {type(exc).__name__}") from exc
    first_heading = next((b.text for b in blocks if b.kind == "heading"), None)
    title = title or metadata.pop("title", None) or first_heading
    metadata.pop("title", None)
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return Extracted(blocks=blocks, title=title, metadata=metadata, media_type=media_type)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractError("trasig DOCX: inte en giltig ZIP-fil") from exc
    with archive:
        infos = archive.infolist()
        _check_sizes(infos)
        _check_elements(archive, infos)


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    body = next((info for info in infos if info.filename == "word/document.xml"), None)
    if body is None:
        raise ExtractError("trasig DOCX: word/document.xml saknas")
    expanded = sum(info.file_size for info in infos)
    if expanded > MAX_EXPANDED:
        raise ExtractError(f"för stor: packas upp till {expanded // 2**20} MB")
    if body.file_size > MAX_DOCUMENT_XML:
        raise ExtractError(
            f"för stor: texten packas upp till {body.file_size // 2**20} MB "
            f"(gränsen är {MAX_DOCUMENT_XML // 2**20} MB)"
        )


def _check_elements(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """python-docx parses XML parts whole, ~200 bytes of memory an element however short it is
    written, so the elements of every part that is XML (whatever its name: [Content_Types].xml
    decides what python-docx parses) are counted first, without parsing."""
    elements = 0
    for info in infos:
        try:
            elements += _start_tags(archive, info, MAX_ELEMENTS - elements)
        except ExtractError:
            raise
        except Exception as exc:  # encrypted part, unknown compression, bad checksum
            name = info.filename[:100]
            raise ExtractError(f"trasig DOCX: {name} går inte att packa upp") from exc


def _start_tags(archive: zipfile.ZipFile, info: zipfile.ZipInfo, allowed: int) -> int:
    """Every "<" that does not start an end tag (comments and CDATA only add to it); 0 for a
    part that is not XML (an image), which python-docx could not parse anyway."""
    count = 0
    with archive.open(info) as part:
        chunk = part.read(_CHUNK)
        if not chunk.lstrip(_BEFORE_XML).startswith(b"<"):
            return 0
        while chunk:
            count += chunk.count(b"<") - chunk.count(b"</")
            if count > allowed:
                raise ExtractError(f"för stor: över {_number(MAX_ELEMENTS)} XML-element")
            chunk = part.read(_CHUNK)
    return count


def _check_paragraphs(document: object) -> None:
    body = document.element.body  # type: ignore[attr-defined]
    paragraphs = int(body.xpath("count(.//w:p)"))
    if paragraphs > MAX_PARAGRAPHS:
        raise ExtractError(
            f"för stor: {_number(paragraphs)} stycken (gränsen är {_number(MAX_PARAGRAPHS)})"
        )


def _drop_hidden_runs(document: object) -> None:
    """Removes the runs Word does not show from the body, table cells and hyperlinks included,
    so every text read afterwards (paragraphs, cells, headings) is only what a reader sees."""
    styles = _style_hiding(document)
    body = document.element.body  # type: ignore[attr-defined]
    if any(styles.values()):
        runs = body.iter(f"{_W}r")
    else:  # no style hides text: only runs with their own hiding formatting can be hidden
        runs = body.xpath(".//w:r[w:rPr/w:vanish|w:rPr/w:webHidden]")
    for run in [run for run in runs if _run_hidden(run, styles)]:
        run.getparent().remove(run)


def _run_hidden(run: Any, styles: dict[str | None, bool]) -> bool:
    """A run's own formatting decides; without one, its character style, then its paragraph's
    style (or the default paragraph style, key None)."""
    properties = run.find(f"{_W}rPr")
    own = _hides(properties)
    if own is not None:
        return own
    character = _value(properties.find(f"{_W}rStyle")) if properties is not None else None
    if character is not None and character in styles:
        return styles[character]
    paragraph = next(run.iterancestors(f"{_W}p"), None)
    if paragraph is None:
        return False
    return styles.get(_value(paragraph.find(f"{_W}pPr/{_W}pStyle")), False)


def _hides(properties: Any) -> bool | None:
    """Whether run properties (``w:rPr``) hide text: True, False, or None when they do not say."""
    if properties is None:
        return None
    toggles = [element for element in properties if element.tag in _HIDING]
    if not toggles:
        return None
    return any((_value(element) or "1").lower() not in _OFF for element in toggles)


def _value(element: Any) -> str | None:
    return element.get(f"{_W}val") if element is not None else None


def _style_hiding(document: object) -> dict[str | None, bool]:
    """Style id → whether its text is hidden, for the styles that say so themselves or through
    a style they are based on; key None: the default paragraph style's."""
    own: dict[str | None, bool | None] = {}
    based_on: dict[str | None, str | None] = {}
    default = None
    for style in document.styles.element.iter(f"{_W}style"):  # type: ignore[attr-defined]
        style_id = style.get(f"{_W}styleId")
        if style_id is None:  # no paragraph or run can name it
            continue
        own[style_id] = _hides(style.find(f"{_W}rPr"))
        based_on[style_id] = _value(style.find(f"{_W}basedOn"))
        if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true"):
            default = style_id
    decided = {style_id: _inherited(style_id, own, based_on) for style_id in own}
    hiding = {style_id: value for style_id, value in decided.items() if value is not None}
    if default in hiding:
        hiding[None] = hiding[default]
    return hiding


def _inherited(
    style_id: str | None, own: dict[str | None, bool | None], based_on: dict[str | None, str | None]
) -> bool | None:
    """The first say along the ``basedOn`` chain (at most as many steps as there are styles, so
    a cycle ends)."""
    current = style_id
    for _ in range(len(own)):
        if current not in own:
            return None
        if own[current] is not None:
            return own[current]
        current = based_on[current]
    return None


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _style_names(document: object) -> tuple[dict[str, str], str]:
    """Style id → name, and the default paragraph style's name, read once. (python-docx's
    ``paragraph.style`` scans every style for each paragraph: 0.8 ms a paragraph, so a
    document of small paragraphs took hours.)"""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles  # type: ignore[attr-defined]
    names = {style.style_id: style.name or "" for style in styles}
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return names, (default.name or "") if default is not None else ""


def _blocks(document: object) -> tuple[list[Block], str | None]:
    from docx.table import Table

    blocks: list[Block] = []
    title = None
    names, default = _style_names(document)
    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            text = _table_text(item)
            if text:
                blocks.append(Block("table", text))
            continue
        style_id = item._p.style  # type: ignore[attr-defined]
        block = _paragraph_block(item, names.get(style_id, default) if style_id else default)
        if block is None:
            continue
        if block.kind == "heading" and block.level == 0:
            title = title or block.text
            block.level = 1
        blocks.append(block)
    return blocks, title


def _paragraph_block(paragraph: object, style_name: str) -> Block | None:
    text = clean(paragraph.text)  # type: ignore[attr-defined]
    if not text:
        return None
    name = style_name.strip()
    if name.lower() in _TITLE_STYLES:
        return Block("heading", text, 0)
    heading = _HEADING_STYLE.match(name)
    if heading:
        return Block("heading", text, max(1, int(heading.group(1))))
    p_pr = paragraph._p.pPr  # type: ignore[attr-defined]
    if _LIST_STYLE.match(name) or (p_pr is not None and p_pr.numPr is not None):
        return Block("list_item", f"- {text}")
    return Block("paragraph", text)


def _table_text(table: object) -> str:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = clean(cell.text)
            if not cells or text != cells[-1]:  # merged cells repeat their text
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _metadata(document: object) -> dict[str, str]:
    props = document.core_properties  # type: ignore[attr-defined]
    metadata: dict[str, str] = {}
    if props.title:
        metadata["title"] = clean(props.title)
    if props.author:
        metadata["author"] = clean(props.author)
    if props.modified:
        metadata["modified"] = props.modified.isoformat()
    return metadata
