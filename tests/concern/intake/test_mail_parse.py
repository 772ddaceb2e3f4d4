"""parse_message: real-world e-mail shapes, built with EmailMessage or written as raw bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from tillit.concern.intake.mail_parse import (
    EMPTY,
    NOT_TEXT,
    TOO_LARGE,
    MailParseError,
    decode_bytes,
    html_to_text,
    parse_message,
)

BODY = "Hej! Jag är orolig för Elsa i klass 2b. Hon säger att pappa slår henne."


def base(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("From", "Åsa Öberg <asa@skola.example>")
    msg["Subject"] = headers.get("Subject", "Orosanmälan")
    msg["Message-ID"] = headers.get("Message_ID", "<r1@skola.example>")
    msg["Date"] = headers.get("Date", "Tue, 04 Nov 2025 14:30:00 +0100")
    return msg


def raw_mail(headers: str, body: bytes) -> bytes:
    return headers.strip().replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


def test_plain_utf8_message() -> None:
    msg = base()
    msg.set_content(BODY)

    mail = parse_message(msg.as_bytes())

    assert mail.text == BODY
    assert mail.subject == "Orosanmälan"
    assert (mail.sender_name, mail.sender_address) == ("Åsa Öberg", "asa@skola.example")
    assert mail.message_id == "<r1@skola.example>"
    assert mail.sent == datetime(2025, 11, 4, 13, 30, tzinfo=UTC)
    assert mail.received == mail.sent  # no INTERNALDATE given: the Date header
    assert mail.attachments == ()


def test_encoded_word_headers() -> None:
    raw = raw_mail(
        """
