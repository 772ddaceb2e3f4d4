"""Identity-number validation against the shared peer vectors (personnummer/meta) and every
Skatteverket test number, read in place from ../shared/data/personnummer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tillit.privacy.identity import is_valid_identity, parse_identity

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "personnummer"
needs_vectors = pytest.mark.skipif(
    not VECTORS.is_dir(), reason=f"test vectors not found in {VECTORS} (the ../shared checkout)"
)
FORMS = ("long_format", "short_format", "separated_format", "separated_long")


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@needs_vectors
@pytest.mark.parametrize("name", ["list.json", "interim.json"])
def test_every_written_form_of_the_peer_list(name: str) -> None:
    wrong = [
        (case[form], case["valid"])
        for case in _load(name)
        for form in FORMS
        if form in case and is_valid_identity(case[form]) != case["valid"]
    ]
    assert wrong == []


@needs_vectors
def test_structured_vectors() -> None:
    for group in _load("structured.json").values():
        for value in group["string"]["valid"] + [str(v) for v in group["integer"]["valid"]]:
            assert is_valid_identity(value), value
        for value in group["string"]["invalid"] + [str(v) for v in group["integer"]["invalid"]]:
            assert not is_valid_identity(value), value


@needs_vectors
def test_organisationsnummer_are_rejected() -> None:
    for case in _load("orgnumber.json"):
        assert not is_valid_identity(case["short_format"])
        assert not is_valid_identity(case["separated_format"])


@needs_vectors
def test_every_skatteverket_test_personnummer() -> None:
    pins = _load("allPins.json")
    assert len(pins) > 40_000
    assert [p for p in pins if not is_valid_identity(p)] == []


@needs_vectors
def test_every_skatteverket_test_samordningsnummer() -> None:
    coords = _load("allCoords.json")
    parsed = [parse_identity(c) for c in coords]
    assert [c for c, p in zip(coords, parsed, strict=True) if p is None] == []
    assert {p.kind for p in parsed if p} == {"samordningsnummer"}
    assert any(c[4:6] == "00" for c in coords)  # month 00 is in the list and accepted


@pytest.mark.parametrize("value", ["193100602394", "191711602399", "191500722390", "310060-2394"])
def test_coordination_number_with_day_60_or_month_00(value: str) -> None:
    # Skatteverket test numbers: day 60 = day unknown, month 00 = month unknown
    identity = parse_identity(value)
    assert identity is not None
    assert identity.kind == "samordningsnummer"


def test_interim_number_and_kinds() -> None:
    assert parse_identity("000101-T220").kind == "interimsnummer"  # type: ignore[union-attr]
    assert parse_identity("000101-E221") is None
    assert parse_identity("19090527+1474").kind == "personnummer"  # type: ignore[union-attr]


def test_normalised_form_is_the_same_for_every_written_form() -> None:
    forms = ["200002292399", "0002292399", "000229-2399", "20000229-2399"]
    assert {parse_identity(f).normalised for f in forms} == {"200002292399"}  # type: ignore[union-attr]


def test_garbage_is_not_an_identity_number() -> None:
    for value in ["", "abc", "090527 1474", "8572090606", "12345678901234", "\x00" * 10]:
        assert not is_valid_identity(value)
