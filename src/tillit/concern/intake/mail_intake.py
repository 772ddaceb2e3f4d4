"""Mail intake: poll the intake unit's IMAP mailbox and register every report as a case.

A message is marked processed only after its case is committed; a message whose registration
fails stays for the next poll. The Message-ID is the case's source ref, so a message seen twice
(another client reset its flags, a poll cut short) is still one case. A message that is only
attachments Tillit cannot read (a scanned form as PDF) is registered with a text that says so
and names the files, so the deadlines start.
"""

from __future__ import annotations

from tillit.auth.roles import Principal
from tillit.concern.intake.mail import MailboxSettings, PollResult, poll_mailbox
from tillit.concern.intake.mail_parse import (
    EMPTY,
    NOT_TEXT,
    TOO_LARGE,
    UNREADABLE,
    AttachmentNote,
    IncomingMail,
)
from tillit.concern.register import register_report
from tillit.concern.schemas import MAX_REPORT_CHARS, Reporter, ReportIn
from tillit.platform import Platform

_WHY = {
    NOT_TEXT: "den är inte text",
    TOO_LARGE: "den är för stor",
    EMPTY: "den är tom",
    UNREADABLE: "den kunde inte avkodas",
}


def poll(platform: Platform, principal: Principal, settings: MailboxSettings) -> PollResult:
    principal.require("cases:write")

    def register(mail: IncomingMail) -> None:
        report, notes = report_from_mail(mail, settings.processed_folder)
        with platform.session() as db:
            register_report(
                db, platform.box, principal, report, "e-post", strict_identity=False, notes=notes
            )

    return poll_mailbox(settings, register)


def report_from_mail(
    mail: IncomingMail, folder: str | None = None
) -> tuple[ReportIn, tuple[str, ...]]:
    """The report a mail makes, and the notes shown on its case. ``folder``: where the message
    is kept once registered (named in the text of an attachments-only report)."""
    text = _report_text(mail, folder)
    notes = tuple(_attachment_warning(a) for a in mail.attachments if a.reason)
    if len(text) > MAX_REPORT_CHARS:
        text = text[:MAX_REPORT_CHARS]
        notes = (*notes, "Texten var längre än 200 000 tecken och är avkortad; se originalet.")
    report = ReportIn(
        text=text,
        reporter_type="annan",
        reporter=Reporter(name=_cut(mail.sender_name), email=_cut(mail.sender_address, 320)),
        received_at=mail.received,
        source_ref=mail.message_id[:200],
    )
    return report, notes


def _report_text(mail: IncomingMail, folder: str | None) -> str:
    body = mail.text
    if mail.unread and not any(ch.isalnum() for ch in body):
        parts = (body.strip(), _unread_note(mail.unread, folder))
        body = "\n\n".join(part for part in parts if part)
    return f"Ämne: {mail.subject}\n\n{body}" if mail.subject else body


def _unread_note(unread: tuple[AttachmentNote, ...], folder: str | None) -> str:
    names = ", ".join(_attachment_name(a) for a in unread)
    where = f" (mappen {folder})" if folder else ""
    return (
        "Meddelandet har ingen text som kunde läsas in, bara bilagor som Tillit inte kan läsa: "
        f"{names}. Öppna meddelandet i e-postlådan{where} och läs bilagorna där."
    )


def _attachment_warning(note: AttachmentNote) -> str:
    why = _WHY.get(note.reason or "", "den kunde inte läsas")
    return f"Bilagan {_attachment_name(note)} lästes inte in: {why}. Öppna den i e-postlådan."


def _attachment_name(note: AttachmentNote) -> str:
    name = f"{note.name or '(utan namn)'} ({note.content_type})"
    return f"{name} i det vidarebefordrade meddelandet ”{note.within}”" if note.within else name


def _cut(value: str | None, limit: int = 200) -> str | None:
    return value[:limit] if value else None
