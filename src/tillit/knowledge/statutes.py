"""Swedish statutes (SFS): one chunk per paragraf, heading path title › kapitel › rubrik › "N §".

Two shapes are recognised:

* plain text as published (hard-wrapped lines, blank lines between stycken): "AVDELNING I. …",
  "1 kap. Rubrik", short rubrik lines, and stycken starting "N §" / "N a §";
* Markdown with explicit headings: "## Rubrik", "### N §" (a kapitel heading reads "1 kap. …").

A paragraf runs until the next paragraf, rubrik, kapitel or avdelning, so no chunk crosses a
kapitel boundary. A paragraf longer than ``SPLIT_FACTOR`` × target words is split like any other
text; its first chunk starts with the "N §" marker. Text outside paragrafer (the preamble,
transitional provisions) is packed normally under its headings.
"""

from __future__ import annotations

import re

from tillit.knowledge import packing
from tillit.knowledge.documents import Block, ChunkDraft, SourceDocument

PARAGRAF = re.compile(r"^(\d+)((?: [a-z])?) §(?=\s|$)")
_PARAGRAF_HEADING = re.compile(r"^\d+(?: [a-z])? §$")
KAPITEL = re.compile(r"^\d+(?: [a-z])? kap\.(?:\s|$)")
_AVDELNING = re.compile(r"^avdelning\s+[ivxlcdm]+\b", re.IGNORECASE)
_TOP = re.compile(r"^(ikraftträdande- och )?övergångsbestämmelser$", re.IGNORECASE)
_SFS_NUMBER = re.compile(r"^\d{4}:\d+$")
_TITLE_NUMBER = re.compile(r"\(\d{4}:\d+\)")
_ANNOTATION = re.compile(r"^/Rubriken[^/]*/\s*")
_LIST_START = re.compile(r"^(?:[-*•–]|\d{1,3}[.)]|[a-zåäö]\))\s")
SPLIT_FACTOR = 3
_STRUCTURE = {"avdelning", "kapitel", "top", "rubrik", "paragraf"}


def is_statute(doc: SourceDocument) -> bool:
    """At least three paragraf starts, plus kapitel lines, "N §" headings or an SFS number."""
    starts, headings, kapitel = 0, 0, 0
    for block in doc.blocks:
        if block.kind == "heading" and _PARAGRAF_HEADING.match(block.text):
            headings += 1
        elif block.kind == "paragraph" and PARAGRAF.match(block.text):
            starts += 1
        elif KAPITEL.match(block.text) and len(block.text.split()) <= 20:
            kapitel += 1
    numbered = bool(_TITLE_NUMBER.search(doc.title or ""))
    return headings >= 3 or (starts >= 3 and (kapitel > 0 or numbered))


def chunk_statute(doc: SourceDocument, target: int, overlap: int) -> list[ChunkDraft]:
    chunker = _Chunker(doc, target, overlap)
    for block, kind in zip(doc.blocks, classify(doc), strict=True):
        chunker.add(block, kind)
    chunker.flush()
    return chunker.drafts


def classify(doc: SourceDocument) -> list[str]:
    """Each block's role: skip (title), avdelning, kapitel, top, rubrik, paragraf or content."""
    explicit = any(b.kind == "heading" and _PARAGRAF_HEADING.match(b.text) for b in doc.blocks)
    kinds = [_kind(b, explicit, doc.title or "") for b in doc.blocks]
    following = "paragraf"
    for i in range(len(kinds) - 1, -1, -1):  # a plain-text rubrik must lead to a paragraf
        if kinds[i] == "rubrik?":
            kinds[i] = "rubrik" if following in _STRUCTURE else "content"
        following = kinds[i]
    return _check_numbering(doc.blocks, kinds)


