"""Poll an IMAP mailbox for concern reports and hand each message to a registration callback.

A message is marked only after ``register`` returned: ``\\Seen`` (plus the keyword
``$TillitRegistered`` where the server allows keywords) and, if ``processed_folder`` is set,
moved there (MOVE, or COPY + ``\\Deleted`` + EXPUNGE on servers without MOVE).

A message that can never be used (too large, empty, unreadable, or content the callback refuses
by raising :class:`MailParseError`) is marked ``\\Seen`` + ``$TillitFailed`` (``\\Flagged`` where
keywords are not allowed) and moved to ``failed_folder`` if set, so it is never retried forever
and a person can see why; the poll's result gives the reason in Swedish. Any other error from
the callback leaves the message untouched for the next poll; the poll goes on with the next
one, and such a message does not count against ``limit``, so messages that keep failing can
never hold up the ones behind them. A callback that raises :class:`RegistrationUnavailable`
(its database is down) ends the poll: nothing could be registered now.

Which messages are looked at: without ``processed_folder`` the UNSEEN ones — so a person who
opens a message in the shared mailbox before the poll hides it from Tillit; with
``processed_folder`` (recommended) every message in ``folder`` not yet marked. Where the server
allows no keywords, every undeleted message in ``folder`` (a person's ``\\Flagged`` does not
hide one): registered and failed messages are moved out, failed ones to ``failed_folder`` or,
if that is not set, to ``Kunde inte läsas``.

Logging: counts, UIDs and a short hash of each Message-ID (a Message-ID may carry a name) —
never bodies, subjects, addresses or the password.
"""

from __future__ import annotations

import base64
import hashlib
import imaplib
import ipaddress
import logging
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from tillit.concern.intake.mail_parse import (
    MAX_MESSAGE_BYTES,
    TOO_LARGE,
    AttachmentNote,
    IncomingMail,
    MailParseError,
    message_id,
    parse_message,
)
from tillit.errors import InvalidInput, TillitError

__all__ = [
    "AttachmentNote",
    "IncomingMail",
    "MailParseError",
    "MailboxError",
    "MailboxSettings",
    "PollResult",
    "RegistrationUnavailable",
    "parse_message",
    "poll_mailbox",
]

log = logging.getLogger(__name__)

REGISTERED_KEYWORD = "$TillitRegistered"
FAILED_KEYWORD = "$TillitFailed"
DEFAULT_FAILED_FOLDER = "Kunde inte läsas"  # used where the server allows no keywords
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


class MailboxError(TillitError):
    """The mailbox could not be reached, logged in to, or used."""

    status = 502
    code = "mailbox_error"


class RegistrationUnavailable(Exception):
    """Raised by the callback when nothing can be registered now (the database is down): the
    poll stops and this message and the ones after it wait for the next poll."""


_Outcome = Literal["done", "retry", "stop"]


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    ssl: bool = True
    starttls: bool = False
    processed_folder: str | None = None
    failed_folder: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None  # extra trusted CA bundle (an internal CA); never disables checks

    def __post_init__(self) -> None:
        if self.ssl and self.starttls:
            raise InvalidInput("Välj antingen ssl eller starttls, inte båda.")
        if self.folder in {self.processed_folder, self.failed_folder}:
            raise InvalidInput(
                "Mapparna för behandlade och misslyckade måste skilja sig från inkorgen."
            )
        if not (self.ssl or self.starttls) and not _is_loopback(self.host):
            raise InvalidInput(
                "Okrypterad IMAP tillåts bara mot localhost: använd ssl eller starttls."
            )


@dataclass
class PollResult:
    fetched: int = 0  # messages looked at in this poll
    registered: int = 0  # new cases
    already: int = 0  # handed over again, but already a case (the same Message-ID and text)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (message id or uid:N, reason)
    # (message id or uid:N, error type); these do not count against the poll's limit
    left_for_retry: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    uid: str
    size: int
    internal_date: datetime | None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------- the poll


