"""Passage texts as the classifier sees them: personal data replaced by its role.

Before features are taken, every name, personnummer, address, phone number, e-mail address and
organisation that ``tillit.privacy.detect`` finds is replaced by a fixed Swedish word for its
role: the person mentioned most often (by first name) is the report's child, "Barnet"; other
people are "Personen"; and so on. Two reasons:
- **A trained model holds no personal data.** Without this, the saved vocabulary carried the
  names of children and reporters from the training reports (271 name stems and 250 name
  bigrams, such as first name + surname, in a model trained on the dev set). A model is
  registered in the catalogue and may be shared with other municipalities.
- **It generalises.** Names carry no sign of violence. "Barnet" lets a pattern such as
  "pappa slog Barnet" learnt in one report apply in the next; per-report names could not.
  Cross-validated micro-F1 rose by about 0.01 (docs/benchmarks.md).

Offsets are unchanged for the caller: only the strings fed to the features differ.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence

from tillit.privacy.detect import Entity, detect

ROLES = "roles"
"""The ``normalise`` setting of a model that sees role words (saved in its model.json)."""
CHILD = "Barnet"
ROLE_WORDS = {
    "PERSON": "Personen",
    "PNR": "Personnumret",
    "ADDRESS": "Adressen",
    "PHONE": "Telefonnumret",
    "EMAIL": "E-postadressen",
    "ORG": "Organisationen",
}
OTHER = "Uppgiften"
"""For the detector's other types (account numbers, registration numbers)."""


def passage_texts(
    text: str,
    spans: Sequence[tuple[int, int]],
    normalise: str,
    entities: Sequence[Entity] | None = None,
) -> list[str]:
    """The strings the classifier reads for ``spans`` of ``text``. ``entities``: what
    ``detect(text)`` found, when the caller has it already (it is found here otherwise)."""
    if normalise != ROLES:
        return [text[a:b] for a, b in spans]
    entities = sorted(detect(text) if entities is None else entities, key=lambda e: e.start)
    child = _child(entities)
    starts = [e.start for e in entities]
    longest = max((e.end - e.start for e in entities), default=0)
    return [
        _replaced(text, a, b, entities[bisect.bisect_left(starts, a - longest) :], child)
        for a, b in spans
    ]


def entities_of(texts: Sequence[str], normalise: str) -> list[list[Entity] | None]:
    """Per text, the personal data ``passage_texts`` needs (found once, used twice in training)."""
    return [detect(text) if normalise == ROLES else None for text in texts]


def _first_name(entity: Entity) -> str:
    words = entity.text.split()
    return words[0].casefold() if words else ""


def _child(entities: Sequence[Entity]) -> str | None:
    """The first name mentioned most often (the earliest of equals)."""
    names = Counter(_first_name(e) for e in entities if e.type == "PERSON")
    return max(names, key=lambda n: names[n], default=None) if names else None


def _replaced(
    text: str, start: int, end: int, entities: Sequence[Entity], child: str | None
) -> str:
    """``entities`` in order of position, from the first that may reach into the passage."""
    parts, at = [], start
    for entity in entities:
        if entity.start >= end:
            break
        a, b = max(entity.start, start), min(entity.end, end)
        if a >= b or a < at:
            continue
        parts.append(text[at:a])
        parts.append(_role(entity, child))
        at = b
    parts.append(text[at:end])
    return "".join(parts)


def _role(entity: Entity, child: str | None) -> str:
    if entity.type == "PERSON" and child is not None and _first_name(entity) == child:
        return CHILD
    return ROLE_WORDS.get(entity.type, OTHER)
