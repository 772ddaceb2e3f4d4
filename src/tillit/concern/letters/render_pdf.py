"""PDF letters with fpdf2, drawn from the same resolved letter as the plain text.

Font: the first available of Source Sans Pro (the PyPI package ``font-source-sans-pro``),
DejaVu Sans and Liberation Sans (Debian's font packages); without any of them fpdf2's core
Helvetica in Windows-1252, which covers Swedish and most Western European names. A character the
chosen font cannot draw is printed as ``?`` — visibly, never dropped and never an exception.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

from tillit.concern.letters.content import ResolvedLetter, Style, resolve
from tillit.concern.letters.data import LetterData, LetterKind

REPLACEMENT = "?"
_LINE_MM = 5.5
_GAP_MM = 3.0
_LETTERHEAD_MM = 85  # left column; date and case number to its right
_SIZES: dict[Style, float] = {
    "strong": 13,
    "heading": 14,
    "subheading": 11,
    "body": 11,
    "line": 11,
    "small": 8,
}
_BOLD: frozenset[Style] = frozenset({"strong", "heading", "subheading"})


@dataclass(frozen=True)
class PdfFont:
    """A regular and a bold TrueType file, or neither for fpdf2's core Helvetica."""

    family: str
    regular: Path | None = None
    bold: Path | None = None

    @property
    def available(self) -> bool:
        if self.regular is None or self.bold is None:
            return self.regular is None and self.bold is None
        return self.regular.is_file() and self.bold.is_file()


CORE_FONT = PdfFont("helvetica")
_DEBIAN_FONTS = Path("/usr/share/fonts/truetype")


def font_candidates() -> list[PdfFont]:
    """The fonts tried in order; the core font always works and comes last."""
    candidates = []
    package = _package_dir("font_source_sans_pro")
    if package is not None:
        files = package / "files"
        candidates.append(
            PdfFont(
                "SourceSansPro",
                files / "SourceSansPro-Regular.ttf",
                files / "SourceSansPro-Bold.ttf",
            )
        )
    candidates += [
        PdfFont(
            "DejaVuSans",
            _DEBIAN_FONTS / "dejavu/DejaVuSans.ttf",
            _DEBIAN_FONTS / "dejavu/DejaVuSans-Bold.ttf",
        ),
        PdfFont(
            "LiberationSans",
            _DEBIAN_FONTS / "liberation/LiberationSans-Regular.ttf",
            _DEBIAN_FONTS / "liberation/LiberationSans-Bold.ttf",
        ),
        CORE_FONT,
    ]
    return candidates


def default_font() -> PdfFont:
    return next(font for font in font_candidates() if font.available)


def render_pdf(kind: LetterKind, data: LetterData, *, font: PdfFont | None = None) -> bytes:
    letter = resolve(kind, data)
    chosen = font or default_font()
    pdf = _LetterPdf(chosen, letter.footer)
    pdf.set_title(letter.title)
    pdf.set_lang("sv-SE")
    pdf.set_creator("Tillit")
    pdf.add_page()
    _draw_letter(pdf, letter)
    return bytes(pdf.output())


class _LetterPdf(FPDF):
    def __init__(self, font: PdfFont, footer_text: str) -> None:
        super().__init__(format="A4", unit="mm")
        # No "{nb}" alias: fpdf2 would put the page count wherever user text contains it.
        self.str_alias_nb_pages = None
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(auto=True, margin=25)
        self.letter_font = font
        self.drawable = _drawable_filter(font)
        if font.regular is None:
            self.core_fonts_encoding = "windows-1252"
        else:
            self.add_font(font.family, "", str(font.regular))
            self.add_font(font.family, "B", str(font.bold))
        self.footer_text = footer_text

    def use(self, style: Style) -> None:
        self.set_font(self.letter_font.family, "B" if style in _BOLD else "", _SIZES[style])

    def write_lines(self, text: str, style: Style, *, width: float = 0, align: str = "L") -> None:
        self.use(style)
        height = _LINE_MM * _SIZES[style] / 11
        self.multi_cell(width, height, self.drawable(text), align=align, new_x="LEFT", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-18)
        self.set_x(self.l_margin)
        self.write_lines(self.footer_text, "small", align="C")
        self.write_lines(f"Sida {self.page_no()}", "small", align="C")


def _draw_letter(pdf: _LetterPdf, letter: ResolvedLetter) -> None:
    _draw_letterhead(pdf, letter)
    pdf.ln(10)
    for line in letter.recipient:
        pdf.write_lines(line, "line")
    pdf.ln(10)
    pdf.write_lines(letter.heading, "heading")
    pdf.ln(_GAP_MM)
    _draw_paragraphs(pdf, letter.body)
    pdf.ln(_GAP_MM)
    _draw_paragraphs(pdf, letter.signature)


def _draw_letterhead(pdf: _LetterPdf, letter: ResolvedLetter) -> None:
    top = pdf.get_y()
    for style, text in letter.letterhead:
        pdf.write_lines(text, style, width=_LETTERHEAD_MM)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + _LETTERHEAD_MM, top)
    for label, value in letter.meta:
        pdf.write_lines(f"{label}: {value}", "line", width=pdf.epw - _LETTERHEAD_MM, align="R")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()))


def _draw_paragraphs(pdf: _LetterPdf, parts: list[tuple[Style, str]]) -> None:
    for index, (style, text) in enumerate(parts):
        pdf.write_lines(text, style)
        following = parts[index + 1][0] if index + 1 < len(parts) else None
        if not (style == "line" and following == "line"):
            pdf.ln(_GAP_MM)


def _drawable_filter(font: PdfFont) -> Callable[[str], str]:
    """A function that swaps each character the font cannot draw for ``REPLACEMENT``."""
    if font.regular is None:
        return _cp1252_only
    covered = _covered(str(font.regular)) & _covered(str(font.bold))

    def drawable(text: str) -> str:
        return "".join(ch if ord(ch) in covered or ch == "\n" else REPLACEMENT for ch in text)

    return drawable


def _cp1252_only(text: str) -> str:
    return "".join(ch if _in_cp1252(ch) else REPLACEMENT for ch in text)


def _in_cp1252(ch: str) -> bool:
    try:
        ch.encode("windows-1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=8)
def _covered(path: str) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
