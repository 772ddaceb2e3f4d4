"""The letters' words: one definition per kind, shared by the PDF, the plain text and the DOCX.

A letter is a fixed frame (letterhead, date and case number, recipient, signature, footer) around a
heading and a body of ``Block``s. Block text holds ``{field}`` placeholders naming keys of the
context that ``letter_context`` builds. The plain text and the PDF fill them in one pass (a value is
never read as a template); ``build_templates`` turns the same blocks into docxtpl tags, so the
shipped DOCX templates say exactly what the PDF says. A municipality's own DOCX templates get the
same context.

Legal references are to the socialtjänstlag (2025:400) as amended by 2025:1501 (in force 15
January 2026): 19 kap. 6 § (information to a reporter with a duty to report) and 20 kap. 3 §
(an investigation is finished within four months).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from tillit.concern.letters.data import (
    LetterData,
    LetterDataError,
    LetterKind,
    clean_text,
    swedish_date,
    text_lines,
)

Style = Literal["strong", "heading", "subheading", "body", "line", "small"]
Context = dict[str, str | list[str]]

LETTER_KINDS: Mapping[LetterKind, str] = MappingProxyType(
    {
        "receipt": "Mottagningsbekräftelse",
        "decision_open": "Beslut att inleda utredning",
        "decision_not_open": "Beslut att inte inleda utredning",
        "guardian_info": "Information till vårdnadshavare om orosanmälan",
        "reporter_info": "Återkoppling till anmälaren",
    }
)
# Letters to guardians: the reporter's identity never reaches their context.
GUARDIAN_KINDS: frozenset[LetterKind] = frozenset(
    {"decision_open", "decision_not_open", "guardian_info"}
)

_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Block:
    """A paragraph, or one per item of the list field ``each``; left out when ``when`` is empty."""

    text: str = ""
    style: Style = "body"
    each: str = ""
    when: str = ""


@dataclass(frozen=True)
class LetterSpec:
    kind: LetterKind
    heading: str
    body: tuple[Block, ...]

    @property
    def title(self) -> str:
        return LETTER_KINDS[self.kind]


LETTERHEAD = (Block("{municipality}", "strong"), Block("{unit}", "line"))
META = (("Datum", "{letter_date}"), ("Ärendenummer", "{case_number}"))
RECIPIENT = Block(each="recipient_lines", style="line")
SIGNATURE = (
    Block("Med vänlig hälsning"),
    Block("{caseworker_name}", "line"),
    Block("{caseworker_title}", "line", when="caseworker_title"),
    Block("{unit}", "line"),
    Block("Telefon: {caseworker_phone}", "line", when="caseworker_phone"),
    Block("E-post: {caseworker_email}", "line", when="caseworker_email"),
)
FOOTER = Block("{office_line}", "small")

_QUESTIONS = Block(
    "Har ni frågor är ni välkomna att kontakta {caseworker_name}. Kontaktuppgifterna står nedan.",
    when="contact_given",
)
_QUESTIONS_NO_CONTACT = Block(
    "Har ni frågor är ni välkomna att kontakta {caseworker_name} på socialtjänsten i "
    "{municipality}.",
    when="contact_missing",
)
# The reporter is one person, addressed as "du" like the rest of the letters to reporters.
_QUESTIONS_DU = Block(
    "Har du frågor är du välkommen att kontakta {caseworker_name}. Kontaktuppgifterna står nedan.",
    when="contact_given",
)
_QUESTIONS_DU_NO_CONTACT = Block(
    "Har du frågor är du välkommen att kontakta {caseworker_name} på socialtjänsten i "
    "{municipality}.",
    when="contact_missing",
)
_DECISION_TEXT = Block(each="decision_text_lines")

SPECS: Mapping[LetterKind, LetterSpec] = MappingProxyType(
    {
        "receipt": LetterSpec(
            "receipt",
            "Bekräftelse på mottagen orosanmälan",
            (
                Block(
                    "Vi har tagit emot din anmälan om oro för ett barn. Anmälan kom in till "
                    "socialtjänsten i {municipality} den {received_date} och har ärendenummer "
                    "{case_number}. Ange gärna ärendenumret om du kontaktar oss."
                ),
                Block("Anmälan gäller {child_name}, född {child_birth_date}.", "line"),
                Block("Anmälare: {reporter_name}", "line", when="reporter_name"),
                Block(
                    "Socialtjänsten bedömer nu om barnet behöver skydd omedelbart och tar sedan "
                    "ställning till om en utredning ska inledas. Vi kan komma att kontakta dig om "
                    "vi behöver fler uppgifter."
                ),
                Block(
                    "Uppgifter om enskildas personliga förhållanden omfattas av sekretess inom "
                    "socialtjänsten. Därför kan vi i regel inte berätta vad som händer i ärendet."
                ),
                Block(
                    "Om du har gjort anmälan i din yrkesroll och omfattas av "
                    "anmälningsskyldigheten kan du begära att få veta om en utredning har "
                    "inletts, inte har inletts eller redan pågår. Du får då besked senast en "
                    "vecka efter beslutet (19 kap. 6 § socialtjänstlagen). Kontakta oss i så "
                    "fall och ange ärendenumret."
                ),
                Block(
                    "Får du veta något nytt om barnets situation kan du göra en ny anmälan. Om du "
                    "omfattas av anmälningsskyldigheten gäller den även nya uppgifter. Är ett barn "
                    "i akut fara, ring 112."
                ),
            ),
        ),
        "decision_open": LetterSpec(
            "decision_open",
            "Beslut att inleda utredning",
            (
                Block(
                    "Socialtjänsten i {municipality} har den {decision_date} beslutat att inleda "
                    "en utredning om {child_name}, född {child_birth_date}. Beslutet har fattats "
                    "med anledning av en anmälan "
                    "som kom in den {received_date}. Ärendet har ärendenummer {case_number}."
                ),
                _DECISION_TEXT,
                Block(
                    "Utredningen ska ta reda på hur {child_name} har det och om barnet behöver "
                    "stöd eller skydd från socialtjänsten. Vi kommer att kontakta er för att boka "
                    "en tid för samtal. Under utredningen kan vi behöva tala med barnet och med "
                    "er, göra hembesök och hämta in uppgifter från andra, till exempel förskola, "
                    "skola eller hälso- och sjukvård."
                ),
                Block(
                    "En utredning ska bedrivas skyndsamt och vara klar inom fyra månader, om det "
                    "inte finns särskilda skäl att förlänga den (20 kap. 3 § socialtjänstlagen). "
                    "Innan utredningen avslutas har ni som regel rätt att ta del av det som har "
                    "kommit fram och att lämna synpunkter."
                ),
                Block(
                    "Ni har rätt att anlita ett ombud eller biträde i ärendet. Ni kan också ta med "
                    "en stödperson till möten med socialtjänsten."
                ),
                Block("Beslutet att inleda en utredning går inte att överklaga."),
                _QUESTIONS,
                _QUESTIONS_NO_CONTACT,
            ),
        ),
        "decision_not_open": LetterSpec(
            "decision_not_open",
            "Beslut att inte inleda utredning",
            (
                Block(
                    "Socialtjänsten i {municipality} har den {decision_date} beslutat att inte "
                    "inleda en utredning om {child_name}, född {child_birth_date}. Beslutet gäller "
                    "den anmälan som kom in den "
                    "{received_date} och har ärendenummer {case_number}."
                ),
                _DECISION_TEXT,
                Block("Skäl för beslutet", "subheading"),
                Block(each="reasons_lines"),
                Block("Beslutet går inte att överklaga."),
                Block(
                    "Om situationen förändras är ni välkomna att kontakta socialtjänsten igen. Ni "
                    "kan också när som helst själva ansöka om stöd från socialtjänsten."
                ),
                _QUESTIONS,
                _QUESTIONS_NO_CONTACT,
            ),
        ),
        "guardian_info": LetterSpec(
            "guardian_info",
            "Information om en anmälan som gäller ert barn",
            (
                Block(
                    "Socialtjänsten i {municipality} har den {received_date} tagit emot en anmälan "
                    "om oro för {child_name}, född {child_birth_date}. Ärendet har ärendenummer "
                    "{case_number}."
                ),
                Block(
                    "Socialtjänsten ska ta emot och bedöma alla anmälningar om oro för barn. En "
                    "anmälan är inte en anklagelse. Den är ett sätt för socialtjänsten att få veta "
                    "om ett barn eller en familj kan behöva stöd eller skydd."
                ),
                Block(
                    "Vi bedömer nu om socialtjänsten ska inleda en utredning. Vi kommer att "
                    "kontakta er och berätta hur vi går vidare."
                ),
                _DECISION_TEXT,
                Block(
                    "Ni har som regel rätt att ta del av uppgifterna i ärendet. Uppgifter om vem "
                    "som har gjort anmälan kan omfattas av sekretess."
                ),
                _QUESTIONS,
                _QUESTIONS_NO_CONTACT,
            ),
        ),
        "reporter_info": LetterSpec(
            "reporter_info",
            "Återkoppling på din anmälan om oro för ett barn",
            (
                Block(
                    "Du gjorde den {received_date} en anmälan till socialtjänsten i "
                    "{municipality} om oro för {child_name}, född {child_birth_date}. Ärendet har "
                    "ärendenummer {case_number}."
                ),
                Block(
                    "Socialtjänsten har den {decision_date} beslutat att inleda en utredning.",
                    when="decision_opened",
                ),
                Block(
                    "Socialtjänsten har den {decision_date} beslutat att inte inleda en utredning.",
                    when="decision_not_opened",
                ),
                Block(
                    "En utredning om barnet pågår redan hos socialtjänsten. Din anmälan tas med "
                    "i den.",
                    when="investigation_ongoing",
                ),
                Block(
                    "Du får det här beskedet eftersom du har gjort anmälan i din yrkesroll "
                    "(19 kap. 6 § socialtjänstlagen). Uppgifter om barnet och familjen omfattas "
                    "av sekretess, så vi kan inte berätta mer om ärendet."
                ),
                Block(
                    "Får du veta något nytt om barnets situation gäller din anmälningsskyldighet "
                    "även det. Är ett barn i akut fara, ring 112."
                ),
                _QUESTIONS_DU,
                _QUESTIONS_DU_NO_CONTACT,
            ),
        ),
    }
)


@dataclass(frozen=True)
class ResolvedLetter:
    """A letter with every placeholder filled: what the PDF draws and ``letter_text`` prints."""

    title: str
    letterhead: list[tuple[Style, str]]
    meta: list[tuple[str, str]]
    recipient: list[str]
    heading: str
    body: list[tuple[Style, str]]
    signature: list[tuple[Style, str]]
    footer: str
    context: Context = field(repr=False)


def letter_context(kind: LetterKind, data: LetterData) -> Context:
    """The values a template may use. Guardian letters get no reporter fields at all."""
    spec = SPECS[kind]  # KeyError for an unknown kind is turned into ValueError by callers
    _check_kind_requirements(kind, data)
    context: Context = {
        "title": spec.title,
        "heading": spec.heading,
        "municipality": _one_line(data.municipality),
        "unit": _one_line(data.unit),
        "case_number": _one_line(data.case_number),
        "letter_date": swedish_date(data.letter_date),
        "received_date": swedish_date(data.received_date),
        "decision_date": swedish_date(data.decided_on),
        "child_name": _one_line(data.child_name),
        "child_birth_date": swedish_date(data.child_birth_date),
        "recipient_lines": _lines((data.recipient_name, *data.recipient_address)),
        "caseworker_name": _one_line(data.caseworker_name),
        "caseworker_title": _one_line(data.caseworker_title),
        "caseworker_phone": _one_line(data.caseworker_phone),
        "caseworker_email": _one_line(data.caseworker_email),
        "office_line": _office_line(data),
        "contact_given": "ja" if _contact_given(data) else "",
        "contact_missing": "" if _contact_given(data) else "ja",
        "decision_text_lines": text_lines(data.decision_text),
        "reasons_lines": text_lines(data.reasons),
        "decision_opened": "ja" if data.decision == "utredning_inleds" else "",
        "decision_not_opened": "ja" if data.decision == "inleds_ej" else "",
        "investigation_ongoing": "ja" if data.decision == "pagar" else "",
    }
    if kind in GUARDIAN_KINDS:
        _refuse_reporter_identity(data, context)
    else:
        context["reporter_name"] = _one_line(data.reporter_name)
    return context


def resolve(kind: LetterKind, data: LetterData) -> ResolvedLetter:
    spec = SPECS[kind]
    context = letter_context(kind, data)
    return ResolvedLetter(
        title=spec.title,
        letterhead=list(expand(LETTERHEAD, context)),
        meta=[(label, fill(value, context)) for label, value in META],
        recipient=[text for _, text in expand((RECIPIENT,), context)],
        heading=spec.heading,
        body=list(expand(spec.body, context)),
        signature=list(expand(SIGNATURE, context)),
        footer=fill(FOOTER.text, context),
        context=context,
    )


def plain_text(letter: ResolvedLetter) -> str:
    parts = [
        "\n".join(text for _, text in letter.letterhead),
        "\n".join(f"{label}: {value}" for label, value in letter.meta),
        "\n".join(letter.recipient),
        letter.heading,
        *_grouped(letter.body),
        *_grouped(letter.signature),
        letter.footer,
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def expand(blocks: tuple[Block, ...], context: Context) -> Iterator[tuple[Style, str]]:
    for block in blocks:
        if block.when and not context.get(block.when):
            continue
        if block.each:
            items = context[block.each]
            assert isinstance(items, list)
            yield from ((block.style, item) for item in items)
        else:
            yield block.style, fill(block.text, context)


def fill(text: str, context: Context) -> str:
    """Replace ``{field}`` once; a value is inserted as it is, never scanned for placeholders."""

    def value(match: re.Match[str]) -> str:
        found = context[match.group(1)]
        assert isinstance(found, str), match.group(1)
        return found

    return _FIELD.sub(value, text)


def jinja_text(text: str) -> str:
    """The docxtpl form of a block's text: ``{case_number}`` becomes ``{{ case_number }}``."""
    return _FIELD.sub(lambda match: "{{ " + match.group(1) + " }}", text)


