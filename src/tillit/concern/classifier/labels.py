"""The passage labels for child-concern reports, in the order of the data set's README.

The display names are the same as ``tillit.concern.labels.LABEL_NAMES`` (kept here so that the
classifier package stands alone)."""

from __future__ import annotations

from tillit.concern.labels import LABEL_NAMES as DISPLAY_NAMES
from tillit.concern.labels import LABELS

__all__ = ["DESCRIPTIONS", "DISPLAY_NAMES", "LABELS", "display_name"]

DESCRIPTIONS: dict[str, str] = {
    "fysiskt_vald": "Fysiskt våld mot barnet.",
    "psykiskt_vald": "Psykiskt våld mot barnet: hot, förnedring, skrämsel, kontroll, avvisande.",
    "sexuellt_vald": "Sexuella övergrepp mot eller sexuell exploatering av barnet, även grooming.",
    "forsummelse": "Försummelse: barnets grundläggande behov tillgodoses inte (mat, hygien, "
    "tillsyn, vård, skolgång som föräldrarna orsakar, otrygg hemmiljö).",
    "bevittnat_vald": "Barnet ser, hör eller lever med våld mellan vuxna i nära relationer.",
    "hedersrelaterat": "Hedersrelaterat våld och förtryck.",
    "foraldrakonflikt": "Allvarlig konflikt mellan föräldrarna som påverkar barnet, utan fysiskt "
    "våld mellan dem.",
    "konflikt_barn_foralder": "Allvarlig konflikt mellan barn och förälder, utan våld mot barnet.",
}


def display_name(label: str) -> str:
    """Swedish display name; raises ``KeyError`` for an unknown label."""
    return DISPLAY_NAMES[label]
