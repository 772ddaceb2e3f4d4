"""Write the shipped DOCX letter templates from the letters' one definition in ``content.py``.

    python -m tillit.concern.letters.build_templates [--out DIR]

Each template is plain python-docx output with docxtpl tags in the text (``{{ case_number }}``,
``{%p if caseworker_title %}``). A municipality may copy them, restyle them in Word (letterhead,
logo, fonts) and pass its folder as ``template_dir``; the variables it can use are the keys of
``content.letter_context``. The output is byte-for-byte reproducible (fixed ZIP timestamps and
document properties), so a regenerated template differs only when the wording or layout changed.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from tillit.concern.letters.content import (
    FOOTER,
    LETTERHEAD,
    META,
    RECIPIENT,
    SIGNATURE,
    SPECS,
    Block,
    LetterSpec,
    Style,
    jinja_text,
)
from tillit.concern.letters.data import LetterKind

TEMPLATE_DIR = Path(__file__).parent / "templates"
FONT = "Arial"
_FIXED_TIME = datetime(2025, 7, 1, tzinfo=UTC)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Word paragraph style per block style; "strong" is a bold, larger run in a letter line.
_STYLE_NAMES: dict[Style, str] = {
    "strong": "Brevrad",
    "heading": "Heading 1",
    "subheading": "Heading 2",
    "body": "Normal",
    "line": "Brevrad",
    "small": "Sidfot",
}
Container = DocumentType | _Cell


def build_template(kind: LetterKind) -> bytes:
    """The DOCX template for one kind, as bytes (identical on every run)."""
    spec = SPECS[kind]
    document = Document()
    _page_setup(document)
    _styles(document)
    _properties(document, spec)
    _letterhead(document)
    _add_paragraph(document, "", "body")
    _add_block(document, RECIPIENT)
    _add_paragraph(document, "", "body")
    _add_paragraph(document, spec.heading, "heading")
    for block in spec.body:
        _add_block(document, block)
    for block in SIGNATURE:
        _add_block(document, block)
    _footer(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalised_zip(buffer.getvalue())


def write_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in SPECS:
        path = directory / f"{kind}.docx"
        path.write_bytes(build_template(kind))
        written.append(path)
    return written


def _page_setup(document: DocumentType) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.footer_distance = Mm(10)


def _styles(document: DocumentType) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    _east_asian_font_and_language(normal)
    normal.paragraph_format.space_before, normal.paragraph_format.space_after = Pt(0), Pt(8)
    normal.paragraph_format.line_spacing = 1.15
    line = styles.add_style("Brevrad", WD_STYLE_TYPE.PARAGRAPH)
    line.base_style = normal
    line.paragraph_format.space_after = Pt(8)
    _contextual_spacing(line)
    small = styles.add_style("Sidfot", WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = normal
    small.font.size = Pt(8)
    small.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    small.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name, size in (("Heading 1", 14), ("Heading 2", 11)):
        heading = styles[name]
        heading.font.name, heading.font.size, heading.font.bold = FONT, Pt(size), True
        heading.font.color.rgb = RGBColor(0, 0, 0)
        heading.paragraph_format.space_before = Pt(12 if size > 11 else 6)
        heading.paragraph_format.space_after = Pt(6)


def _east_asian_font_and_language(style: object) -> None:
    """Arial for every script slot and Swedish as the proofing language."""
    run_properties = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = run_properties.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "sv-SE")
    run_properties.append(language)


def _contextual_spacing(style: object) -> None:
    """No space between two letter lines (address, signature); space after the last one."""
    paragraph_properties = style.element.get_or_add_pPr()  # type: ignore[attr-defined]
    paragraph_properties.append(OxmlElement("w:contextualSpacing"))


def _properties(document: DocumentType, spec: LetterSpec) -> None:
    properties = document.core_properties
    properties.title = spec.title
    properties.author = properties.last_modified_by = "Tillit"
    properties.language = "sv-SE"
    properties.comments = "Brevmall för orosanmälan. Fält: se tillit.concern.letters."
    properties.created = properties.modified = _FIXED_TIME.replace(tzinfo=None)
    properties.revision = 1


def _letterhead(document: DocumentType) -> None:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(85), Mm(75)
    for block in LETTERHEAD:
        _add_block(left, block)
    for label, value in META:
        paragraph = _add_paragraph(right, f"{label}: {jinja_text(value)}", "line")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in (left, right):
        first = cell.paragraphs[0]
        if not first.text:  # the empty paragraph every new cell starts with
            first._element.getparent().remove(first._element)


def _footer(document: DocumentType) -> None:
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.text = jinja_text(FOOTER.text)
    paragraph.style = document.styles[_STYLE_NAMES["small"]]


def _add_block(container: Container, block: Block) -> None:
    if block.when:
        _add_paragraph(container, "{%p if " + block.when + " %}", "body")
    if block.each:
        _add_paragraph(container, "{%p for item in " + block.each + " %}", "body")
        _add_paragraph(container, "{{ item }}", block.style)
        _add_paragraph(container, "{%p endfor %}", "body")
    else:
        _add_paragraph(container, jinja_text(block.text), block.style)
    if block.when:
        _add_paragraph(container, "{%p endif %}", "body")


def _add_paragraph(container: Container, text: str, style: Style) -> Paragraph:
    paragraph = container.add_paragraph(style=_STYLE_NAMES[style])
    run = paragraph.add_run(text)
    if style == "strong":
        run.bold, run.font.size = True, Pt(13)
    return paragraph


def _normalised_zip(data: bytes) -> bytes:
    """Same bytes for the same document: fixed entry timestamps, same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR, help="folder to write into")
    arguments = parser.parse_args(argv)
    for path in write_templates(arguments.out):
        print(path)


if __name__ == "__main__":
    main()
