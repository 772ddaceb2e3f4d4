"""poll_mailbox against a real IMAP server: Debian's dovecot on loopback, started by
tests/support/mailserver.py (the tests fail, not skip, when dovecot is missing)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from tests.support.mailserver import MailServer, mail_server
from tillit.concern.intake import mail as mail_module
from tillit.concern.intake.mail import (
    FAILED_KEYWORD,
    REGISTERED_KEYWORD,
    IncomingMail,
    MailboxError,
    MailboxSettings,
    MailParseError,
    RegistrationUnavailable,
    imap_folder,
    poll_mailbox,
)
from tillit.errors import InvalidInput

PROCESSED = "Behandlade ärenden"  # a space and a non-ASCII letter: quoting and modified UTF-7
FAILED = "Kunde inte läsas"


@pytest.fixture(scope="module")
def server() -> Iterator[MailServer]:
    with mail_server() as running:
        yield running


@pytest.fixture
def box(server: MailServer) -> MailServer:
    server.reset()
    return server


def settings(server: MailServer, **overrides: object) -> MailboxSettings:
    values: dict = {
        "host": server.host,
        "port": server.port,
        "username": server.user,
        "password": server.password,
        "ssl": False,
        "timeout": 10.0,
    }
    values.update(overrides)
    return MailboxSettings(**values)


def report(subject: str = "Orosanmälan gällande Elsa, 7 år", body: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Åsa Öberg <asa.oberg@skola.example>"
    msg["To"] = "orosanmalan@kommun.test"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 03 Nov 2025 09:15:00 +0100"
    msg["Message-ID"] = f"<{abs(hash((subject, body)))}@skola.example>"
    msg.set_content(body or "Elsa berättade i dag att pappa slår henne när han är full.")
    return msg.as_bytes()


class Recorder:
    """The registration callback: records each mail; ``fail`` raises for every mail, ``refuse``
    maps a subject to the exception raised for mails with that subject."""

    def __init__(self, fail: bool = False, refuse: dict[str, Exception] | None = None) -> None:
        self.mails: list[IncomingMail] = []
        self.fail = fail
        self.refuse = refuse or {}

    def __call__(self, mail: IncomingMail) -> None:
        if self.fail:
            raise RuntimeError("ärenderegistret är nere")
        if mail.subject in self.refuse:
            raise self.refuse[mail.subject]
        self.mails.append(mail)


def test_registers_each_message_once_and_marks_it_seen(box: MailServer) -> None:
    arrived = datetime(2025, 11, 3, 9, 20, 5, tzinfo=timezone(timedelta(hours=1)))
    box.deliver(report(), date=arrived)
    registered = Recorder()

    first = poll_mailbox(settings(box), registered)
    second = poll_mailbox(settings(box), registered)

    assert (first.fetched, first.registered, first.failed, first.left_for_retry) == (1, 1, [], [])
    assert (second.fetched, second.registered) == (0, 0)
    [mail] = registered.mails
    assert mail.subject == "Orosanmälan gällande Elsa, 7 år"
    assert (mail.sender_name, mail.sender_address) == ("Åsa Öberg", "asa.oberg@skola.example")
    assert "pappa slår henne" in mail.text
    assert mail.received == arrived  # the server's arrival time (INTERNALDATE)
    assert mail.sent == datetime(2025, 11, 3, 8, 15, tzinfo=UTC)
    assert mail.message_id.endswith("@skola.example>")
    assert box.flags() == [{"\\Seen", REGISTERED_KEYWORD}]


def test_a_failing_callback_leaves_the_message_for_the_next_poll(box: MailServer) -> None:
    box.deliver(report())

    failed = poll_mailbox(settings(box), Recorder(fail=True))
    assert failed.registered == 0
    assert [reason for _, reason in failed.left_for_retry] == ["RuntimeError"]
    assert box.flags() == [set()]  # not even \Seen: BODY.PEEK leaves it unread

    registered = Recorder()
    retried = poll_mailbox(settings(box), registered)
    assert retried.registered == 1 and len(registered.mails) == 1


def test_an_unusable_message_is_recorded_once_and_not_retried(box: MailServer) -> None:
    box.deliver(b"From: someone@example.org\r\nSubject: tomt\r\nMessage-ID: <tomt@x>\r\n\r\n \r\n")
    box.deliver(report())
    registered = Recorder()

    first = poll_mailbox(settings(box), registered)
    second = poll_mailbox(settings(box), registered)

    assert first.failed == [("<tomt@x>", "tomt")]  # the reason in Swedish
    assert first.registered == 1
    assert (second.fetched, second.failed) == (0, [])
    assert {"\\Seen", FAILED_KEYWORD} in box.flags()


def test_failed_messages_move_to_the_failed_folder(box: MailServer) -> None:
    box.deliver(b"Subject: ingenting\r\nContent-Type: text/plain\r\n\r\n \r\n")

    result = poll_mailbox(settings(box, failed_folder=FAILED), Recorder())

    assert [reason for _, reason in result.failed] == ["tomt"]
    assert result.failed[0][0].startswith("sha256:")  # no Message-ID: a hash of the bytes
    assert box.uids() == []
    assert len(box.uids(imap_folder(FAILED))) == 1


def test_content_the_callback_refuses_fails_once_and_moves_to_the_failed_folder(
    box: MailServer,
) -> None:
    box.deliver(report("tumme upp", body="👍"))
    box.deliver(report("en riktig anmälan"))
    refusing = Recorder(refuse={"tumme upp": MailParseError("saknar text")})
    config = settings(box, processed_folder=PROCESSED, failed_folder=FAILED)

    first = poll_mailbox(config, refusing)
    second = poll_mailbox(config, refusing)

    assert [reason for _, reason in first.failed] == ["saknar text"]
    assert (first.registered, first.left_for_retry) == (1, [])
    assert (second.fetched, second.failed) == (0, [])
    assert box.uids() == [] and len(box.uids(imap_folder(FAILED))) == 1
    assert [m.subject for m in refusing.mails] == ["en riktig anmälan"]


def test_messages_that_keep_failing_never_hold_up_the_ones_behind_them(box: MailServer) -> None:
    for subject in ("trasig 1", "trasig 2", "hel"):
        box.deliver(report(subject))
    broken = {f"trasig {n}": RuntimeError("fel i en bugg") for n in (1, 2)}
    registered = Recorder(refuse=broken)

    first = poll_mailbox(settings(box), registered, limit=2)
    second = poll_mailbox(settings(box), registered, limit=2)

    assert [m.subject for m in registered.mails] == ["hel"]  # limit 2 and still reached
    assert (first.fetched, first.registered, len(first.left_for_retry)) == (3, 1, 2)
    assert (second.fetched, len(second.left_for_retry)) == (2, 2)  # retried, never lost


def test_an_unavailable_registry_ends_the_poll(box: MailServer) -> None:
    box.deliver(report("ett"))
    box.deliver(report("två"))

    down = Recorder(refuse={"ett": RegistrationUnavailable("OperationalError")})
    result = poll_mailbox(settings(box), down)

    assert (result.fetched, result.registered, result.failed) == (1, 0, [])
    assert [error for _, error in result.left_for_retry] == ["RegistrationUnavailable"]
    assert box.flags() == [set(), set()]  # both wait for the next poll


def test_too_large_messages_fail_without_being_downloaded(
    box: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    box.deliver(report(body="lång text " * 500))
    downloads: list[str] = []
    original = mail_module._Mailbox.fetch
    monkeypatch.setattr(
        mail_module._Mailbox,
        "fetch",
        lambda self, uid: downloads.append(uid) or original(self, uid),
    )

    result = poll_mailbox(settings(box), Recorder(), max_bytes=2_000)
    again = poll_mailbox(settings(box), Recorder(), max_bytes=2_000)

    assert [reason for _, reason in result.failed] == ["för stort"]
    assert result.failed[0][0].startswith("uid:")
    assert downloads == []
    assert again.fetched == 0


def test_processed_folder_moves_registered_mail_out_of_the_inbox(box: MailServer) -> None:
    box.deliver(report("första"))
    box.deliver(report("andra"), flags="\\Seen")  # a person already opened it: still a report
    registered = Recorder()
    config = settings(box, processed_folder=PROCESSED)

    first = poll_mailbox(config, registered)
    second = poll_mailbox(config, registered)

    assert first.registered == 2 and second.fetched == 0
    assert [m.subject for m in registered.mails] == ["första", "andra"]
    assert box.uids() == []
    assert len(box.uids(imap_folder(PROCESSED))) == 2
    assert all({"\\Seen", REGISTERED_KEYWORD} <= f for f in box.flags(imap_folder(PROCESSED)))


def test_without_move_it_copies_deletes_and_expunges(
    box: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = mail_module._Mailbox.open

    def open_without_move(self: mail_module._Mailbox) -> None:
        original(self)
        self.capabilities -= {"MOVE", "UIDPLUS"}

    monkeypatch.setattr(mail_module._Mailbox, "open", open_without_move)
    box.deliver(report())
    box.deliver(b"Subject: tomt\r\n\r\n")

    result = poll_mailbox(
        settings(box, processed_folder=PROCESSED, failed_folder=FAILED), Recorder()
    )

    assert result.registered == 1 and len(result.failed) == 1
    assert box.uids("INBOX") == []
    assert len(box.uids(imap_folder(PROCESSED))) == 1
    assert len(box.uids(imap_folder(FAILED))) == 1


def test_without_keywords_a_flagged_message_is_still_read(
    box: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = mail_module._Mailbox.open

    def open_without_keywords(self: mail_module._Mailbox) -> None:
        original(self)
        self.keywords = False  # a server with no \\* in PERMANENTFLAGS

    monkeypatch.setattr(mail_module._Mailbox, "open", open_without_keywords)
    box.deliver(report("flaggad av en handläggare"), flags="\\Flagged")
    box.deliver(b"Subject: tomt\r\n\r\n")
    registered = Recorder()
    config = settings(box, processed_folder=PROCESSED)  # no failed folder given

    first = poll_mailbox(config, registered)
    second = poll_mailbox(config, registered)

    assert [m.subject for m in registered.mails] == ["flaggad av en handläggare"]
    assert (first.registered, len(first.failed), second.fetched) == (1, 1, 0)
    assert box.uids() == [] and len(box.uids(imap_folder(PROCESSED))) == 1
    assert len(box.uids(imap_folder(FAILED))) == 1  # failed mail leaves the inbox too


def test_a_move_interrupted_after_registration_is_finished_without_registering_again(
    box: MailServer,
) -> None:
    box.deliver(report(), flags=f"\\Seen {REGISTERED_KEYWORD}")
    registered = Recorder()

    result = poll_mailbox(settings(box, processed_folder=PROCESSED), registered)

    assert (result.fetched, registered.mails) == (0, [])
    assert box.uids() == [] and len(box.uids(imap_folder(PROCESSED))) == 1


def test_limit_takes_the_oldest_first(box: MailServer) -> None:
    for subject in ("ett", "två", "tre"):
        box.deliver(report(subject))
    registered = Recorder()

    first = poll_mailbox(settings(box), registered, limit=2)
    rest = poll_mailbox(settings(box), registered, limit=2)

    assert (first.registered, rest.registered) == (2, 1)
    assert [m.subject for m in registered.mails] == ["ett", "två", "tre"]


def test_imaps_with_certificate_verification(box: MailServer) -> None:
    box.deliver(report())
    tls = settings(box, ssl=True, port=box.ssl_port, ca_file=str(box.ca_file))

    assert poll_mailbox(tls, Recorder()).registered == 1
    with pytest.raises(MailboxError):  # an unknown CA is refused, never silently accepted
        poll_mailbox(settings(box, ssl=True, port=box.ssl_port), Recorder())


def test_starttls(box: MailServer) -> None:
    box.deliver(report())
    config = settings(box, starttls=True, ca_file=str(box.ca_file))
    assert poll_mailbox(config, Recorder()).registered == 1


def test_logs_carry_counts_and_ids_but_no_personal_data(
    box: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    box.deliver(report())
    box.deliver(
        b"From: anna.svensson@example.org\r\nSubject: Hemligt\r\n"
        b"Message-ID: <Anna.Svensson-850412-1230@example.org>\r\n\r\n"
    )
    caplog.set_level(logging.DEBUG)

    poll_mailbox(settings(box), Recorder())
    with pytest.raises(MailboxError) as wrong:
        poll_mailbox(settings(box, password="fel-losenord-123"), Recorder())

    logged = caplog.text + str(wrong.value)
    assert "fetched=2 registered=1 already=0 failed=1" in logged
    for secret in (
        "asa.oberg", "Åsa", "Elsa", "pappa", "anna.svensson", "Anna.Svensson", "850412",
        "skola.example", "Hemligt", "fel-losenord",
    ):  # fmt: skip
        assert secret not in logged
    assert "mail mid:" in logged  # a Message-ID is logged as a short hash
    assert box.password not in repr(settings(box))


def test_a_non_ascii_password_logs_in_with_sasl_plain() -> None:
    with mail_server(password="lösenord-åäö") as server:
        server.deliver(report())
        assert poll_mailbox(settings(server), Recorder()).registered == 1


def test_settings_refuse_plaintext_off_loopback_and_clashing_folders() -> None:
    with pytest.raises(InvalidInput):
        MailboxSettings("imap.kommun.se", 143, "u", "p", ssl=False)
    with pytest.raises(InvalidInput):
        MailboxSettings("imap.kommun.se", 993, "u", "p", ssl=True, starttls=True)
    with pytest.raises(InvalidInput):
        MailboxSettings("imap.kommun.se", 993, "u", "p", processed_folder="INBOX")
    assert MailboxSettings("127.0.0.1", 143, "u", "p", ssl=False).ssl is False


def test_folder_names_are_quoted_in_modified_utf7() -> None:
    assert imap_folder("INBOX") == '"INBOX"'
    assert imap_folder("Behandlade ärenden") == '"Behandlade &AOQ-renden"'
    assert imap_folder("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert imap_folder('A&B "x"') == '"A&-B \\"x\\""'


def test_unreachable_server_is_a_mailbox_error() -> None:
    from tests.support.mailserver import free_port

    with pytest.raises(MailboxError):
        poll_mailbox(
            MailboxSettings("127.0.0.1", free_port(), "u", "p", ssl=False, timeout=2), Recorder()
        )
