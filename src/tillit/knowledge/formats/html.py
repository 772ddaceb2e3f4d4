"""HTML → blocks with lxml: the page's main content, without navigation and site chrome.

The content root is ``<main>`` (or ``role="main"``, or the page's only ``<article>``), else
``<body>`` without its ``<header>`` and ``<footer>``. Scripts, styles, navigation, asides and
forms' controls are dropped, and so is all text a browser would not render: it could be an
instruction hidden from readers for the model (prompt injection), and a citation must quote what
a resident can find on the page. h1–h6 become headings, p paragraphs, li list items, table rows
"cell | cell", pre preformatted text; loose text in containers becomes paragraphs.

Not rendered, so dropped: elements the browser's own style sheet hides (``template``,
``noscript`` — scripting is on in a resident's browser —, ``title``, ``datalist``, ``rp`` …),
the ``hidden`` attribute (any value, ``until-found`` too), and an inline ``style`` with
``display: none``, ``content-visibility: hidden`` or ``visibility: hidden|collapse``. The style is
read declaration by declaration (any case and spacing, comments, ``!important``, CSS escapes);
one hiding declaration is enough, whatever follows it (a browser would skip a later invalid one,
and we do not judge validity). ``visibility`` is inherited and a descendant may set it back to
``visible``, so it blanks the element's own text, not its subtree. Kept: ``aria-hidden`` (it
hides from screen readers, not from the eye) and ``<details>`` (its reader can open it). Style
sheets and classes are not evaluated.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import EMPTY, Extracted, ExtractError, clean
from tillit.knowledge.formats.text import decode_text

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_DROP = frozenset((
    "script", "style", "noscript", "template", "svg", "math", "nav", "aside", "iframe", "object",
    "embed", "canvas", "button", "select", "textarea", "input", "dialog", "menu",
    "title", "datalist", "noembed", "noframes", "rp",  # display: none in a browser's own sheet
))  # fmt: skip
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menubar"}
_CONTAINERS = {
    "body", "div", "section", "article", "main", "header", "footer", "blockquote", "form",
    "fieldset", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "address",
    "center", "hgroup", "li", "td", "th", "legend", "search", "tbody", "thead", "tfoot", "tr",
}  # fmt: skip
_BLOCK_TAGS = _CONTAINERS | set(_HEADINGS) | {"p", "ul", "ol", "table", "pre", "hr", "caption"}
_MAX_DEPTH = 200
"""Nesting the walk follows (containers, lists, tables); deeper, an element is one paragraph.
Nested lists had no limit: 500 levels exhausted Python's stack (RecursionError, page lost)."""
MAX_ELEMENTS = 1_000_000
"""Start tags in one page. A long real page (a whole statute) has about 100,000; lxml and the
walk take ~400 bytes of memory an element however short it is written (19 MB of "<li>a"
took 1.9 GB and 37 s), so they are counted before parsing, as for DOCX."""
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_PARSER = lxml_html.HTMLParser(huge_tree=True)  # nesting up to 2048 levels; input is size-capped
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)
_IMPORTANT = re.compile(r"!\s*important\s*$")
_HIDING = {("display", "none"), ("content-visibility", "hidden")}
_INVISIBLE = {"hidden", "collapse"}
_VISIBLE = {"visible", "initial"}
_LEGACY = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1"}


def decode_html(data: bytes, charset: str | None = None) -> str:
    declared = charset
    if not declared:
        found = _META_CHARSET.search(data[:4096])
        declared = found.group(1).decode("ascii", "replace") if found else None
    if declared and declared.lower() in _LEGACY:
        declared = "cp1252"  # as browsers do (WHATWG encoding standard)
    return decode_text(data, declared)


def parse_html(data: bytes, charset: str | None = None) -> lxml_html.HtmlElement:
    if data.count(b"<") - data.count(b"</") > MAX_ELEMENTS:  # UTF-16's "<" holds b"<" too
        raise ExtractError(f"för stor: över {MAX_ELEMENTS:,} HTML-element".replace(",", " "))
    text = _XML_DECLARATION.sub("", decode_html(data, charset), count=1)
    if not text.strip():
        raise ExtractError(EMPTY)
    try:
        return lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"trasig HTML: {exc}") from exc


