"""Mail intake: poll the intake unit's IMAP mailbox and register every report as a case.

A message is marked processed only after its case is committed. What the message itself makes
impossible (no words at all) is final: the message goes to the failed folder with the reason.
A database that cannot be reached is temporary: the poll stops and the message waits for the
next one. The Message-ID is the case's source ref, so a message seen twice (another client reset
its flags, a poll cut short) is still one case; another text under the same Message-ID is a case
of its own. A message that is only attachments Tillit cannot read (a scanned form as PDF) is
registered with a text that says so and names the files, so the deadlines start.
"""

from __future__ import annotations

import hashlib

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tillit.auth.roles import Principal
from tillit.concern.intake.mail import (
    MailboxSettings,
    PollResult,
    RegistrationUnavailable,
    poll_mailbox,
)
from tillit.concern.intake.mail_parse import (
    EMPTY,
    NOT_TEXT,
    TOO_LARGE,
    UNREADABLE,
    AttachmentNote,
    IncomingMail,
    MailParseError,
)
from tillit.concern.register import CaseNumberBusy, received_problem, register_report
from tillit.concern.schemas import MAX_REPORT_CHARS, Reporter, ReportIn
from tillit.errors import InvalidInput
from tillit.platform import Platform

NO_WORDS = "saknar text (inga bokstäver eller siffror)"
MAX_REF_CHARS = 180  # source refs are at most 200; room for ":" + 16 when an id is reused
_WHY = {
    NOT_TEXT: "den är inte text",
    TOO_LARGE: "den är för stor",
    EMPTY: "den är tom",
    UNREADABLE: "den kunde inte avkodas",
}
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def poll(platform: Platform, principal: Principal, settings: MailboxSettings) -> PollResult:
    principal.require("cases:write")
    folder = settings.processed_folder
    return poll_mailbox(settings, lambda mail: register_mail(platform, principal, mail, folder))


def register_mail(
    platform: Platform, principal: Principal, mail: IncomingMail, folder: str | None = None
) -> bool:
    """Register one mail as a case. Raises :class:`MailParseError` when its content can never
    be one (final), :class:`RegistrationUnavailable` when the database cannot be reached (the
    poll stops); anything else leaves the mail for the next poll. True when a new case was
    made, False when the mail was already one."""
    report, notes = report_from_mail(mail, folder)
    try:
        with platform.session() as db:
            registered = register_report(
                db, platform.box, principal, report, "e-post", strict_identity=False, notes=notes
            )
            return registered.created
    except _UNAVAILABLE as exc:
        raise RegistrationUnavailable(type(exc).__name__) from exc
    except CaseNumberBusy:
        raise  # concurrent registrations took the numbers: try again next poll
    except InvalidInput as exc:  # about the report itself: retrying cannot help
        raise MailParseError(exc.message) from exc


def report_from_mail(
    mail: IncomingMail, folder: str | None = None
) -> tuple[ReportIn, tuple[str, ...]]:
    """The report a mail makes, and the notes shown on its case. ``folder``: where the message
    is kept once registered (named in the text of an attachments-only report). Raises
    :class:`MailParseError` when the mail cannot be a report at all."""
    text = _report_text(mail, folder)
    notes = tuple(_attachment_warning(a) for a in mail.attachments if a.reason)
    if len(text) > MAX_REPORT_CHARS:
        text = text[:MAX_REPORT_CHARS]
        notes = (*notes, "Texten var längre än 200 000 tecken och är avkortad; se originalet.")
    received = None if received_problem(mail.received) else mail.received
    ref = source_ref(mail.message_id)
    try:
        report = ReportIn(
            text=text,
            reporter_type="annan",
            reporter=Reporter(
                name=_cut(_readable(mail.sender_name)),
                email=_cut(_readable(mail.sender_address), 320),
            ),
            received_at=received,
            source_ref=ref,
        )
    except ValidationError as exc:
        if any(error["loc"][:1] == ("text",) for error in exc.errors()):
            raise MailParseError(NO_WORDS) from None
        # the sender's name or address cannot be stored: the report still can, and says so
        report = ReportIn(text=text, reporter_type="annan", received_at=received, source_ref=ref)
        notes = (*notes, UNREADABLE_SENDER)
    return report, notes


UNREADABLE_SENDER = "Avsändarens namn eller adress kunde inte läsas; se meddelandet i e-postlådan."


def source_ref(message_id: str) -> str:
    """The Message-ID, or a hash of all of it: for a long id (cutting would make two ids equal),
    one that is not clean text (8-bit bytes), or one that looks like another channel's
    reference ("import:…" would block that file line: the sender chooses the id)."""
    clean = _readable(message_id) == message_id
    foreign = message_id.lower().startswith(("import", "sha256"))
    if len(message_id) <= MAX_REF_CHARS and clean and not foreign:
        return message_id
    return "sha256-id:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()


def _readable(value: str | None) -> str | None:
    """``value`` without undecodable bytes (surrogates from 8-bit headers) or NUL."""
    if value is None:
        return None
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _report_text(mail: IncomingMail, folder: str | None) -> str:
    """The subject ("Ämne: …") and the body. A mail whose subject and body hold no letters or
    digits, and no unread attachment, is no report (the "Ämne" label must not make it one)."""
    body = mail.text
    if not mail.unread and not any(ch.isalnum() for ch in f"{mail.subject or ''}{body}"):
        raise MailParseError(NO_WORDS)
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