From: =?iso-8859-1?Q?=C5sa_=D6berg?= <asa@skola.example>
Subject: =?utf-8?B?T3Jvc2FubcOkbGFu?= =?utf-8?Q?_g=C3=A4llande_barn?=
Content-Type: text/plain; charset=utf-8
""",
        BODY.encode(),
    )
    mail = parse_message(raw)
    assert mail.subject == "Orosanmälan gällande barn"
    assert mail.sender_name == "Åsa Öberg"


def test_encoded_word_with_unknown_charset_and_raw_8bit_header() -> None:
    raw = (
        b"From: \xc3\x85sa <asa@skola.example>\r\n"
        b"Subject: =?x-okand?Q?Hej_d=E5?=\r\n"
        b"\r\n" + BODY.encode()
    )
    mail = parse_message(raw)
    assert mail.subject == "Hej då"
    assert mail.sender_name == "Åsa"


@pytest.mark.parametrize(
    ("declared", "payload"),
    [
        ("utf-8", BODY.encode("cp1252")),  # declared UTF-8, sent as Windows-1252
        ("x-bogus", BODY.encode("cp1252")),  # a charset nobody knows
        ("iso-8859-1", BODY.encode("utf-8")),  # declared Latin-1, sent as UTF-8
        (None, BODY.encode("utf-8")),  # nothing declared
        ("windows-1252", BODY.encode("cp1252")),  # right, for once
    ],
)
def test_wrong_unknown_or_missing_charsets(declared: str | None, payload: bytes) -> None:
    content_type = "text/plain" + (f"; charset={declared}" if declared else "")
    raw = raw_mail(f"Subject: x\nContent-Type: {content_type}", payload)
    assert parse_message(raw).text == BODY


def test_charset_guess_outside_western_europe() -> None:
    russian = "Здравствуйте, я беспокоюсь о ребёнке соседей, он часто плачет по ночам."
    assert decode_bytes(russian.encode("cp1251"), "utf-8") == russian


def test_quoted_printable_and_base64() -> None:
    qp = EmailMessage()
    qp.set_content(BODY, charset="iso-8859-1", cte="quoted-printable")
    b64 = EmailMessage()
    b64.set_content(BODY, cte="base64")
    assert b"=E4" in qp.as_bytes() and BODY.encode() not in b64.as_bytes()
    assert parse_message(qp.as_bytes()).text == BODY
    assert parse_message(b64.as_bytes()).text == BODY


def test_html_only_mail_becomes_readable_text() -> None:
    msg = base()
    msg.set_content(
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<h1>Orosanmälan</h1><p>Hej!<br>Elsa &amp; hennes bror far illa.</p>"
        "<ul><li>slag</li><li>hot</li></ul><!-- dold --><script>alert('x')</script>"
        "</body></html>",
        subtype="html",
    )
    text = parse_message(msg.as_bytes()).text
    assert text == "Orosanmälan\n\nHej!\nElsa & hennes bror far illa.\n\n• slag\n• hot"


def test_alternative_prefers_plain_and_falls_back_to_html_when_plain_is_empty() -> None:
    both = base()
    both.set_content("Den rena texten.")
    both.add_alternative("<p>HTML-versionen</p>", subtype="html")
    empty_plain = base()
    empty_plain.set_content("\n")
    empty_plain.add_alternative("<p>Bara HTML har text</p>", subtype="html")

    assert parse_message(both.as_bytes()).text == "Den rena texten."
    assert parse_message(both.as_bytes()).attachments == ()
    assert parse_message(empty_plain.as_bytes()).text == "Bara HTML har text"


def test_attachments_are_noted_and_text_attachments_appended() -> None:
    msg = base()
    msg.set_content(BODY)
    msg.add_alternative(f"<p>{BODY}</p>", subtype="html")
    msg.add_attachment(
        b"%PDF-1.7 ...", maintype="application", subtype="pdf", filename="blankett.pdf"
    )
    msg.add_attachment("Lärarens anteckningar.", filename="anteckningar.txt")
    msg.add_attachment("x" * 300_000, filename="logg.txt")
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="bild ä.png")

    mail = parse_message(msg.as_bytes())

    assert mail.text == f"{BODY}\n\n--- Bilaga: anteckningar.txt ---\nLärarens anteckningar."
    assert [(a.name, a.content_type, a.reason) for a in mail.attachments] == [
        ("blankett.pdf", "application/pdf", NOT_TEXT),
        ("anteckningar.txt", "text/plain", None),
        ("logg.txt", "text/plain", TOO_LARGE),
        ("bild ä.png", "image/png", NOT_TEXT),
    ]
    assert mail.attachments[0].size == len(b"%PDF-1.7 ...")


def test_a_forwarded_message_is_included_with_its_headers() -> None:
    original = base(From="Förskolan Solen <solen@forskola.example>", Subject="Oro för Liam")
    original.set_content("Liam kom till förskolan med blåmärken.")
    forward = base(Subject="VB: Oro för Liam")
    forward.set_content("Vidarebefordrar enligt rutin.")
    forward.add_attachment(original)

    mail = parse_message(forward.as_bytes())

    assert mail.text.startswith("Vidarebefordrar enligt rutin.\n\n--- Bilaga: Oro för Liam ---")
    assert "Från: Förskolan Solen <solen@forskola.example>" in mail.text
    assert mail.text.endswith("Liam kom till förskolan med blåmärken.")
    assert [(a.content_type, a.reason) for a in mail.attachments] == [("message/rfc822", None)]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"Subject: tomt\r\n\r\n",
        b"Subject: blanksteg\r\n\r\n  \r\n\t\r\n",
        raw_mail(
            "Subject: tom bilaga\nContent-Type: text/plain\nContent-Disposition: attachment", b""
        ),
        raw_mail("Subject: tom html\nContent-Type: text/html", b"<html><script>x</script></html>"),
    ],
)
def test_empty_messages_are_refused(raw: bytes) -> None:
    with pytest.raises(MailParseError) as error:
        parse_message(raw)
    assert error.value.reason == EMPTY


def test_a_message_of_attachments_that_cannot_be_read_is_kept_with_its_notes() -> None:
    only_pdf = raw_mail("Subject: bara pdf\nContent-Type: application/pdf", b"%PDF-1.4")
    msg = base(Subject="Orosanmälan gällande Elsa Berg")
    msg.set_content("")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="blankett.pdf")

    for raw, name in ((only_pdf, None), (msg.as_bytes(), "blankett.pdf")):
        mail = parse_message(raw)
        assert mail.text == ""
        assert [(a.name, a.content_type, a.reason) for a in mail.unread] == [
            (name, "application/pdf", NOT_TEXT)
        ]


def test_attachments_of_a_forwarded_message_are_noted() -> None:
    original = base(Subject="Oro för Liam")
    original.set_content("Se bifogat intyg.")
    original.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="intyg.pdf"
    )
    forward = base(Subject="VB: Oro för Liam")
    forward.set_content("Vidarebefordrar enligt rutin.")
    forward.add_attachment(original)

    mail = parse_message(forward.as_bytes())

    assert [(a.name, a.reason, a.within) for a in mail.attachments] == [
        ("Oro för Liam", None, None),
        ("intyg.pdf", NOT_TEXT, "Oro för Liam"),
    ]


def test_too_large_messages_are_refused() -> None:
    msg = base()
    msg.set_content("a" * 5000)
    with pytest.raises(MailParseError) as error:
        parse_message(msg.as_bytes(), max_bytes=1000)
    assert error.value.reason == TOO_LARGE


def test_missing_message_id_gets_a_stable_hash() -> None:
    one = raw_mail("Subject: a", b"Text ett.")
    other = raw_mail("Subject: a", b"Text tva.")
    assert parse_message(one).message_id == parse_message(one).message_id
    assert parse_message(one).message_id.startswith("sha256:")
    assert parse_message(one).message_id != parse_message(other).message_id


def test_dates_are_timezone_aware_and_internaldate_wins() -> None:
    arrived = datetime(2025, 11, 5, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    unknown_zone = raw_mail("Date: Wed, 05 Nov 2025 07:00:00 -0000", b"Text.")
    broken = raw_mail("Date: i morgon bitti", b"Text.")

    assert parse_message(unknown_zone).received == datetime(2025, 11, 5, 7, 0, tzinfo=UTC)
    assert parse_message(unknown_zone, internal_date=arrived).received == arrived
    broken_mail = parse_message(broken)
    assert broken_mail.sent is None
    assert broken_mail.received.tzinfo is not None


def test_sender_without_address() -> None:
    mail = parse_message(raw_mail("From: Anonym\nSubject: x", b"Text."))
    assert mail.sender_address is None


def test_html_to_text_edge_cases() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><p>ok</p>") == "ok"
    assert html_to_text("<p>öppen <b>tagg") == "öppen tagg"
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b"