def _kind(block: Block, explicit: bool, title: str) -> str:
    text = block.text
    if block.kind == "heading" and block.level <= 1 and (text == title or title.startswith(text)):
        return "skip"
    if block.kind not in ("heading", "paragraph"):
        return "content"
    if _AVDELNING.match(text) and (block.kind == "heading" or text.isupper()):
        return "avdelning"
    if KAPITEL.match(text) and len(text.split()) <= 20 and not text.endswith((":", ",", ";")):
        return "kapitel"
    if _TOP.match(text):
        return "top"
    if block.kind == "heading":
        return "paragraf" if _PARAGRAF_HEADING.match(text) else "rubrik"
    if explicit:
        return "content"
    if PARAGRAF.match(text):
        return "paragraf"
    if _ANNOTATION.match(text) or _SFS_NUMBER.match(text):
        return "rubrik"
    return "rubrik?" if _heading_like(text) else "content"


def _heading_like(text: str) -> bool:
    return (
        len(text.split()) <= 15
        and text[:1].isupper()
        and not text.endswith((".", ":", ";", ","))
        and not _LIST_START.match(text)
    )


def _check_numbering(blocks: list[Block], kinds: list[str]) -> list[str]:
    """In plain text a stycke may start with a reference ("3 § gäller inte …"): a paragraf
    start whose number is lower than the previous one in the same kapitel is content."""
    last = 0
    for i, kind in enumerate(kinds):
        if kind in ("kapitel", "avdelning", "top"):
            last = 0
        elif kind == "paragraf" and blocks[i].kind == "paragraph":
            number = int(PARAGRAF.match(blocks[i].text).group(1))  # type: ignore[union-attr]
            if number < last:
                kinds[i] = "content"
            else:
                last = number
    return kinds


class _Chunker:
    def __init__(self, doc: SourceDocument, target: int, overlap: int) -> None:
        self.title = " ".join((doc.title or doc.key).split())
        self.target, self.overlap = target, overlap
        self.kapitel: str | None = None
        self.rubriker: list[str] = []
        self.after_rubrik = False
        self.label: str | None = None
        self.marker_pending = False
        self.pending: list[Block] = []
        self.drafts: list[ChunkDraft] = []

    def add(self, block: Block, kind: str) -> None:
        if kind == "skip":
            return
        if kind == "content":
            self._content(block)
            return
        self.flush()
        text = " ".join(block.text.split())
        if kind == "rubrik":  # a rubrik right after another one is a sub-rubrik of it
            rubrik = _ANNOTATION.sub("", text) or text
            self.rubriker = [*self.rubriker, rubrik] if self.after_rubrik else [rubrik]
            self.after_rubrik = True
            return
        self.after_rubrik = False
        if kind == "avdelning":
            self.kapitel, self.rubriker = None, []
        elif kind in ("kapitel", "top"):
            self.kapitel, self.rubriker = text, []
        elif block.kind == "heading":  # "### 2 §": the marker goes before the first stycke
            self.label, self.marker_pending = text, True
        else:
            match = PARAGRAF.match(text)
            assert match is not None
            self.label = f"{match.group(1)}{match.group(2)} §"
            self.pending.append(block)

    def _content(self, block: Block) -> None:
        self.after_rubrik = False
        if self.marker_pending:
            block = Block(block.kind, f"{self.label} {block.text}", block.level)
            self.marker_pending = False
        self.pending.append(block)

    def path(self) -> list[str]:
        parts = [self.title, self.kapitel, *self.rubriker, self.label]
        return [p for p in parts if p]

    def flush(self) -> None:
        if self.pending:
            for text in self._texts():
                self.drafts.append(ChunkDraft(len(self.drafts), text, self.path()))
        self.pending, self.label, self.marker_pending = [], None, False

    def _texts(self) -> list[str]:
        limit = self.target * 3 // 2
        if self.label:
            limit = self.target * SPLIT_FACTOR
            found = packing.units(self.pending, limit, self.overlap, limit)
            if sum(u.words for u in found) <= limit:
                return [packing.join(found)] if found else []
        found = packing.units(self.pending, self.target, self.overlap, self.target * 3 // 2)
        return packing.pack(found, self.target, self.overlap, limit)
