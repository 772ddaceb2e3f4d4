"""Swedish sentence segmentation for concern reports.

``segment(text)`` returns (start, end) spans that tile the text modulo whitespace: every
non-whitespace character lies in exactly one span, spans are in order, and each span starts and
ends on a non-whitespace character.

Rules (general Swedish conventions, not tuned to single sentences):
- a line break always ends a segment (letters put names, addresses and greetings on lines);
- ``.``, ``!``, ``?`` or ``…`` (optionally followed by closing quotes or brackets) followed by
  whitespace ends a sentence when the next word starts with a capital letter, a digit or an
  opening quote;
- not after a known abbreviation (``t.ex.``, ``bl.a.``, ``kl.``, ``kap.`` …), a dotted
  abbreviation (``d.v.s.``), a single-letter initial (``A. Berg``) or an ordinal number followed by
  a lower-case word;
- a lower-case next word ends a sentence only after ``.``/``?``/``!`` directly on an ordinary word
  (informal text such as text messages often starts sentences in lower case), never after a
  closing quote (``”Sluta!” skrek han``);
- runs longer than ``MAX_CHARS`` without any punctuation (dictated or typed-in-one-go reports) are
  cut at whitespace into roughly even pieces, preferring positions right after a comma.
"""

from __future__ import annotations

import itertools
import re

MAX_CHARS = 320
TARGET_CHARS = 180

# Abbreviations that precede what they qualify (a time, a number, a name, an example): never the
# end of a sentence.
ABBREVIATIONS = frozenset(
    """
    t.ex bl.a d.v.s dvs s.k p.g.a pga t.o.m fr.o.m f.d ca c:a kl kap nr tel tfn mob resp enl jfr
    ang forts obs fr.a i.o.m m.a.o m.h.a mha t.v t.h u.a v.g vg sid s dr doc prof spec ssk usk
    bitr avd adj leg fil jur med kand tf tjf adr st.f e.kr f.kr ex
    """.split()
)
# Abbreviations that often end a sentence: a capitalised next word starts a new one.
FINAL_ABBREVIATIONS = frozenset(
    """
    m.m mm o.s.v osv etc m.fl e.d o.d f.ö jan feb mar apr aug sep sept okt nov dec mån tis ons
    tors fre lör sön milj kr tkr ung sek min tim ev ggr gr kg km cm st tr
    """.split()
)

_BOUNDARY = re.compile(r"(?:[.!?…]+[\"”’)\]]*)(?=\s)|\n")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_CHAR = re.compile(r"\s*(\S)")
WORD_WINDOW = 100  # characters before a full stop in which its word is looked for
_DOTTED = re.compile(r"^(?:\w\.)+\w?$")
_INITIAL = re.compile(r"^[A-ZÅÄÖ]$")
_NUMBER = re.compile(r"^\d+$")
_OPENERS = "\"”“'‘(–-•*"


def segment(text: str) -> list[tuple[int, int]]:
    """Sentence spans tiling ``text`` modulo whitespace."""
    cuts = [0, *_sentence_cuts(text), len(text)]
    spans: list[tuple[int, int]] = []
    for start, end in itertools.pairwise(cuts):
        trimmed = _trim(text, start, end)
        if trimmed is None:
            continue
        for piece in _split_long(text, *trimmed):
            spans.append(piece)
    return spans


def _sentence_cuts(text: str) -> list[int]:
    cuts = []
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group() == "\n" or _ends_sentence(text, match.start(), end):
            cuts.append(end)
    return cuts


def _ends_sentence(text: str, punct_start: int, end: int) -> bool:
    next_char = _NEXT_CHAR.match(text, end)
    if next_char is None:
        return True
    first = next_char.group(1)
    mark = text[punct_start:end]
    before = text[max(0, punct_start - WORD_WINDOW) : punct_start]  # not the whole text: O(n²)
    if mark.startswith(".") and _is_abbreviation(before, first):
        return False
    if first.isupper() or first.isdigit() or first in _OPENERS:
        return True
    closes_quote = mark[-1] in '"”’)]'
    return first.islower() and not closes_quote and _ordinary_word_before(before)


def _is_abbreviation(before: str, first: str) -> bool:
    match = _WORD_BEFORE.search(before)
    if match is None:
        return False
    word = match.group(1).lstrip("(\"”“'").rstrip(".")
    lower = word.lower()
    if lower in FINAL_ABBREVIATIONS:
        return not first.isupper()
    if lower in ABBREVIATIONS or _DOTTED.match(word) or _INITIAL.match(word):
        return True
    return bool(_NUMBER.match(word)) and not first.isupper()


def _ordinary_word_before(before: str) -> bool:
    match = _WORD_BEFORE.search(before)
    return match is not None and match.group(1).isalpha() and len(match.group(1)) >= 2


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    length = end - start
    if length <= MAX_CHARS:
        return [(start, end)]
    pieces = round(length / TARGET_CHARS)
    cuts = [start]
    for k in range(1, pieces):
        cut = _best_cut(text, start + k * length // pieces, cuts[-1], end)
        if cut is not None:
            cuts.append(cut)
    cuts.append(end)
    spans = [_trim(text, a, b) for a, b in itertools.pairwise(cuts)]
    return [span for span in spans if span is not None]


def _best_cut(text: str, target: int, lower: int, upper: int) -> int | None:
    """A whitespace position near ``target``: after a comma within 60 chars, else the nearest."""
    window = 60
    best: tuple[float, int] | None = None
    for pos in range(max(lower + 20, target - window), min(upper - 20, target + window)):
        if not text[pos].isspace() or text[pos - 1].isspace():
            continue
        cost = abs(pos - target) - (window if text[pos - 1] in ",;:" else 0)
        if best is None or cost < best[0]:
            best = (cost, pos)
    return None if best is None else best[1]
