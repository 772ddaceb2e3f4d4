"""Pseudonymisation: consistency in a document and a case, both modes, both styles, offsets,
the encrypted mapping, and re-identification only for an authorised role (audited)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from tillit.auth.secretbox import SecretBox
from tillit.errors import InvalidInput, PermissionDenied
from tillit.privacy.pseudonymise import Pseudonymiser

DOC1 = (
    "Eleven Elias Nordström, 140621-2389, bor med pappan Johan Nordström. Elias säger att "
    "Johan slår. Ring 070-174 06 12."
)
DOC2 = "Elias Nordström (20140621-2389) kom till BVC. Mamman nås på +46 70 174 06 12."


def test_tags_are_consistent_within_a_document() -> None:
    result = Pseudonymiser().pseudonymise(DOC1)
    assert result.text == (
        "Eleven [Person 1], [Personnummer 1], bor med pappan [Person 2]. [Person 1] säger att "
        "[Person 2] slår. Ring [Telefon 1]."
    )


def test_the_same_person_gets_the_same_pseudonym_across_a_case() -> None:
    pseudonymiser = Pseudonymiser()
    pseudonymiser.pseudonymise(DOC1)
    second = pseudonymiser.pseudonymise(DOC2).text
    assert second.startswith("[Person 1] ([Personnummer 1])")  # other written form, same number
    assert "[Telefon 1]" in second  # +46 form of the same phone number


def test_offsets_are_traceable_both_ways() -> None:
    result = Pseudonymiser().pseudonymise(DOC1)
    for r in result.replacements:
        assert result.text[r.new_start : r.new_end] == r.pseudonym
        assert DOC1[r.start : r.end]  # original span exists
    assert [r.type for r in result.replacements][:2] == ["PERSON", "PNR"]


def test_realistic_names_keep_a_family_surname_and_hide_the_original() -> None:
    result = Pseudonymiser(style="names").pseudonymise(DOC1)
    names = [r.pseudonym for r in result.replacements if r.type == "PERSON"]
    assert names[0].split()[1] == names[1].split()[1]  # Nordström → one shared replacement
    assert names[0] != names[1]
    assert "Nordström" not in result.text and "Elias" not in result.text
    assert names[2] == names[0].split()[0]  # "Elias" alone → the same first name


def test_realistic_first_names_keep_the_gender_of_the_original() -> None:
    from tillit.privacy.names import first_name_gender, replacement_first_names

    text = "Elsa Nyström, hennes bror Elias och mamman Fatima. Omar och Kim ringde."
    wanted = ["female", "male", "female", "male"]
    assert [first_name_gender(n) for n in ("Elsa", "Elias", "Fatima", "Omar")] == wanted
    assert first_name_gender("Kim") is None  # given to both: any Swedish first name
    for _ in range(5):  # a fresh key each time: other pseudonyms, the same genders
        result = Pseudonymiser(style="names").pseudonymise(text)
        firsts = [r.pseudonym.split()[0] for r in result.replacements if r.type == "PERSON"]
        assert all(n in replacement_first_names(g) for n, g in zip(firsts, wanted, strict=False))


def test_reversible_mapping_is_encrypted_and_reidentifies_for_a_caseworker() -> None:
    box = SecretBox(Fernet.generate_key())
    pseudonymiser = Pseudonymiser()
    result = pseudonymiser.pseudonymise(DOC1)
    token = pseudonymiser.export_mapping(box)
    assert "Nordström" not in token and "2389" not in token
    events: list[tuple[str, dict[str, Any]]] = []
    restored = Pseudonymiser.from_mapping(token, box).reidentify(
        result.text,
        roles={"caseworker"},
        audit=lambda action, detail: events.append((action, detail)),
    )
    # a tag stands for the person: a first-name-only mention comes back as the full name
    assert restored == DOC1.replace(
        "Elias säger att Johan", "Elias Nordström säger att Johan Nordström"
    )
    assert events == [("privacy.reidentify", {"outcome": "ok", "replaced": 6})]


def test_reidentification_is_refused_and_audited_for_other_roles() -> None:
    pseudonymiser = Pseudonymiser()
    result = pseudonymiser.pseudonymise(DOC1)
    events: list[str] = []
    with pytest.raises(PermissionDenied):
        pseudonymiser.reidentify(
            result.text,
            roles={"viewer"},
            audit=lambda action, detail: events.append(detail["outcome"]),
        )
    assert events == ["denied"]


def test_mapping_cannot_be_read_with_another_key() -> None:
    pseudonymiser = Pseudonymiser()
    pseudonymiser.pseudonymise(DOC1)
    token = pseudonymiser.export_mapping(SecretBox(Fernet.generate_key()))
    with pytest.raises(InvalidInput):
        Pseudonymiser.from_mapping(token, SecretBox(Fernet.generate_key()))


def test_irreversible_mode_keeps_no_originals_but_stays_consistent() -> None:
    pseudonymiser = Pseudonymiser(mode="irreversible", style="names", secret=b"k" * 32)
    first = pseudonymiser.pseudonymise(DOC1).text
    assert pseudonymiser._originals == {}
    again = Pseudonymiser(mode="irreversible", style="names", secret=b"k" * 32)
    assert again.pseudonymise(DOC1).text == first  # keyed hash: same key, same pseudonyms
    with pytest.raises(InvalidInput):
        pseudonymiser.export_mapping(SecretBox(Fernet.generate_key()))


def test_empty_text_and_unknown_mode() -> None:
    assert Pseudonymiser().pseudonymise("").text == ""
    with pytest.raises(InvalidInput):
        Pseudonymiser(mode="other")  # type: ignore[arg-type]
