"""Detection: every type, written forms, offsets, bad input (empty, binary, huge, all names)."""

from __future__ import annotations

import importlib
import itertools
import logging
import tracemalloc

import pytest

from tillit.errors import InvalidInput
from tillit.privacy import TYPES, detect
from tillit.privacy.names import replacement_names

detect_module = importlib.import_module("tillit.privacy.detect")

REPORT = (
    "Hej! Jag heter Annika Lindqvist och är klasslärare på Myrbergsskolan i Umeå. Jag vill "
    "anmäla oro för Elias Nordström, 140621-2389. Elias pappa Johan Nordström bor på "
    "Tjärdalsvägen 9 B, 931 41 Skellefteå. Rektor Maria Öberg vet om det. Majas mamma ringde. "
    "Ni når mig på 070-174 06 12 eller annika.lindqvist@example.se."
)


def found(text: str) -> set[tuple[str, str]]:
    return {(e.type, e.text) for e in detect(text)}


def test_a_report_with_every_common_type() -> None:
    result = found(REPORT)
    for expected in [
        ("PERSON", "Annika Lindqvist"),
        ("ORG", "Myrbergsskolan"),
        ("PERSON", "Elias Nordström"),
        ("PNR", "140621-2389"),
        ("PERSON", "Johan Nordström"),
        ("ADDRESS", "Tjärdalsvägen 9 B, 931 41 Skellefteå"),
        ("PERSON", "Maria Öberg"),
        ("PERSON", "Maja"),  # possessive "Majas": the name without -s
        ("PHONE", "070-174 06 12"),
        ("EMAIL", "annika.lindqvist@example.se"),
    ]:
        assert expected in result
    assert not any(t == "PERSON" and v in {"Hej", "Jag", "Ni", "Rektor"} for t, v in result)


def test_offsets_are_character_offsets_end_exclusive() -> None:
    for entity in detect(REPORT):
        assert REPORT[entity.start : entity.end] == entity.text
        assert entity.type in TYPES


@pytest.mark.parametrize(
    "number", ["140621-2389", "20140621-2389", "201406212389", "1406212389", "19090527+1474"]
)
def test_identity_numbers_in_every_written_form(number: str) -> None:
    assert ("PNR", number) in found(f"Barnet, pnr {number}, går i skolan.")


def test_samordningsnummer_and_interimsnummer_are_detected() -> None:
    assert ("PNR", "310060-2394") in found("Samordningsnummer 310060-2394 enligt Migrationsverket.")
    assert ("PNR", "000101-T220") in found("Interimsnummer 000101-T220.")


def test_organisationsnummer_is_not_a_personnummer() -> None:
    assert not any(t == "PNR" for t, _ in found("Bolaget har orgnr 556036-0793."))


@pytest.mark.parametrize(
    "phone", ["070-174 06 12", "0701740612", "+46 70 174 06 12", "08-123 45 67", "0410-73 52 08"]
)
def test_phone_formats(phone: str) -> None:
    assert ("PHONE", phone) in found(f"Ring mig på {phone} i morgon.")


def test_bank_numbers_and_car_registration() -> None:
    result = found(
        "Betala till bankgiro 5050-1055 eller plusgiro 90 20 50-4, IBAN SE45 5000 0000 0583 "
        "9825 7466. Bilen har registreringsnummer ABC 123 och en annan MLB 84C."
    )
    assert ("BANKGIRO", "5050-1055") in result
    assert ("PLUSGIRO", "90 20 50-4") in result
    assert ("IBAN", "SE45 5000 0000 0583 9825 7466") in result
    assert ("REGNR", "ABC 123") in result
    assert ("REGNR", "MLB 84C") in result


def test_addresses_with_and_without_postcode() -> None:
    result = found(
        "Hon bor på Storgatan 12, lgh 1102, 411 38 Göteborg. Han bor c/o Berg på Ekvägen."
    )
    assert ("ADDRESS", "Storgatan 12, lgh 1102, 411 38 Göteborg") in result
    assert any(t == "ADDRESS" and "Ekvägen" in v for t, v in result)


def test_organisations() -> None:
    result = found("Hon går på Förskolan Lärkdungen och har kontakt med BVC Tallhöjden och BUP.")
    assert ("ORG", "Förskolan Lärkdungen") in result
    assert ("ORG", "BVC Tallhöjden") in result


def test_sentence_start_words_that_are_also_names_need_support() -> None:
    result = found("Per telefon sa hon att allt var bra. Inga tecken på våld. Alla var där.")
    assert not any(t == "PERSON" for t, _ in result)
    assert ("PERSON", "Per Andersson") in found("Per Andersson ringde i går.")


def test_common_words_that_are_names_elsewhere_need_support_at_a_sentence_start() -> None:
    result = found("Han kom hem sent. Bil ABC 123 stod parkerad. Massa folk var där.")
    assert not any(t == "PERSON" for t, _ in result)
    assert ("PERSON", "Massa Kristiansson") in found("Massa Kristiansson ringde i går.")


@pytest.mark.parametrize("label", ["Samordningsnummer", "Kundnummer", "Ärendenr", "Personnumret"])
def test_a_number_label_before_a_number_is_not_a_name(label: str) -> None:
    result = found(f"Barnet bor hos mamma. {label} 701063-2391 enligt anmälan.")
    assert not any(t == "PERSON" for t, _ in result)