def poll_mailbox(
    settings: MailboxSettings,
    register: Callable[[IncomingMail], bool | None],
    *,
    limit: int = 100,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> PollResult:
    """Register or fail up to ``limit`` waiting messages (oldest first); see the module
    docstring."""
    result = PollResult()
    finished = 0
    with _session(settings) as box:
        for candidate in box.candidates(limit):
            if finished >= limit:
                break
            result.fetched += 1
            outcome = _handle(box, candidate, register, result, max_bytes)
            if outcome == "stop":
                break
            finished += outcome == "done"
    log.info(
        "mail poll %s: fetched=%d registered=%d already=%d failed=%d left_for_retry=%d",
        settings.folder,
        result.fetched,
        result.registered,
        result.already,
        len(result.failed),
        len(result.left_for_retry),
    )
    return result


def _handle(
    box: _Mailbox,
    candidate: _Candidate,
    register: Callable[[IncomingMail], bool | None],
    result: PollResult,
    max_bytes: int,
) -> _Outcome:
    uid = candidate.uid
    if candidate.size > max_bytes:
        log.warning("mail uid %s is %d bytes", uid, candidate.size)
        return _fail(box, uid, f"uid:{uid}", TOO_LARGE, result)
    raw = box.fetch(uid)
    if raw is None:
        result.left_for_retry.append((f"uid:{uid}", "fetch failed"))
        return "retry"
    try:
        mail = parse_message(raw, internal_date=candidate.internal_date, max_bytes=max_bytes)
    except MailParseError as exc:
        return _fail(box, uid, _safe_message_id(raw, uid), exc.reason, result)
    return _register(box, uid, mail, register, result)


def _register(
    box: _Mailbox,
    uid: str,
    mail: IncomingMail,
    register: Callable[[IncomingMail], bool | None],
    result: PollResult,
) -> _Outcome:
    try:
        created = register(mail)
    except MailParseError as exc:  # the content can never become a case: do not retry it
        return _fail(box, uid, mail.message_id, exc.reason, result)
    except Exception as exc:  # the callback's failure must never lose the message
        result.left_for_retry.append((mail.message_id, type(exc).__name__))
        log.warning(
            "mail %s (uid %s) left for retry: %s", log_id(mail.message_id), uid, type(exc).__name__
        )
        return "stop" if isinstance(exc, RegistrationUnavailable) else "retry"
    box.mark_processed(uid)
    if created is False:
        result.already += 1
    else:
        result.registered += 1
    log.info("mail %s (uid %s) handed over", log_id(mail.message_id), uid)
    return "done"


def _fail(box: _Mailbox, uid: str, ident: str, reason: str, result: PollResult) -> _Outcome:
    box.mark_failed(uid)
    result.failed.append((ident, reason))
    log.warning("mail %s (uid %s) failed: %s", log_id(ident), uid, reason)
    return "done"


def log_id(ident: str) -> str:
    """A Message-ID as logged: a short hash, since the id is chosen by the sender and may
    carry a name or a personnummer. ``uid:N`` is the server's number and is kept."""
    if ident.startswith("uid:"):
        return ident
    return "mid:" + hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _safe_message_id(raw: bytes, uid: str) -> str:
    try:
        return message_id(raw)
    except Exception:
        return f"uid:{uid}"


# ---------------------------------------------------------------- the IMAP conversation


@contextmanager
def _session(settings: MailboxSettings) -> Iterator[_Mailbox]:
    conn = _connect(settings)
    try:
        box = _Mailbox(conn, settings)
        box.open()
        yield box
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(f"E-postlådan kunde inte användas: {type(exc).__name__}") from exc
    finally:
        with suppress(Exception):
            conn.logout()


def _connect(settings: MailboxSettings) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        if settings.ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=settings.timeout
            )
        else:
            conn = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
            if settings.starttls:
                conn.starttls(context)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(f"E-postservern svarar inte: {type(exc).__name__}") from exc
    try:
        _login(conn, settings)
    except (imaplib.IMAP4.error, OSError) as exc:
        with suppress(Exception):
            conn.shutdown()
        raise MailboxError("Inloggningen till e-postlådan misslyckades.") from exc
    return conn


def _login(conn: imaplib.IMAP4, settings: MailboxSettings) -> None:
    if settings.username.isascii() and settings.password.isascii():
        conn.login(settings.username, settings.password)
        return
    secret = f"\0{settings.username}\0{settings.password}".encode()
    conn.authenticate("PLAIN", lambda _challenge: secret)


