"""Mail intake end to end: a report mailed to a real dovecot becomes one case, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.support.mailserver import MailServer, mail_server
from tests.test_cli import Cli
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.concern.cases import detail_dict
from tillit.concern.intake import mail_intake
from tillit.concern.intake.file_import import import_file
from tillit.concern.intake.mail import MailboxSettings, imap_folder
from tillit.concern.intake.mail_intake import NO_WORDS, poll, register_mail, source_ref
from tillit.concern.intake.mail_parse import parse_message
from tillit.concern.tables import ConcernCase
from tillit.platform import Platform

from ..conftest import all_cases

FAILED = "Kunde inte läsas"


@pytest.fixture(scope="module")
def server() -> Iterator[MailServer]:
    with mail_server() as running:
        yield running


def _principal(platform: Platform) -> Principal:
    with platform.session() as db:
        tenant = get_tenant(db, "default")
        return Principal(tenant.id, tenant.slug, "system", None, "cli", frozenset({"admin"}))


def _mail(message_id: str, html_only: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Åsa Öberg <asa.oberg@skola.example>"
    msg["To"] = "orosanmalan@kommun.test"
    msg["Subject"] = "Orosanmälan gällande Elsa Berg"
    msg["Message-ID"] = message_id
    body = "Elsa Berg, 150305-1201, berättade i dag att pappa slår henne när han är full."
    if html_only:
        msg.set_content(f"<html><body><p>{body}</p><script>x()</script></body></html>", "html")
    else:
        msg.set_content(body)
        msg.add_attachment(b"%PDF-1.4 binary", maintype="application", subtype="pdf",
                           filename="intyg.pdf")  # fmt: skip
    return msg.as_bytes()


def test_mailed_reports_become_cases_once(server: MailServer, platform: Platform) -> None:
    server.reset()
    server.deliver(_mail("<r1@skola.example>"))
    server.deliver(_mail("<r2@skola.example>", html_only=True))
    settings = MailboxSettings(
        host=server.host,
        port=server.port,
        username=server.user,
        password=server.password,
        ssl=False,
        processed_folder="Registrerade",
    )
    first = poll(platform, _principal(platform), settings)
    assert (first.fetched, first.registered, first.failed) == (2, 2, [])
    server.deliver(_mail("<r1@skola.example>"))  # the same message arrives again
    second = poll(platform, _principal(platform), settings)
    assert (second.registered, second.already) == (0, 1)  # the Message-ID is already a case
    with platform.session() as db:
        cases = list(db.scalars(select(ConcernCase).order_by(ConcernCase.id)))
        assert len(cases) == 2 and {c.channel for c in cases} == {"e-post"}
        plain, html = (detail_dict(db, platform.box, c) for c in cases)
    assert plain["reporter"]["email"] == "asa.oberg@skola.example"
    assert "pappa slår henne" in plain["text"] and "Ämne: Orosanmälan" in plain["text"]
    assert plain["warnings"] == [
        "Bilagan intyg.pdf (application/pdf) lästes inte in: den är inte text. "
        "Öppna den i e-postlådan."
    ]  # in Swedish
    assert plain["child"]["name"] == "Elsa Berg" and plain["child"]["birth_date"] == "2015-03-05"
    assert "pappa slår henne" in html["text"] and "x()" not in html["text"]
    assert html["duplicate_of"] == plain["case_number"]  # same text through the same inbox


def _settings(server: MailServer) -> MailboxSettings:
    return MailboxSettings(
        host=server.host,
        port=server.port,
        username=server.user,
        password=server.password,
        ssl=False,
        processed_folder="Registrerade",
        failed_folder=FAILED,
    )


def _raw(message_id: str, body: str, subject: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Kalle <kalle@skola.example>"
    msg["To"] = "orosanmalan@kommun.test"
    if subject:
        msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()


def test_a_mail_without_words_fails_once_and_never_blocks_the_inbox(
    server: MailServer, platform: Platform
) -> None:
    server.reset()
    server.deliver(_raw("<p1@x>", "…"))
    server.deliver(_raw("<p2@x>", "👍", "..."))  # the "Ämne:" label must not count as words
    server.deliver(_raw("<ok@skola.example>", "Elsa Berg far illa hemma.", "Orosanmälan"))

    first = poll(platform, _principal(platform), _settings(server))
    second = poll(platform, _principal(platform), _settings(server))

    assert (first.registered, first.left_for_retry) == (1, [])
    assert [(ident, reason) for ident, reason in first.failed] == [
        ("<p1@x>", NO_WORDS),
        ("<p2@x>", NO_WORDS),
    ]
    assert second.fetched == 0  # never tried again
    assert server.uids() == [] and len(server.uids(imap_folder(FAILED))) == 2
    assert [c["text"] for c in all_cases(platform)] == [
        "Ämne: Orosanmälan\n\nElsa Berg far illa hemma."
    ]


def test_a_database_that_cannot_be_reached_leaves_the_mail_for_the_next_poll(
    server: MailServer, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    server.deliver(_raw("<r1@skola.example>", "Elsa Berg far illa hemma."))
    server.deliver(_raw("<r2@skola.example>", "Noah Ek kommer hungrig till skolan."))

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    monkeypatch.setattr(mail_intake, "register_report", unreachable)
    down = poll(platform, _principal(platform), _settings(server))
    monkeypatch.undo()
    up = poll(platform, _principal(platform), _settings(server))

    assert (down.fetched, down.registered, down.failed) == (1, 0, [])  # the poll stopped
    assert len(server.uids()) == 0 and up.registered == 2


def test_a_reused_message_id_with_another_text_is_a_case_of_its_own(
    server: MailServer, platform: Platform
) -> None:
    server.reset()
    long_id = "<" + "x" * 250
    first = ("<samma@skola.example>", "Elsa Berg slås av pappa.")
    mails = [
        first,
        first,  # the same message again: the same case
        ("<samma@skola.example>", "Helt annan anmälan: Noah Ek svälter."),
        (long_id + "a@x>", "Maja Lind blir inlåst på kvällarna."),
        (long_id + "b@x>", "Omar Said har blåmärken på armarna."),  # the same first 200 chars
    ]
    for message_id, body in mails:
        server.deliver(_raw(message_id, body))

    result = poll(platform, _principal(platform), _settings(server))

    assert (result.registered, result.already, result.failed, result.left_for_retry) == (
        4,
        1,
        [],
        [],
    )
    assert [c["text"] for c in all_cases(platform)] == [body for _, body in mails[1:]]
    with platform.session() as db:  # long ids are never cut: a reference fits its column
        assert all(len(ref) <= 200 for ref in db.scalars(select(ConcernCase.source_ref)))


def test_a_mail_of_only_attachments_becomes_a_case_that_says_so(
    server: MailServer, platform: Platform
) -> None:
    server.reset()
    msg = EmailMessage()
    msg["From"] = "Rektor <rektor@skola.example>"
    msg["Subject"] = "Orosanmälan gällande Elsa Berg"
    msg["Message-ID"] = "<pdf@skola.example>"
    msg.set_content("")
    msg.add_attachment(b"%PDF-1.4 blankett", maintype="application", subtype="pdf",
                       filename="orosanmalan.pdf")  # fmt: skip
    server.deliver(msg.as_bytes())

    result = poll(platform, _principal(platform), _settings(server))

    assert (result.registered, result.failed) == (1, [])
    [case] = all_cases(platform)
    assert case["text"] == (
        "Ämne: Orosanmälan gällande Elsa Berg\n\n"
        "Meddelandet har ingen text som kunde läsas in, bara bilagor som Tillit inte kan läsa: "
        "orosanmalan.pdf (application/pdf). Öppna meddelandet i e-postlådan (mappen "
        "Registrerade) och läs bilagorna där."
    )
    assert case["warnings"] == [
        "Bilagan orosanmalan.pdf (application/pdf) lästes inte in: den är inte text. "
        "Öppna den i e-postlådan."
    ]


def test_attachments_inside_a_forwarded_mail_are_named_on_the_case(
    server: MailServer, platform: Platform
) -> None:
    server.reset()
    original = EmailMessage()
    original["From"] = "Förskolan Solen <solen@forskola.example>"
    original["Subject"] = "Oro för Liam"
    original.set_content("Se bifogat läkarintyg.")
    original.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                            filename="intyg.pdf")  # fmt: skip
    forward = EmailMessage()
    forward["Subject"] = "VB: Oro för Liam"
    forward["Message-ID"] = "<vb@kommun.test>"
    forward.set_content("Vidarebefordrar enligt rutin.")
    forward.add_attachment(original)
    server.deliver(forward.as_bytes())

    poll(platform, _principal(platform), _settings(server))

    [case] = all_cases(platform)
    assert case["warnings"] == [
        "Bilagan intyg.pdf (application/pdf) i det vidarebefordrade meddelandet ”Oro för Liam” "
        "lästes inte in: den är inte text. Öppna den i e-postlådan."
    ]


def test_a_long_message_id_is_kept_whole_as_a_hash_never_cut() -> None:
    prefix = "<" + "x" * 250
    one, other = source_ref(prefix + "a@x>"), source_ref(prefix + "b@x>")
    assert one != other and len(one) <= 180 and len(other) <= 180
    assert source_ref("<kort@skola.example>") == "<kort@skola.example>"


def test_the_poll_command_names_failed_mail_by_hash_not_message_id(
    server: MailServer,
    platform: Platform,
    cli: Cli,
) -> None:
    """Cron output ends up in logs: a sender-chosen Message-ID may carry a name."""
    server.reset()
    server.deliver(_raw("<elsa.berg-150305@x>", "…"))
    args = ["concern", "poll-mail", "--host", server.host, "--port", str(server.port)]
    args += ["--user", server.user, "--no-ssl", "--json"]
    result = cli(*args, env={"TILLIT_CONCERN_IMAP_PASSWORD": server.password})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"][0]["message"].startswith("mid:")
    assert "elsa" not in result.stdout.lower()


@pytest.mark.parametrize(
    "header",
    [b"Message-ID: <abc\xff\xfe@example.org>", b"Message-ID: import:42"],
)
def test_an_odd_message_id_still_registers_and_blocks_no_file_line(
    platform: Platform, tmp_path: Path, header: bytes
) -> None:
    """8-bit bytes in the id (a broken mailer) or an id shaped like a file import's reference
    (the sender chooses it): the report is registered, the file line with id 42 too."""
    raw = (
        b"From: =?utf-8?q?=C3=85sa?= \xff <asa@skola.example>\r\n" + header + b"\r\n"
        b"Subject: Orosanm\xc3\xa4lan\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Barnet far illa hemma.\r\n"
    )
    register_mail(platform, _principal(platform), parse_message(raw))
    line = tmp_path / "a.jsonl"
    line.write_text(json.dumps({"id": 42, "text": "Ett annat barn far illa."}), encoding="utf-8")
    assert len(import_file(platform, _principal(platform), line).registered) == 1
    assert len(all_cases(platform)) == 2