def extract_html(data: bytes, charset: str | None = None) -> Extracted:
    return html_document(parse_html(data, charset))


def fragment_blocks(text: str) -> list[Block]:
    """Blocks from an HTML fragment (a Markdown HTML block, a REST field holding HTML)."""
    try:
        root = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    _remove_noise(root)
    walker = _Walker()
    walker.walk(root, 0)
    return walker.blocks


def html_document(tree: lxml_html.HtmlElement) -> Extracted:
    """Blocks, title and metadata of a parsed page. Changes ``tree`` (removes noise)."""
    metadata = _metadata(tree)
    _remove_noise(tree)
    body = tree.find("body")
    root, whole_body = _content_root(body if body is not None else tree)
    if whole_body:
        for element in list(root.iter("header", "footer")):
            element.drop_tree()
    walker = _Walker()
    walker.walk(root, 0)
    title = next((b.text for b in walker.blocks if b.kind == "heading" and b.level == 1), None)
    title = title or metadata.pop("og_title", None) or metadata.get("html_title")
    metadata.pop("og_title", None)
    return Extracted(blocks=walker.blocks, title=title, metadata=metadata, media_type="text/html")


def _metadata(tree: lxml_html.HtmlElement) -> dict[str, str]:
    metadata: dict[str, str] = {}
    title = tree.find(".//title")
    if title is not None and clean(title.text_content()):
        metadata["html_title"] = clean(title.text_content())
    names = {
        "author": "author", "dcterms.creator": "author", "dc.creator": "author",
        "description": "description", "robots": "robots", "og:title": "og_title",
        "article:modified_time": "modified", "dcterms.modified": "modified",
        "dc.date.modified": "modified", "last-modified": "modified",
    }  # fmt: skip
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = clean(meta.get("content") or "")
        if name in names and content:
            metadata.setdefault(names[name], content)
    lang = tree.get("lang")
    if lang:
        metadata["language"] = lang.strip()
    return metadata


def _remove_noise(tree: lxml_html.HtmlElement) -> None:
    """Drop chrome and everything not rendered, in one walk (linear in the page's elements)."""
    doomed = list(tree.iter(etree.Comment, etree.ProcessingInstruction))
    invisible = [False]  # the inherited visibility, one entry per open element
    walk = etree.iterwalk(tree, events=("start", "end"))
    for event, element in walk:
        if event == "end":
            invisible.pop()
            continue
        style = _declarations(element.get("style"))
        if element.tag in _DROP or _not_rendered(element, style):
            doomed.append(element)
            walk.skip_subtree()  # still ends: its entry is popped
        invisible.append(_invisible(style, invisible[-1]))
        if invisible[-1]:
            element.text = None
            for child in element:
                child.tail = None  # text between the children is the element's own
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
        elif element is tree:  # the root itself is hidden: nothing of it is shown
            tree.clear(keep_tail=True)


def _not_rendered(element: lxml_html.HtmlElement, style: list[tuple[str, str]]) -> bool:
    attrib = element.attrib
    if not attrib:
        return False
    if "hidden" in attrib or attrib.get("role") in _DROP_ROLES:
        return True
    return any(declaration in _HIDING for declaration in style)


def _invisible(style: list[tuple[str, str]], inherited: bool) -> bool:
    """Whether an element's own text is invisible: ``visibility`` is inherited, and an element
    may make its text visible again inside an invisible one."""
    if not style:
        return inherited
    values = {value for name, value in style if name == "visibility"}
    if values & _INVISIBLE:
        return True
    return False if values & _VISIBLE else inherited


def _declarations(style: str | None) -> list[tuple[str, str]]:
    """An inline style's declarations as (property, value), lower case, without comments,
    escapes and ``!important``."""
    if not style:
        return []
    found = []
    for declaration in _CSS_COMMENT.sub(" ", style).split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            value = _IMPORTANT.sub("", _css_unescape(value).strip().lower())
            found.append((_css_unescape(name).strip().lower(), value.strip()))
    return found


