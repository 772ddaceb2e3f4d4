"""Letters about a concern report: every kind in DOCX and PDF, privacy rules, template safety."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from tillit.concern.letters import (
    LETTER_KINDS,
    LetterData,
    letter_filename,
    letter_text,
    render_letter,
    swedish_date,
)
from tillit.concern.letters.build_templates import build_template
from tillit.concern.letters.content import GUARDIAN_KINDS
from tillit.concern.letters.render_docx import SHIPPED_TEMPLATES
from tillit.concern.letters.render_pdf import CORE_FONT, default_font, render_pdf

KINDS = list(LETTER_KINDS)
REPORTER = "Karin Rapportör"
REPORTER_EMAIL = "karin.rapportor@skolan.example"


def make_data(**changes: object) -> LetterData:
    values: dict[str, object] = {
        "municipality": "Exempelby kommun",
        "unit": "Individ- och familjeomsorgen",
        "case_number": "IFO 2026/0042",
        "letter_date": date(2026, 11, 23),
        "received_date": date(2026, 11, 20),
        "child_name": "Åsa Öberg Nguyễn",
        "child_birth_date": date(2015, 3, 12),
        "recipient_name": "Zoë Müller Søndergaard",
        "recipient_address": ("Storgatan 1", "123 45 Exempelby"),
        "caseworker_name": "Renée Åkesson",
        "caseworker_title": "Socialsekreterare",
        "caseworker_phone": "010-123 45 67",
        "caseworker_email": "renee.akesson@exempelby.example",
        "office_address": ("Box 100", "123 00 Exempelby"),
        "office_phone": "010-123 00 00",
        "office_email": "ifo@exempelby.example",
        "reasons": "Familjen har redan stöd från förskolan.\n\nOron bedöms inte kräva utredning.",
        "reporter_name": REPORTER,
        "reporter_contact": (REPORTER_EMAIL,),
        "decision": "inleds_ej",
    }
    values.update(changes)
    return LetterData(**values)  # type: ignore[arg-type]


def docx_text(data: bytes) -> str:
    """Every paragraph in reading order: body, letterhead table cells, footer."""
    document = Document(io.BytesIO(data))
    paragraphs = [
        "".join(node.text or "" for node in paragraph.iter(qn("w:t")))
        for paragraph in document.element.body.iter(qn("w:p"))
    ]
    paragraphs += [p.text for section in document.sections for p in section.footer.paragraphs]
    return "\n".join(paragraphs)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], bytes]:
    data = make_data()
    return {
        (kind, fmt): render_letter(kind, data, fmt) for kind in KINDS for fmt in ("docx", "pdf")
    }


@pytest.mark.parametrize("kind", KINDS)
def test_docx_has_the_case_and_swedish_dates(kind: str, rendered: dict) -> None:
    text = docx_text(rendered[kind, "docx"])
    for expected in ("IFO 2026/0042", "Åsa Öberg Nguyễn", "23 november 2026", "12 mars 2015"):
        assert expected in text
    assert "Zoë Müller Søndergaard" in text and "Renée Åkesson" in text
    assert "{{" not in text and "{%" not in text and "}}" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_docx_and_pdf_say_what_letter_text_says(kind: str, rendered: dict) -> None:
    expected = letter_text(kind, make_data())
    docx = flat(docx_text(rendered[kind, "docx"]))
    pdf = pdf_text(rendered[kind, "pdf"])
    for line in filter(None, (line.strip() for line in expected.splitlines())):
        assert flat(line) in docx, line
        assert flat(line) in pdf, line


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_a_pdf_with_swedish_text(kind: str, rendered: dict) -> None:
    data = rendered[kind, "pdf"]
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert LETTER_KINDS[kind].split()[0] in text or "Bekräftelse" in text
    for word in ("Socialtjänsten", "född", "Åsa Öberg", "Zoë Müller Søndergaard", "Renée"):
        assert word in text
    assert "IFO 2026/0042" in text and "20 november 2026" in text


def test_the_decision_texts_are_the_right_ones(rendered: dict) -> None:
    not_open = docx_text(rendered["decision_not_open", "docx"])
    assert "Beslutet går inte att överklaga." in not_open
    assert "Familjen har redan stöd från förskolan." in not_open
    opened = docx_text(rendered["decision_open", "docx"])
    assert "ombud" in opened and "Renée Åkesson" in opened
    receipt = docx_text(rendered["receipt", "docx"])
    assert "begära att få veta om en utredning" in receipt
    assert "senast en vecka efter beslutet (19 kap. 6 § socialtjänstlagen)" in receipt
    told = docx_text(rendered["reporter_info", "docx"])
    assert "beslutat att inte inleda en utredning" in told and "beslutat att inleda" not in told


@pytest.mark.parametrize("kind", sorted(GUARDIAN_KINDS))
def test_guardian_letters_never_name_the_reporter(kind: str, rendered: dict) -> None:
    for text in (
        letter_text(kind, make_data()),
        docx_text(rendered[kind, "docx"]),
        pdf_text(rendered[kind, "pdf"]),
    ):
        assert "Rapportör" not in text and REPORTER_EMAIL not in text


def test_the_receipt_may_name_the_reporter(rendered: dict) -> None:
    assert REPORTER in docx_text(rendered["receipt", "docx"])
    assert REPORTER in pdf_text(rendered["receipt", "pdf"])


@pytest.mark.parametrize("field", ["reasons", "decision_text", "recipient_name"])
def test_a_guardian_letter_mentioning_the_reporter_is_refused(field: str) -> None:
    data = make_data(**{field: f"Uppgifter från karin  rapportör via {REPORTER_EMAIL}"})
    with pytest.raises(ValueError, match="Anmälarens"):
        render_letter("decision_not_open", data, "pdf")
    with pytest.raises(ValueError, match="Anmälarens"):
        letter_text("guardian_info", data)


def test_a_municipality_template_cannot_reach_the_reporter(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Anmälare: {{ reporter_name }}")
    document.save(tmp_path / "guardian_info.docx")
    with pytest.raises(ValueError, match="reporter_name"):
        render_letter("guardian_info", make_data(), "docx", template_dir=tmp_path)


def test_a_municipality_template_is_used(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Egen mall för {{ child_name }} i ärende {{ case_number }}")
    document.add_paragraph("{%p for item in reasons_lines %}")
    document.add_paragraph("– {{ item }}")
    document.add_paragraph("{%p endfor %}")
    document.save(tmp_path / "decision_not_open.docx")
    data = render_letter("decision_not_open", make_data(), "docx", template_dir=tmp_path)
    text = docx_text(data)
    assert "Egen mall för Åsa Öberg Nguyễn i ärende IFO 2026/0042" in text
    assert "– Oron bedöms inte kräva utredning." in text
    with pytest.raises(ValueError, match="saknas"):
        render_letter("receipt", make_data(), "docx", template_dir=tmp_path)


@pytest.mark.parametrize(
    "birth",
    ["20150312-1234", "201503121234", "150312-1234", "19121212-1212", "121212+1212"],
)
def test_a_personnummer_as_birth_date_is_refused(birth: str) -> None:
    with pytest.raises(ValueError, match="personnummer"):
        make_data(child_birth_date=birth)


def test_a_birth_date_string_is_shown_as_a_date_only() -> None:
    data = make_data(child_birth_date="2015-03-12")
    assert data.child_birth_date == date(2015, 3, 12)
    assert "född 12 mars 2015" in letter_text("guardian_info", data)
    with pytest.raises(ValueError):
        make_data(child_birth_date="2015-02-30")


def test_a_personnummer_in_free_text_is_refused() -> None:
    with pytest.raises(ValueError, match="personnummer"):
        make_data(reasons="Barnet (19121212-1212) har stöd.")
    with pytest.raises(ValueError, match="personnummer"):
        make_data(child_name="Kalle 121212-1212")


@pytest.mark.parametrize(
    "written",
    ["150305–1201", "150305—1201", "150305 1201", "20150305 1201", "150305\u00a01201"],
)
def test_a_personnummer_written_with_a_dash_or_a_space_is_refused_too(written: str) -> None:
    """Word turns the hyphen into an en dash; people write a space. The detector finds these."""
    with pytest.raises(ValueError, match="personnummer"):
        make_data(reasons=f"Anmälan om Elsa Berg, {written}, kom från skolan.")


def test_phone_and_case_numbers_are_not_taken_for_a_personnummer() -> None:
    make_data(reasons="Ring 070 123 45 67 eller 0701234567 om ärende 2024 1234.")


INJECTION = "Se {{ 7*7 }} och {% for x in y %}{% endfor %} {%p if x %} <w:p> & {_{ nb {nb}"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_template_syntax_in_values_renders_literally(fmt: str) -> None:
    data = make_data(child_name="Kalle {{ 7*7 }}", reasons=INJECTION, decision_text="{{ title }}")
    output = render_letter("decision_not_open", data, fmt)
    text = flat(docx_text(output)) if fmt == "docx" else pdf_text(output)
    assert "Kalle {{ 7*7 }}" in text
    assert "{% for x in y %}{% endfor %} {%p if x %} <w:p> &" in text
    assert "{{ title }}" in text
    assert "{_{ nb" in text
    assert "49" not in text
    if fmt == "pdf":
        assert "{nb}" in text  # fpdf2's page-count alias is switched off


def test_control_characters_do_not_break_the_docx() -> None:
    data = make_data(reasons="Rad ett\x00\x0b\x1b\r\nRad två\ttabb")
    text = docx_text(render_letter("decision_not_open", data, "docx"))
    assert "Rad ett" in text and "Rad två tabb" in text


def test_characters_outside_the_font_are_replaced_visibly() -> None:
    data = make_data(child_name="Li 中文 Åström")
    text = pdf_text(render_pdf("guardian_info", data, font=default_font()))
    assert "Li ?? Åström" in text


def test_the_core_font_fallback_keeps_swedish_and_marks_the_rest() -> None:
    data = make_data(caseworker_name="Łukasz Wiśniewski", child_name="Åsa Ørn Müller—Nguyễn")
    output = render_pdf("decision_open", data, font=CORE_FONT)
    text = pdf_text(output)
    assert output.startswith(b"%PDF")
    assert "?ukasz Wi?niewski" in text
    assert "Åsa Ørn Müller—Nguy?n" in text
    assert "Socialtjänsten" in text and "överklaga" in text


def test_validation_of_kind_format_and_required_content() -> None:
    with pytest.raises(ValueError, match="kontaktuppgifter"):
        letter_text("receipt", make_data(recipient_address=()))
    with pytest.raises(ValueError, match="skälen"):
        render_letter("decision_not_open", make_data(reasons=" \n "), "docx")
    with pytest.raises(ValueError, match="brevtyp"):
        render_letter("reminder", make_data(), "pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format"):
        render_letter("receipt", make_data(), "odt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="barnets namn"):
        make_data(child_name="  ")


def test_the_data_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_data().child_name = "Någon annan"  # type: ignore[misc]


def test_swedish_dates_do_not_depend_on_the_locale() -> None:
    assert swedish_date(date(2026, 11, 23)) == "23 november 2026"
    assert swedish_date(date(2027, 1, 1)) == "1 januari 2027"
    assert swedish_date(date(2026, 8, 31)) == "31 augusti 2026"


def test_file_names_are_ascii_and_name_nobody() -> None:
    name = letter_filename("decision_not_open", make_data(), "pdf")
    assert name == "beslut-att-inte-inleda-utredning_IFO-2026-0042_2026-11-23.pdf"
    assert name.isascii() and "Nguy" not in name
    guardian = letter_filename("guardian_info", make_data(), "docx")
    assert guardian.endswith("_2026-11-23.docx") and guardian.isascii()


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_templates_match_the_generator(kind: str) -> None:
    """One source of truth: regenerate with python -m tillit.concern.letters.build_templates."""
    built = build_template(kind)
    assert built == build_template(kind)  # reproducible
    shipped = (SHIPPED_TEMPLATES / f"{kind}.docx").read_bytes()
    for part in ("word/document.xml", "word/footer1.xml"):
        assert _part_text(shipped, part) == _part_text(built, part), part


def _part_text(docx: bytes, part: str) -> str:
    document = Document(io.BytesIO(docx))
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert part in archive.namelist()
    if part == "word/document.xml":
        return docx_text(docx)
    return "\n".join(p.text for p in document.sections[0].footer.paragraphs)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_letter_without_contact_details_does_not_promise_them(fmt: str) -> None:
    contact = ("caseworker_phone", "caseworker_email", "office_phone", "office_email")
    blank = dict.fromkeys(contact, "")
    without = make_data(**blank)
    text = letter_text("decision_open", without)
    assert "står nedan" not in text and "på socialtjänsten i Exempelby kommun." in text
    assert "Kontaktuppgifterna står nedan." in letter_text("decision_open", make_data())
    rendered = render_letter("decision_open", without, fmt)  # type: ignore[arg-type]
    shown = docx_text(rendered) if fmt == "docx" else pdf_text(rendered)
    assert "står nedan" not in shown and "på socialtjänsten i" in " ".join(shown.split())
