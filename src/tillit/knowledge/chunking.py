"""Documents → chunks that respect structure, each with its heading path for citations.

Blocks under the same heading path are packed into chunks of about ``target_words`` words
(see ``packing``); a chunk never spans a heading change. The heading path starts with the
document's title, followed by the enclosing headings (a heading that repeats the title is left
out). Swedish statutes are chunked one paragraf per chunk instead (see ``statutes``).
"""

from __future__ import annotations

from collections.abc import Iterator

from tillit.knowledge import packing, statutes
from tillit.knowledge.documents import Block, ChunkDraft, SourceDocument

MAX_HEADING_CHARS = 200


def chunk_document(
    doc: SourceDocument, target_words: int = 150, overlap_words: int = 40
) -> list[ChunkDraft]:
    if target_words < 10:
        raise ValueError("target_words must be at least 10")
    overlap = max(0, min(overlap_words, target_words // 2))
    if statutes.is_statute(doc):
        return statutes.chunk_statute(doc, target_words, overlap)
    drafts: list[ChunkDraft] = []
    limit = target_words * 3 // 2
    for path, blocks in sections(doc):
        found = packing.units(blocks, target_words, overlap, limit)
        for text in packing.pack(found, target_words, overlap, limit):
            drafts.append(ChunkDraft(len(drafts), text, list(path)))
    if not drafts and doc.blocks:
        headings = "\n".join(b.text for b in doc.blocks)
        drafts.append(ChunkDraft(0, headings, [title_of(doc)]))
    return drafts


def title_of(doc: SourceDocument) -> str:
    return " ".join((doc.title or doc.key).split())[:MAX_HEADING_CHARS]


def repeats_title(heading: str, title: str) -> bool:
    """ "Förvaltningslag" repeats the title "Förvaltningslag (2017:900)"."""
    return heading == title or title.startswith(heading + " (")


def sections(doc: SourceDocument) -> Iterator[tuple[list[str], list[Block]]]:
    """(heading path, content blocks) for each run of blocks between headings."""
    title = title_of(doc)
    stack: list[tuple[int, str]] = []
    current: list[Block] = []
    for block in doc.blocks:
        if block.kind != "heading":
            current.append(block)
            continue
        if current:
            yield [title, *(text for _, text in stack)], current
            current = []
        text = " ".join(block.text.split())[:MAX_HEADING_CHARS]
        if not stack and repeats_title(text, title):
            continue
        level = max(block.level, 1)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
    if current:
        yield [title, *(text for _, text in stack)], current