def test_a_name_found_once_is_found_everywhere_in_the_document() -> None:
    result = detect("Flickan heter Rojin. Rojin säger att Rojins bror slår henne.")
    assert [e.text for e in result if e.type == "PERSON"] == ["Rojin", "Rojin", "Rojin"]


def test_empty_and_binary_and_mixed_scripts_do_not_crash() -> None:
    assert detect("") == []
    detect("\x00\x01\xff\ufffd" * 1000 + "Elias")
    result = found("Ahmed sa: مرحبا Привет 你好 — ring 070-174 06 12.")
    assert ("PHONE", "070-174 06 12") in result


def test_text_that_is_all_names() -> None:
    text = " ".join(["Anna Karlsson", "Erik Johansson", "Fatima Ali"] * 2000)
    entities = detect(text)
    assert entities and all(e.type == "PERSON" for e in entities)


def test_not_a_string_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput):
        detect(b"bytes")  # type: ignore[arg-type]


def test_enormous_text_is_chunked_with_offsets_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_module, "CHUNK_CHARS", 5_000)
    monkeypatch.setattr(detect_module, "_CUT_SEARCH", 1_000)
    block = "Eleven Elias Nordström, 140621-2389, mår dåligt. " * 400
    entities = detect(block)
    assert sum(e.type == "PNR" for e in entities) == 400
    assert all(block[e.start : e.end] == e.text for e in entities)


def test_memory_stays_bounded_on_a_large_text() -> None:
    text = "Det var en vanlig dag i skolan och ingenting hände. " * 40_000  # about 2 MB
    tracemalloc.start()
    detect(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 60 * len(text)


def test_values_never_appear_in_logs_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    entities = detect(REPORT)
    assert "140621-2389" not in repr(entities)
    assert "140621" not in caplog.text


# The detector tries each pattern only where it can begin (capitalised words with the right form,
# numbers, the characters before an "@", …). These pin down that nothing is lost by that.


def test_organisations_found_by_the_word_after_or_a_company_form() -> None:
    result = found(
        "Hon rider på Fyrisåns ridskola och har journal på Västerås barnkliniken Uppsala. "
        "Pappan arbetar på Nordströms Bygg AB och tränar i Sörby IF."
    )
    for expected in [
        ("ORG", "Fyrisåns ridskola"),
        ("ORG", "Västerås barnkliniken Uppsala"),
        ("ORG", "Nordströms Bygg AB"),
        ("ORG", "Sörby IF"),
    ]:
        assert expected in result


def test_addresses_that_begin_with_a_direction_or_box() -> None:
    result = found(
        "Hon bor på Norra Storgatan 5, 411 38 Göteborg. Post till Box 123, 411 01 Göteborg. "
        "Han bor på Karls väg 3, Lund."
    )
    assert ("ADDRESS", "Norra Storgatan 5, 411 38 Göteborg") in result
    assert ("ADDRESS", "Box 123, 411 01 Göteborg") in result
    assert ("ADDRESS", "Karls väg 3, Lund") in result


def test_giro_labels_in_any_case_and_email_after_punctuation() -> None:
    result = found(
        "Betala till BANKGIRO 5050-1055 eller Pg 90 20 50-4. Hon uppgav att hon uppger fel. "
        "Skriv till oss (e-post: anna.k+oro@example.se)."
    )
    assert ("BANKGIRO", "5050-1055") in result
    assert ("PLUSGIRO", "90 20 50-4") in result
    assert ("EMAIL", "anna.k+oro@example.se") in result


def test_possessive_and_lower_case_mentions_of_a_known_name() -> None:
    result = detect("Viktor kom. Viktors mamma ringde. Tindra Berg sa det, sedan sa tindra nej.")
    persons = [e.text for e in result if e.type == "PERSON"]
    assert persons == ["Viktor", "Viktor", "Tindra Berg", "tindra"]


def test_lower_case_mention_among_very_many_names() -> None:
    firsts, lasts = replacement_names()
    text = " ".join(f"{f} {s} ringde." for f, s in zip(firsts[:400], lasts[:400], strict=False))
    text += " Tindra kom också. Sedan sa tindra att det var bra."
    assert ("PERSON", "tindra") in found(text)


def test_a_long_run_of_lead_words_before_a_name() -> None:
    text = "Ex-kollega " * 5_000 + "Anna Karlsson ringde."
    assert found(text) == {("PERSON", "Anna Karlsson")}


def test_entities_never_overlap_and_the_higher_priority_type_wins() -> None:
    text = "Mejla anna.karlsson@example.se eller Anna Karlsson på Storgatan 3, tel 070-174 06 12."
    entities = detect(text)
    for first, second in itertools.pairwise(entities):
        assert first.end <= second.start
    assert ("EMAIL", "anna.karlsson@example.se") in found(text)


def test_care_of_belongs_to_the_address() -> None:
    text = "Hon bor c/o Berg, Storgatan 12, 903 25 Umeå."
    assert [(e.type, e.text) for e in detect(text)] == [
        ("ADDRESS", "c/o Berg, Storgatan 12, 903 25 Umeå")
    ]