class _Mailbox:
    def __init__(self, conn: imaplib.IMAP4, settings: MailboxSettings) -> None:
        self.conn = conn
        self.settings = settings
        self.capabilities: set[str] = set()
        self.keywords = False
        self.default_failed_ready = False

    def open(self) -> None:
        typ, data = self.conn.capability()
        if typ == "OK" and data and data[0]:
            self.capabilities = set(data[0].decode().upper().split())
        for folder in (self.settings.processed_folder, self.settings.failed_folder):
            if folder:
                self._ensure_folder(folder)
        typ, data = self.conn.select(imap_folder(self.settings.folder))
        if typ != "OK":
            raise MailboxError("Mappen i e-postlådan finns inte.")
        _, flags = self.conn.response("PERMANENTFLAGS")
        self.keywords = any(b"\\*" in f for f in flags if isinstance(f, bytes))

    def _ensure_folder(self, folder: str) -> None:
        name = imap_folder(folder)
        typ, data = self.conn.list('""', name)
        if typ == "OK" and data and data[0] is not None:
            return
        typ, data = self.conn.create(name)
        if typ != "OK":
            raise MailboxError("Mappen för behandlade/misslyckade meddelanden kunde inte skapas.")
        with suppress(imaplib.IMAP4.error):
            self.conn.subscribe(name)

    def _criteria(self) -> str:
        if not self.settings.processed_folder:
            return "UNSEEN UNDELETED"
        if self.keywords:
            return f"UNDELETED UNKEYWORD {REGISTERED_KEYWORD} UNKEYWORD {FAILED_KEYWORD}"
        return "UNDELETED"  # registered and failed messages have been moved out

    def candidates(self, chunk: int) -> Iterator[_Candidate]:
        """Waiting messages, oldest first; sizes and dates are asked for ``chunk`` at a time."""
        if chunk < 1:
            return
        if self.settings.processed_folder and self.keywords:
            self._finish_interrupted_moves()
        typ, data = self.conn.uid("SEARCH", self._criteria())
        uids = sorted(int(u) for u in data[0].split()) if typ == "OK" and data[0] else []
        for start in range(0, len(uids), chunk):
            yield from self._sizes(uids[start : start + chunk])

    def _sizes(self, uids: list[int]) -> list[_Candidate]:
        typ, data = self.conn.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE INTERNALDATE)")
        if typ != "OK":
            raise MailboxError("Meddelandenas storlek kunde inte läsas.")
        found = [c for c in (_candidate(line) for line in data) if c is not None]
        return sorted(found, key=lambda c: int(c.uid))

    def _finish_interrupted_moves(self) -> None:
        """A message registered but not moved (the connection dropped) is moved now."""
        typ, data = self.conn.uid("SEARCH", f"UNDELETED KEYWORD {REGISTERED_KEYWORD}")
        for uid in data[0].split() if typ == "OK" and data[0] else []:
            self._move(uid.decode(), self.settings.processed_folder or "")

    def fetch(self, uid: str) -> bytes | None:
        typ, data = self.conn.uid("FETCH", uid, "(BODY.PEEK[])")
        if typ != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def mark_processed(self, uid: str) -> None:
        flags = "\\Seen" + (f" {REGISTERED_KEYWORD}" if self.keywords else "")
        self._store(uid, flags)
        if self.settings.processed_folder:
            self._move(uid, self.settings.processed_folder)

    def mark_failed(self, uid: str) -> None:
        self._store(uid, "\\Seen " + (FAILED_KEYWORD if self.keywords else "\\Flagged"))
        folder = self._failed_folder()
        if folder:
            self._move(uid, folder)

    def _failed_folder(self) -> str | None:
        """Without keywords a failed message must leave the inbox too: nothing else tells it
        apart from a new one (a \\Flagged may just as well be a person's)."""
        if self.settings.failed_folder or not self.settings.processed_folder or self.keywords:
            return self.settings.failed_folder
        if not self.default_failed_ready:
            self._ensure_folder(DEFAULT_FAILED_FOLDER)
            self.default_failed_ready = True
        return DEFAULT_FAILED_FOLDER

    def _store(self, uid: str, flags: str) -> None:
        typ, _ = self.conn.uid("STORE", uid, "+FLAGS.SILENT", f"({flags})")
        if typ != "OK":
            raise MailboxError("Meddelandet kunde inte markeras.")

    def _move(self, uid: str, folder: str) -> None:
        target = imap_folder(folder)
        if "MOVE" in self.capabilities:
            typ, _ = self.conn.uid("MOVE", uid, target)
        else:
            typ, _ = self.conn.uid("COPY", uid, target)
            if typ == "OK":
                self._store(uid, "\\Deleted")
                if "UIDPLUS" in self.capabilities:
                    typ, _ = self.conn.uid("EXPUNGE", uid)
                else:
                    typ, _ = self.conn.expunge()
        if typ != "OK":
            raise MailboxError("Meddelandet kunde inte flyttas.")


_FETCH_UID = re.compile(rb"UID (\d+)")
_FETCH_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_FETCH_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_INTERNALDATE = re.compile(
    r"(?P<day>\d{1,2})-(?P<month>[A-Za-z]{3})-(?P<year>\d{4}) "
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d) (?P<sign>[+-])(?P<tzh>\d\d)(?P<tzm>\d\d)"
)


def _candidate(line: object) -> _Candidate | None:
    if isinstance(line, tuple):
        line = line[0]
    if not isinstance(line, bytes):
        return None
    uid, size, date = (p.search(line) for p in (_FETCH_UID, _FETCH_SIZE, _FETCH_DATE))
    if uid is None:
        return None
    internal = _internal_date(date[1].decode()) if date else None
    return _Candidate(uid[1].decode(), int(size[1]) if size else 0, internal)


def _internal_date(value: str) -> datetime | None:
    """IMAP date-time: ``"23-Nov-2025 10:00:00 +0100"`` (day may be space-padded)."""
    match = _INTERNALDATE.fullmatch(value.strip())
    if not match or match["month"].title() not in _MONTHS:
        return None
    offset = timedelta(hours=int(match["tzh"]), minutes=int(match["tzm"]))
    return datetime(
        int(match["year"]),
        _MONTHS[match["month"].title()],
        int(match["day"]),
        *(int(match[k]) for k in ("hour", "minute", "second")),
        tzinfo=timezone(offset if match["sign"] == "+" else -offset),
    )


# ---------------------------------------------------------------- folder names


def imap_folder(name: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    encoded = _modified_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + _b64(data) + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",")
