"""The taxonomy of signs in concern reports (the shared dev set's 8 labels), with the names a
caseworker sees. A passage may carry several labels; none means no sign of violence or conflict."""

from __future__ import annotations

LABEL_NAMES: dict[str, str] = {
    "fysiskt_vald": "Fysiskt våld",
    "psykiskt_vald": "Psykiskt våld",
    "sexuellt_vald": "Sexuellt våld",
    "forsummelse": "Försummelse",
    "bevittnat_vald": "Bevittnat våld",
    "hedersrelaterat": "Hedersrelaterat våld och förtryck",
    "foraldrakonflikt": "Allvarlig konflikt mellan föräldrarna",
    "konflikt_barn_foralder": "Allvarlig konflikt mellan barn och förälder",
}
LABELS: tuple[str, ...] = tuple(LABEL_NAMES)
