"""Turn one raw e-mail into an :class:`IncomingMail`: pure, no network, no logging of content.

What comes in by e-mail is messy: charsets that are declared wrongly or not at all, HTML-only
mail, quoted-printable and base64, encoded-word headers, attachments. :func:`parse_message`
returns readable text or raises :class:`MailParseError` with a short Swedish reason ("tomt",
"för stort", "oläsbart") — never a half-decoded message. A message whose only content is
attachments that cannot be read (a scanned form as PDF) is returned with empty ``text`` and its
attachment notes: a report must not be lost because it came as a file.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

import charset_normalizer
from charset_normalizer.md import mess_ratio
from lxml import etree, html

from tillit.errors import InvalidInput

MAX_MESSAGE_BYTES = 5 * 1024 * 1024
MAX_TEXT_ATTACHMENT_CHARS = 200_000

# Reasons, in Swedish: they are shown to people (the poll's result, the case's warnings).
NOT_TEXT = "inte text"
TOO_LARGE = "för stort"
EMPTY = "tomt"
UNREADABLE = "oläsbart"
UNREAD = frozenset({NOT_TEXT, TOO_LARGE, UNREADABLE})  # content that is there but was not read

# Declared charsets that decode any byte sequence, so a wrong declaration never fails loudly.
_WESTERN = {"utf_8": 0, "cp1252": 1, "iso8859_15": 2, "latin_1": 3}
_PERMISSIVE = {"latin-1", "iso8859-1", "iso8859-15", "cp1252", "ascii"}
_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd", "dt", "address",
}  # fmt: skip
_LINE_TAGS = {"br", "li", "tr", "dd", "dt"}  # a new line, not a new paragraph
_MAX_DEPTH = 3
_DROP_TAGS = ("script", "style", "head", "title", "noscript", "template", "svg")


class MailParseError(InvalidInput):
    """A message that cannot become a report; ``reason`` is one of the constants above."""

    code = "mail_unusable"

    def __init__(self, reason: str) -> None:
        super().__init__(f"E-postmeddelandet kan inte läsas in: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class AttachmentNote:
    """A part that was not the body. ``reason`` says why it was not used (NOT_TEXT, TOO_LARGE,
    EMPTY, UNREADABLE); None means its text was appended to ``IncomingMail.text`` under a
    "--- Bilaga: name ---" heading. ``within``: the subject of the forwarded message the part
    was attached to, if it was inside one."""

    name: str | None
    content_type: str
    size: int
    reason: str | None
    within: str | None = None


@dataclass(frozen=True)
class IncomingMail:
    message_id: str
    sender_address: str | None
    sender_name: str | None
    subject: str
    received: datetime
    text: str  # empty only when the message is attachments that could not be read
    attachments: tuple[AttachmentNote, ...] = ()
    sent: datetime | None = None  # the Date header, as the sender's machine claimed

    @property
    def unread(self) -> tuple[AttachmentNote, ...]:
        """The attachments with content that was not read (not text, too large, unreadable)."""
        return tuple(a for a in self.attachments if a.reason in UNREAD)


def parse_message(
    raw: bytes,
    *,
    internal_date: datetime | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> IncomingMail:
    """Parse one RFC 5322 message. ``received`` is the server's arrival time (IMAP INTERNALDATE)
    when given, else the Date header, else now (UTC)."""
    if len(raw) > max_bytes:
        raise MailParseError(TOO_LARGE)
    if not raw.strip():
        raise MailParseError(EMPTY)
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        sent = _date(msg)
        name, address = _sender(msg)
        subject = header_text(msg, "Subject")
        text, notes = _content(msg)
    except MailParseError:
        raise
    except Exception as exc:  # the email package raises many types on hostile input
        raise MailParseError(UNREADABLE) from exc
    if not text.strip() and not any(note.reason in UNREAD for note in notes):
        raise MailParseError(EMPTY)
    return IncomingMail(
        message_id=message_id(raw, msg),
        sender_address=address,
        sender_name=name,
        subject=subject,
        received=internal_date or sent or datetime.now(UTC),
        text=text,
        attachments=notes,
        sent=sent,
    )


def message_id(raw: bytes, msg: Message | None = None) -> str:
    """The Message-ID header, or a stable hash of the raw bytes when it is missing."""
    if msg is None:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    value = " ".join(_raw_header(msg, "Message-ID").split())
    return value or "sha256:" + hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------- headers


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def header_text(msg: Message, name: str) -> str:
    """A header as readable text: encoded words decoded, unknown charsets and raw 8-bit guessed."""
    raw = _raw_header(msg, name)
    try:
        chunks = decode_header(raw)
    except Exception:  # malformed encoded words: keep the raw text
        chunks = [(raw, None)]
    parts = []
    for chunk, charset in chunks:
        data = chunk.encode("ascii", "surrogateescape") if isinstance(chunk, str) else chunk
        parts.append(decode_bytes(data, charset))
    return " ".join("".join(parts).split())


def _sender(msg: Message) -> tuple[str | None, str | None]:
    name, address = parseaddr(header_text(msg, "From"))
    address = address.strip() or None
    if address and "@" not in address:
        address = None
    return (name.strip() or None), address


def _date(msg: Message) -> datetime | None:
    raw = _raw_header(msg, "Date").strip()
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ---------------------------------------------------------------- charsets


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text whose declared charset may be missing, unknown or wrong."""
    if not data:
        return ""
    declared = _codec(charset)
    if data.isascii():
        return data.decode("ascii")
    if declared in _PERMISSIVE or declared is None:
        # Mailers often declare Latin-1 (or nothing) and send UTF-8; valid UTF-8 is never chance.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if declared in {"latin-1", "iso8859-1", "ascii"}:
            declared = "cp1252"  # what "iso-8859-1" means in practice (WHATWG)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    guessed = _guess_charset(data)
    return data.decode(guessed) if guessed else data.decode("utf-8", "replace")