def _css_unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _CSS_ESCAPE.sub(_css_character, text)


def _css_character(match: re.Match[str]) -> str:
    if match.group(1) is None:
        return match.group(2)
    code = int(match.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _content_root(body: lxml_html.HtmlElement) -> tuple[lxml_html.HtmlElement, bool]:
    for path in (".//main", ".//*[@role='main']"):
        found = body.xpath(path)
        if found:
            return found[0], False
    articles = body.xpath(".//article")
    if len(articles) == 1:
        return articles[0], False
    return body, True


def element_text(element: lxml_html.HtmlElement) -> str:
    """Text content with a space at block boundaries ("<p>a</p><p>b</p>" → "a b")."""
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        block = node.tag in _BLOCK_TAGS or node.tag == "br"
        if event == "start":
            parts.append(" " if block else "")
            parts.append(node.text or "")
        else:
            parts.append(" " if block else "")
            if node is not element:
                parts.append(node.tail or "")
    return clean("".join(parts))


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def walk(self, element: lxml_html.HtmlElement, depth: int) -> None:
        inline: list[str] = [element.text or ""]
        for child in element:
            if self._is_block(child):
                self._flush(inline)
                self._block(child, depth)
            else:
                inline.append(element_text(child) if child.tag != "br" else " ")
            inline.append(child.tail or "")
        self._flush(inline)

    @staticmethod
    def _is_block(child: lxml_html.HtmlElement) -> bool:
        if child.tag in _BLOCK_TAGS:
            return True
        return next(child.iterdescendants(*_BLOCK_TAGS), None) is not None

    def _flush(self, inline: list[str]) -> None:
        text = clean("".join(inline))
        inline.clear()
        if text:
            self.blocks.append(Block("paragraph", text))

    def _block(self, element: lxml_html.HtmlElement, depth: int) -> None:
        tag = element.tag
        if tag in _HEADINGS:
            self._add("heading", element_text(element), _HEADINGS[tag])
        elif tag in ("p", "caption"):
            self._add("paragraph", element_text(element))
        elif tag == "pre":
            text = "\n".join(line.rstrip() for line in element.text_content().splitlines())
            self._add("preformatted", text.strip("\n"))
        elif tag == "hr":
            return
        elif depth >= _MAX_DEPTH:  # lists and tables too: each level is a Python call
            self._add("paragraph", element_text(element))
        elif tag in ("ul", "ol"):
            self._list(element, depth)
        elif tag == "table":
            self._table(element, depth)
        else:
            self.walk(element, depth + 1)

    def _add(self, kind: str, text: str, level: int = 0) -> None:
        if text.strip():
            self.blocks.append(Block(kind, text, level))  # type: ignore[arg-type]

    def _list(self, element: lxml_html.HtmlElement, depth: int) -> None:
        ordered = element.tag == "ol"
        number = _int(element.get("start"), 1)
        for item in element.iterchildren("li"):
            parts, nested = [item.text or ""], []
            for child in item:
                if child.tag in ("ul", "ol", "table"):
                    nested.append(child)
                elif self._is_block(child):
                    parts.append(f" {element_text(child)} ")
                else:
                    parts.append(element_text(child))
                parts.append(child.tail or "")
            text = clean("".join(parts))
            if text:
                self.blocks.append(
                    Block("list_item", f"{number}. {text}" if ordered else f"- {text}")
                )
                number += 1
            for child in nested:
                self._block(child, depth + 1)

    def _table(self, element: lxml_html.HtmlElement, depth: int) -> None:
        layout = next(element.iterdescendants("table", *_HEADINGS), None) is not None
        if layout:
            self.walk(element, depth + 1)
            return
        caption = element.find("caption")
        if caption is not None:
            self._add("paragraph", element_text(caption))
        rows = []
        for row in element.iter("tr"):
            cells = [element_text(cell) for cell in row if cell.tag in ("td", "th")]
            if any(cells):
                rows.append(" | ".join(cells))
        self._add("table", "\n".join(rows))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default
