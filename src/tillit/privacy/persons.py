"""Person names: lexicon + context cues + name sequences + propagation within the document.

Only capitalised words are looked at (one regular expression finds them); each is classified with
set lookups. Swedish capitalises proper nouns only, so a capitalised word inside a sentence is
strong evidence; at the start of a sentence a word that is also an everyday word ("Per", "Bo",
"Inga") needs support. A name found once makes every other mention of it in the document a name,
including its possessive ("Majas" → "Maja") and, for distinctive names, a lower-case spelling.

Speed: a word's class depends only on the word and on whether it starts a sentence, so it is
computed once per process and cached; only unknown words look at their context (a cue before, an
age after). Words that can never be a name ("Jag", "Hon", "BUP") are dropped at once: they only
separate name sequences, and a gap that is not a single space separates them just as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tillit.privacy.names import Lexicon, lexicon

Span = tuple[int, int, str]

_UPPER = "A-ZÅÄÖÆØÉÈÜÇŠŽĆČĐÓÍÁÚÑİŁŚŻŞĞ"
# The capital comes first and the look-behind after it (same meaning as a look-behind first): a
# pattern that begins with a character set lets the regex engine skip ahead quickly to candidates.
_WORD = re.compile(rf"[{_UPPER}](?<![\w-].)[^\W\d_]*(?:['’-][{_UPPER}]?[^\W\d_]+)*")
_BEFORE = re.compile(r"([^\W\d_]+)[ \t]$")
_SENTENCE_END = frozenset('.!?:;\n"”»–—(*•')
_AGE_AFTER = re.compile(r",? \(?\d{1,2} (?:år|mån)|,? \(?född|,? \d{6}|,? \d{8}")
_LETTERS = re.compile(r"[^\W\d_]+")
_NAME_PARTS = re.compile(r"[-'’]")
_NUMBER_LABEL = re.compile(r"..(?:nummer|numret|nr)$", re.IGNORECASE)
# Above this (names × characters), lower-case mentions are looked for only among names whose
# letters occur as a word of the text, instead of searching the text once per name.
_SEARCH_EACH_NAME_LIMIT = 1_000_000


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    word: str
    base: str  # without possessive -s
    score: int  # 2 = strong, 1 = weak (needs support), 0 = unknown word


def find_persons(text: str, known: Iterable[str] = ()) -> tuple[list[Span], set[str]]:
    """Person spans in ``text`` and the set of name words found (to carry into the next chunk)."""
    lex = lexicon()
    chosen: list[list[_Token]] = []
    others: list[_Token] = []  # words outside a chosen name sequence
    for group in _groups(text, lex):
        if len(group) == 1:  # the usual case, made quick: one word is a name when strong
            if group[0].score == 2:
                chosen.append(group)
            else:
                others.append(group[0])
            continue
        kept = _trim(text, group, lex) if _is_person(group, lex) else []
        if kept:
            chosen.append(kept)
        others += group[: len(group) - len(kept)]
    names = set(known).union(t.base for group in chosen for t in group)
    chosen += [[t] for t in others if _propagate(t, names)]
    for group in chosen:
        _propagate(group[-1], names)  # "Viktors" → "Viktor" once "Viktor" is known
    spans = [(g[0].start, g[-1].start + len(g[-1].base), "PERSON") for g in chosen]
    spans += _lowercase_mentions(text, names)
    return spans, names


def _groups(text: str, lex: Lexicon) -> list[list[_Token]]:
    """Runs of capitalised words separated by exactly one space (a name and its surnames), each
    word with its score; a possessive ends a run ("Majas Erik" is two people). Words that are
    never a name are left out: the gap they leave is not a single space, so runs end there too."""
    groups: list[list[_Token]] = []
    last: _Token | None = None
    for match in _WORD.finditer(text):
        word = match.group()
        at_sentence_start, inside = _word_classes(word)
        if at_sentence_start is inside or not _sentence_start(text, match.start()):
            base, score = inside
        else:
            base, score = at_sentence_start
        if score < 0:
            continue
        start, end = match.span()
        if score == 0 and (_cue_before(text, start, lex) or _AGE_AFTER.match(text, end)):
            score = 2
        token = _Token(start, end, word, base, score)
        if last and start == last.end + 1 and text[last.end] == " " and last.base == last.word:
            groups[-1].append(token)
        else:
            groups.append([token])
        last = token
    return groups


Class = tuple[str, int]  # (base, score); score -1 = never a name here


@lru_cache(maxsize=1 << 16)
def _word_classes(word: str) -> tuple[Class, Class]:
    """The class of a capitalised word at the start of a sentence and inside one (the same
    object when they agree, as for most words), from the lexicon alone."""
    at_start, inside = _word_class(word, initial=True), _word_class(word, initial=False)
    return (inside, inside) if at_start == inside else (at_start, inside)


def _word_class(word: str, *, initial: bool) -> Class:
    lex = lexicon()
    base = word
    if word not in lex.swedish and len(word) > 3 and word[-1] == "s":
        stem = word[:-1]
        usable = (
            stem in lex.swedish and not lex.is_ambiguous(stem) if initial else lex.is_name(stem)
        )
        base = stem if usable else word
    named = lex.is_name(base) or _is_hyphenated_name(base, lex)
    if (word.isupper() and len(word) > 1) or word in lex.not_names or base in lex.not_names:
        return base, -1
    if _NUMBER_LABEL.search(word):  # "Samordningsnummer 701063-…": a label, never a name
        return base, -1
    if base.lower() in lex.towns:
        return base, 1 if named else -1  # "Lund", "Nora": a name only next to another name
    if named:
        return base, 1 if lex.is_ambiguous(base) and initial else 2
    return base, 0


def _propagate(token: _Token, names: set[str]) -> bool:
    """A word that is a known name, or its possessive ("Viktors" once "Viktor" is known)."""
    if token.base in names:
        return True
    stem = token.word[:-1]
    if token.word[-1:] == "s" and len(stem) > 2 and stem in names:
        token.base = stem
        return True
    return False


def _is_hyphenated_name(word: str, lex: Lexicon) -> bool:
    parts = _NAME_PARTS.split(word)
    return len(parts) > 1 and any(lex.is_name(p) or lex.is_name(p.capitalize()) for p in parts)


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _cue_before(text: str, start: int, lex: Lexicon) -> bool:
    """A cue word ("pappa", "heter") then one space or tab before ``start`` (a newline may
    follow the space: the pattern's ``$`` also matches before a final newline)."""
    i = start - 2 if text[start - 1 : start] == "\n" else start - 1
    if i < 1 or text[i] not in " \t" or not text[i - 1].isalnum():
        return False  # no letter, then a space, just before the word
    low = max(0, start - 30)
    word = text[max(low, text.rfind(" ", low, i) + 1) : i]
    if not word.isalpha():  # a mark, digit or tab in it: let the pattern find the letters
        match = _BEFORE.search(text, low, start)
        word = match.group(1) if match else ""
    return word.lower() in lex.cues


def _is_person(group: list[_Token], lex: Lexicon) -> bool:
    if len(group) == 1:
        return group[0].score == 2
    if any(t.score == 2 for t in group):
        return True
    if any(lex.is_name(t.base) for t in group):
        return lex.is_first(group[0].base) or any(lex.is_last(t.base) for t in group[1:])
    return False


def _trim(text: str, group: list[_Token], lex: Lexicon) -> list[_Token]:
    """Drop unknown lead words ('Både Elias', 'Modern Annika', 'ST-läkare Omar'); unknown words
    after a known name stay ('Noelia Pérez Andersson')."""
    lead = 0
    while lead < len(group) - 1 and group[lead].score == 0 and _lead_word(text, group[lead], lex):
        lead += 1
    return group[lead:]


def _lead_word(text: str, token: _Token, lex: Lexicon) -> bool:
    word = token.word
    return (
        _sentence_start(text, token.start)
        or word.lower() in lex.cues
        or re.search(r"-[a-zåäö]", word) is not None
    )


def _lowercase_mentions(text: str, names: set[str]) -> list[Span]:
    """Lower-case mentions of distinctive names ("tindra" once "Tindra" is known), as a regular
    expression ``(?<![\\w-])(?:name|…)(?![\\w-])`` over the names in sorted order would find them:
    leftmost first, the first name in sorted order where two start at one place, no overlaps."""
    distinctive = {n.lower() for n in names if _is_distinctive(n)}
    if len(distinctive) * len(text) > _SEARCH_EACH_NAME_LIMIT:
        words = set(_LETTERS.findall(text))
        words.add("")  # a name that does not start with a letter is always looked for
        distinctive = {n for n in distinctive if _leading_letters(n) in words}
    found: dict[int, str] = {}
    for name in sorted(distinctive, reverse=True):  # the first in sorted order wins a place
        for position in _occurrences(text, name):
            found[position] = name
    spans: list[Span] = []
    reached = 0
    for position in sorted(found):
        if position >= reached:
            reached = position + len(found[position])
            spans.append((position, reached, "PERSON"))
    return spans


@lru_cache(maxsize=1 << 14)
def _is_distinctive(name: str) -> bool:
    """A name that is no everyday word, so that its lower-case spelling is the name too."""
    lex = lexicon()
    return (
        len(name) >= 4
        and lex.is_name(name)
        and not lex.is_ambiguous(name)
        and name.lower() not in lex.cues
    )


def _leading_letters(name: str) -> str:
    match = _LETTERS.match(name)
    return match.group() if match else ""


def _occurrences(text: str, name: str) -> Iterable[int]:
    """Where ``name`` stands as a word of its own: no word character or hyphen either side."""
    position = text.find(name)
    while position >= 0:
        end = position + len(name)
        if not (_word_char(text, position - 1) or _word_char(text, end)):
            yield position
        position = text.find(name, position + 1)


def _word_char(text: str, i: int) -> bool:
    """``text[i]`` is a word character (``\\w``: alphanumeric or underscore) or a hyphen."""
    if i < 0 or i >= len(text):
        return False
    char = text[i]
    return char.isalnum() or char in "_-"
