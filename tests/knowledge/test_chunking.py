"""Chunking: structure-respecting packing for ordinary documents, one paragraf per chunk for
Swedish statutes (checked against the real statute files in ../shared/data/statutes)."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest

from tests.knowledge.fixtures import FORVALTNINGSLAG, SOCIALTJANSTLAG
from tillit.knowledge.chunking import chunk_document
from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.extract import extract
from tillit.knowledge.statutes import is_statute

needs_statutes = pytest.mark.skipif(
    not SOCIALTJANSTLAG.exists() or not FORVALTNINGSLAG.exists(),
    reason=f"statute files not found in {SOCIALTJANSTLAG.parent} (the ../shared checkout)",
)


def doc(*blocks: Block, title: str = "Guide") -> SourceDocument:
    return SourceDocument(key="guide", title=title, source="guide.md", blocks=list(blocks))


def H(text: str, level: int = 1) -> Block:
    return Block("heading", text, level)


def P(text: str) -> Block:
    return Block("paragraph", text)


def sentence(n: int, words: int = 10) -> str:
    return " ".join([f"Mening{n}"] + ["ord"] * (words - 2) + ["slut."])


def statute_doc(path: Path) -> SourceDocument:
    extracted = extract(path.read_bytes(), filename=path.name)
    return SourceDocument(
        key=path.stem, title=extracted.title or path.stem, source=str(path), blocks=extracted.blocks
    )


# --- ordinary documents --------------------------------------------------------------------


def test_heading_paths_and_no_merging_across_headings() -> None:
    chunks = chunk_document(
        doc(
            H("Guide"),
            P("Inledning."),
            H("Ansökan", 2),
            P("Så ansöker du."),
            H("Digitalt", 3),
            P("Via e-tjänsten."),
            H("Avgifter", 2),
            P("Det kostar."),
        )
    )
    assert [(c.heading_path, c.text) for c in chunks] == [
        (["Guide"], "Inledning."),
        (["Guide", "Ansökan"], "Så ansöker du."),
        (["Guide", "Ansökan", "Digitalt"], "Via e-tjänsten."),
        (["Guide", "Avgifter"], "Det kostar."),
    ]
    assert [c.ordinal for c in chunks] == [0, 1, 2, 3]


def test_small_blocks_are_packed_and_large_ones_split_at_sentences() -> None:
    paragraphs = [P(sentence(i)) for i in range(12)]  # 12 × 10 words under one heading
    chunks = chunk_document(doc(H("Avsnitt", 2), *paragraphs), target_words=50, overlap_words=0)
    assert [len(c.text.split()) for c in chunks] == [50, 50, 20]
    assert all(c.heading_path == ["Guide", "Avsnitt"] for c in chunks)

    long = P(" ".join(sentence(i, 20) for i in range(10)))  # one 200-word paragraph
    chunks = chunk_document(doc(long), target_words=50, overlap_words=0)
    assert [len(c.text.split()) for c in chunks] == [40] * 5  # two 20-word sentences each
    assert all(c.text.startswith("Mening") and c.text.endswith("slut.") for c in chunks)


def test_overlap_repeats_whole_trailing_sentences() -> None:
    long = P(" ".join(sentence(i, 20) for i in range(10)))
    chunks = chunk_document(doc(long), target_words=60, overlap_words=25)
    assert len(chunks) > 1
    for previous, following in itertools.pairwise(chunks):
        last_sentence = previous.text.rsplit("Mening", 1)[1]
        assert following.text.startswith("Mening" + last_sentence)


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Du kan t.ex. Ansöka digitalt enligt 2 kap. Socialtjänstlagen gäller. "
        + " ".join(["ord"] * 40)
        + ". Nästa mening börjar här."
    )
    chunks = chunk_document(doc(P(text)), target_words=20, overlap_words=0)
    assert chunks[0].text.startswith("Du kan t.ex. Ansöka digitalt enligt 2 kap. Socialtjänstlagen")


def test_lists_and_tables_stay_whole_when_they_fit() -> None:
    items = [Block("list_item", f"- punkt {i} med några ord") for i in range(6)]
    table = Block("table", "Zon | Pris\n" + "\n".join(f"Zon {i} | {i * 10} kr" for i in range(8)))
    chunks = chunk_document(
        doc(P(sentence(1, 40)), *items, P(sentence(2, 30)), table), target_words=50
    )
    texts = [c.text for c in chunks]
    assert any(t.count("- punkt") == 6 for t in texts)  # the list is in one chunk
    assert sum(t.count("- punkt") for t in texts) == 6
    assert any(t.startswith("Zon | Pris") and t.count("kr") == 8 for t in texts)
    listing = next(t for t in texts if "- punkt 0" in t)
    assert "- punkt 0 med några ord\n- punkt 1" in listing


def test_long_table_is_split_by_rows_with_header_repeated() -> None:
    rows = "\n".join(f"Rad {i} | värde {i} | mer text här" for i in range(60))
    chunks = chunk_document(doc(Block("table", "Namn | Värde | Not\n" + rows)), target_words=50)
    assert len(chunks) > 3
    assert all(c.text.startswith("Namn | Värde | Not\n") for c in chunks)
    body = [line for c in chunks for line in c.text.split("\n")[1:]]
    assert body == rows.split("\n")


def test_title_heading_is_not_repeated_and_headings_only_document_has_a_chunk() -> None:
    chunks = chunk_document(doc(H("Guide"), H("Bara rubrik", 2)))
    assert len(chunks) == 1
    assert chunks[0].heading_path == ["Guide"]


def test_text_without_spaces_is_cut() -> None:
    chunks = chunk_document(doc(P("x" * 50_000)), target_words=100)
    assert all(len(c.text) <= 100 * 12 for c in chunks)
    assert "".join(c.text for c in chunks) == "x" * 50_000


def test_ordinary_text_mentioning_a_paragraf_is_not_a_statute() -> None:
    guide = doc(P("Enligt 5 § förvaltningslagen ska myndigheten vara saklig."), P("Mer text."))
    assert not is_statute(guide)


# --- statutes ------------------------------------------------------------------------------

_KAPITEL_LINE = re.compile(r"^(\d+) kap\. \S")
_PARAGRAF_LINE = re.compile(r"^\d+(?: [a-z])? § ")


def raw_paragrafer(path: Path) -> list[tuple[str | None, str]]:
    """(kapitel number, first line) of each paragraf, read straight from the text file: a line
    after a blank line that starts "N §"; kapitel lines likewise (the statute's own layout)."""
    found: list[tuple[str | None, str]] = []
    kapitel = None
    previous_blank = True
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if previous_blank and _KAPITEL_LINE.match(line) and not line.endswith((",", ":", ";")):
            kapitel = _KAPITEL_LINE.match(line).group(1)  # type: ignore[union-attr]
        elif previous_blank and line.startswith("Övergångsbestämmelser"):
            kapitel = None
        elif previous_blank and _PARAGRAF_LINE.match(line):
            found.append((kapitel, line))
        previous_blank = not line
    return found


@needs_statutes
def test_socialtjanstlag_one_chunk_per_paragraf() -> None:
    chunks = chunk_document(statute_doc(SOCIALTJANSTLAG))
    first = next(c for c in chunks if c.text.startswith("2 § Med socialtjänst avses"))
    assert first.heading_path == [
        "Socialtjänstlag (2025:400)",
        "1 kap. Lagens innehåll och tillämpningsområde",
        "Definition av socialtjänst",
        "2 §",
    ]
    expected = raw_paragrafer(SOCIALTJANSTLAG)
    assert len(expected) > 300
    starts = [c for c in chunks if _PARAGRAF_LINE.match(c.text)]
    assert len(starts) == len(expected)
    for (kapitel, line), chunk in zip(expected, starts, strict=True):
        assert chunk.text.startswith(line), (line, chunk.text[:80])  # each start exactly once
        assert chunk.heading_path[1].startswith(f"{kapitel} kap."), chunk.heading_path
        assert chunk.heading_path[-1] == line.split(" §")[0] + " §"


@needs_statutes
def test_socialtjanstlag_no_chunk_crosses_a_kapitel() -> None:
    chunks = chunk_document(statute_doc(SOCIALTJANSTLAG))
    for chunk in chunks:
        kapitel = [p for p in chunk.heading_path if re.match(r"^\d+ kap\.", p)]
        assert len(kapitel) <= 1
        for block in chunk.text.split("\n\n")[1:]:
            assert not _KAPITEL_LINE.match(block) or block.endswith((",", ":", ";", ".")), block
            assert not _PARAGRAF_LINE.match(block), f"two paragrafer in one chunk: {block[:60]}"
    transitional = [c for c in chunks if "Övergångsbestämmelser" in c.heading_path]
    assert [c.heading_path[-1] for c in transitional] == ["2025:400", "2025:1299", "2025:1501"]
    assert chunks[0].heading_path == ["Socialtjänstlag (2025:400)"]  # the preamble
    assert chunks[0].text.startswith("Utfärdad: 2025-05-22.")


@needs_statutes
def test_statute_rubrik_annotations_and_versions() -> None:
    chunks = chunk_document(statute_doc(SOCIALTJANSTLAG))
    in_force = [c for c in chunks if c.text.startswith("2 a § /Träder i kraft I:2026-01-15/")]
    assert len(in_force) == 1
    assert in_force[0].heading_path[1:] == ["16 kap. Gallring", "Utredning om barn", "2 a §"]


@needs_statutes
def test_forvaltningslag_markdown_variant() -> None:
    chunks = chunk_document(statute_doc(FORVALTNINGSLAG))
    paragrafer = [c for c in chunks if re.match(r"^\d+ §$", c.heading_path[-1])]
    assert [c.heading_path[-1] for c in paragrafer] == [f"{n} §" for n in range(1, 50)]
    assert all(c.text.startswith(c.heading_path[-1] + " ") for c in paragrafer)
    first = paragrafer[0]
    assert first.heading_path == [
        "Förvaltningslag (2017:900)",
        "Lagens tillämpningsområde",
        "Lagen gäller i förvaltningsverksamhet",
        "1 §",
    ]
    assert "5–8 §§ om grunderna för god förvaltning" in first.text  # link text kept
    assert paragrafer[1].heading_path[1:] == [
        "Undantag för kommunala ärenden där besluten kan laglighetsprövas",
        "2 §",
    ]


def test_very_long_paragraf_is_split_but_stays_under_its_heading() -> None:
    long = " ".join(sentence(i, 25) for i in range(40))  # 1000 words
    statute = SourceDocument(
        key="lag",
        title="Lag om prov (2030:1)",
        source="lag.txt",
        blocks=[
            H("Lag om prov (2030:1)"),
            P("1 kap. Inledande bestämmelser"),
            P("Lagens syfte"),
            P("1 § Kort."),
            P(f"2 § {long}"),
            P("3 § Också kort."),
            P("2 kap. Annat"),
            P("1 § Sista."),
        ],
    )
    chunks = chunk_document(statute, target_words=150)
    two = [c for c in chunks if c.heading_path[-1] == "2 §"]
    assert len(two) > 3
    assert two[0].text.startswith("2 § Mening0")
    assert all(c.heading_path[1] == "1 kap. Inledande bestämmelser" for c in two)
    assert chunks[-1].heading_path == ["Lag om prov (2030:1)", "2 kap. Annat", "1 §"]


@needs_statutes
def test_chunking_throughput() -> None:
    """Extraction + chunking of both statutes: well above 500 chunks/s (embedding excluded)."""
    data = [(p.name, p.read_bytes()) for p in (SOCIALTJANSTLAG, FORVALTNINGSLAG)]
    started = time.perf_counter()
    total = 0
    for _ in range(5):
        for name, raw in data:
            extracted = extract(raw, filename=name)
            document = SourceDocument(name, extracted.title or name, name, extracted.blocks)
            total += len(chunk_document(document))
    rate = total / (time.perf_counter() - started)
    assert rate > 500, f"{rate:.0f} chunks/s"