def _grouped(parts: list[tuple[Style, str]]) -> list[str]:
    """Paragraphs as text: consecutive ``line`` parts stay together, one per line."""
    groups: list[list[str]] = []
    previous: Style | None = None
    for style, text in parts:
        if style == "line" and previous == "line":
            groups[-1].append(text)
        else:
            groups.append([text])
        previous = style
    return ["\n".join(group) for group in groups]


def _check_kind_requirements(kind: LetterKind, data: LetterData) -> None:
    if kind == "receipt" and not _lines(data.recipient_address):
        raise LetterDataError(
            "En mottagningsbekräftelse skickas bara när anmälaren har lämnat kontaktuppgifter."
        )
    if kind == "reporter_info" and data.decision not in ("utredning_inleds", "inleds_ej", "pagar"):
        raise LetterDataError("Beskedet till anmälaren kan skrivas först när beslutet är fattat.")
    if kind == "reporter_info" and not _lines(data.recipient_address):
        raise LetterDataError("Beskedet till anmälaren behöver anmälarens adress.")
    if kind == "decision_not_open" and not text_lines(data.reasons):
        raise LetterDataError("Ett beslut att inte inleda utredning ska innehålla skälen.")


def _refuse_reporter_identity(data: LetterData, context: Context) -> None:
    folded = [_folded(item) for item in (data.reporter_name, *data.reporter_contact)]
    needles = [
        re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)") for needle in folded if len(needle) >= 2
    ]
    for key, text in _strings(context):
        haystack = _folded(text)
        if any(needle.search(haystack) for needle in needles):
            raise LetterDataError(
                f"Anmälarens namn eller kontaktuppgift står i fältet {key}; "
                "ett brev till vårdnadshavare får inte avslöja vem som har anmält."
            )


def _strings(context: Context) -> Iterator[tuple[str, str]]:
    for key, value in context.items():
        if isinstance(value, str):
            yield key, value
        else:
            yield from ((key, item) for item in value)


def _folded(text: str) -> str:
    return " ".join(clean_text(text).casefold().split())


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def _lines(items: tuple[str, ...]) -> list[str]:
    return [line for line in (_one_line(item) for item in items) if line]


def _contact_given(data: LetterData) -> bool:
    """A phone number or e-mail address the letter prints (signature or footer)."""
    found = (data.caseworker_phone, data.caseworker_email, data.office_phone, data.office_email)
    return any(value.strip() for value in found)


def _office_line(data: LetterData) -> str:
    parts = [
        _one_line(data.municipality),
        _one_line(data.unit),
        ", ".join(_lines(data.office_address)),
        f"Telefon {_one_line(data.office_phone)}" if data.office_phone.strip() else "",
        _one_line(data.office_email),
    ]
    return " · ".join(part for part in parts if part)