def _guess_charset(data: bytes) -> str | None:
    """charset-normalizer's guesses plus Windows-1252, ranked by how garbled the decoded text
    looks; equally clean guesses go to the Western (Swedish) charset, since short texts fit
    cp1250 and cp1252 alike and the normaliser alone may miss cp1252 entirely. UTF-16/32 only
    with a byte-order mark."""
    has_bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    scored = [
        (round(m.chaos, 2), _WESTERN.get(m.encoding, len(_WESTERN)), order, m.encoding)
        for order, m in enumerate(charset_normalizer.from_bytes(data))
        if has_bom or not m.encoding.startswith(("utf_16", "utf_32"))
    ]
    with suppress(UnicodeDecodeError):
        scored.append(
            (round(mess_ratio(data.decode("cp1252")), 2), _WESTERN["cp1252"], -1, "cp1252")
        )
    return min(scored)[3] if scored else None


# ---------------------------------------------------------------- body and attachments


def html_to_text(markup: str) -> str:
    """Readable text from HTML: blocks become lines, scripts/styles/comments are dropped."""
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)
    if not markup.strip():
        return ""
    try:
        root = html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return ""
    etree.strip_elements(
        root, *_DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "li":
            element.text = "• " + (element.text or "")
        if tag in {"td", "th"}:
            element.tail = "\t" + (element.tail or "")
        if tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if tag not in _LINE_TAGS:
                element.text = "\n" + (element.text or "")
    return tidy(root.text_content())


def tidy(text: str) -> str:
    """Normalise line ends and whitespace runs; at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else tidy(text)


def _leaves(msg: Message) -> Iterator[Message]:
    """Parts in reading order; of a multipart/alternative only the preferred version, and an
    attached message (message/rfc822) as one leaf."""
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_type() == "message/rfc822" or not part.is_multipart():
            yield part
        elif part.get_content_subtype() == "alternative":
            stack.append(_preferred(part.get_payload()))
        else:
            stack.extend(reversed(part.get_payload()))


def _preferred(versions: list[Message]) -> Message:
    for wanted in ("text/plain", "text/html", "multipart/related"):
        for version in versions:
            if version.get_content_type() == wanted and (
                version.is_multipart() or _part_text(version)
            ):
                return version
    return versions[-1]


def _is_body(part: Message) -> bool:
    return part.get_content_type() in {"text/plain", "text/html"} and (
        part.get_content_disposition() != "attachment"
    )


def _content(msg: Message, depth: int = 0) -> tuple[str, tuple[AttachmentNote, ...]]:
    sections: list[str] = []
    notes: list[AttachmentNote] = []
    body_found = False
    for part in _leaves(msg):
        if not body_found and _is_body(part):
            text = _part_text(part)
            if text:
                sections.append(text)
                body_found = True
            continue  # an empty body is no attachment
        if part.get_content_type() == "message/rfc822":
            text, note, inner = _attached_message(part, depth)
            notes.extend((note, *inner))
        else:
            text, note = _attachment(part)
            notes.append(note)
        if text:
            heading = f"--- Bilaga: {note.name} ---" if note.name else "--- Bifogad text ---"
            sections.append(f"{heading}\n{text}")
    return "\n\n".join(sections), tuple(notes)


def _attached_message(
    part: Message, depth: int
) -> tuple[str, AttachmentNote, tuple[AttachmentNote, ...]]:
    """A forwarded message: its headers and text, at most a few levels deep, and the notes on
    its own attachments (so the case still says which of them were not read)."""
    inner = part.get_payload()[0]
    subject = header_text(inner, "Subject")
    size = sum(len(p.get_payload(decode=True) or b"") for p in inner.walk() if not p.is_multipart())
    if depth >= _MAX_DEPTH:
        return "", AttachmentNote(subject or None, "message/rfc822", size, UNREADABLE), ()
    text, notes = _content(inner, depth + 1)
    inside = tuple(replace(n, within=n.within or subject or "(utan ämne)") for n in notes)
    if not text:
        return "", AttachmentNote(subject or None, "message/rfc822", size, EMPTY), inside
    sender = header_text(inner, "From")
    header = "\n".join(f"{k}: {v}" for k, v in (("Från", sender), ("Ämne", subject)) if v)
    note = AttachmentNote(subject or None, "message/rfc822", size, None)
    return f"{header}\n\n{text}" if header else text, note, inside


def _attachment(part: Message) -> tuple[str, AttachmentNote]:
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    content_type = part.get_content_type()
    name = _filename(part)

    def note(reason: str | None) -> AttachmentNote:
        return AttachmentNote(name, content_type, size, reason)

    if content_type not in {"text/plain", "text/html"}:
        return "", note(NOT_TEXT)
    if size == 0:
        return "", note(EMPTY)
    try:
        text = _part_text(part)
    except Exception:  # a broken part must not sink the whole report
        return "", note(UNREADABLE)
    if len(text) > MAX_TEXT_ATTACHMENT_CHARS:
        return "", note(TOO_LARGE)
    return text, note(None if text else EMPTY)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        name = decode_bytes(name.encode("utf-8", "surrogateescape"))
    return " ".join(name.split()) or None
