"""Parsing incoming messages: the parts a ticket needs, and clear rejections."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tierdesk.mail.parse import EmailRejected, parse_email

from .conftest import message

LIMIT = 100_000


def _parse(built: EmailMessage | bytes):  # type: ignore[no-untyped-def]
    raw = built if isinstance(built, bytes) else built.as_bytes()
    return parse_email(raw, max_bytes=LIMIT)


def _code(built: EmailMessage | bytes) -> str:
    with pytest.raises(EmailRejected) as caught:
        _parse(built)
    return caught.value.code


def test_plain_message_parts() -> None:
    parsed = _parse(message(in_reply_to="<older@mail.example.com>"))
    assert parsed.sender == "ana@example.com"
    assert parsed.sender_name == "Ana Lima"
    assert parsed.subject == "My card has not arrived"
    assert parsed.text.startswith("I ordered a card")
    assert parsed.message_id == "m1@mail.example.com"
    assert parsed.references == ["older@mail.example.com"]


def test_html_only_message_becomes_text() -> None:
    built = message(body=None)
    built.set_content(
        "<html><head><style>p{}</style></head><body><p>Hello</p>"
        "<p>My card&nbsp;is <b>lost</b></p></body></html>",
        subtype="html",
    )
    assert _parse(built).text == "Hello\n\nMy card\xa0is lost"


def test_plain_part_preferred_and_attachments_noted() -> None:
    built = message(body="plain text")
    built.add_alternative("<p>html text</p>", subtype="html")
    built.add_attachment(
        b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="bill.pdf"
    )
    parsed = _parse(built)
    assert parsed.text == "plain text"
    assert parsed.attachments == [
        {"filename": "bill.pdf", "content_type": "application/pdf", "size": 13}
    ]


def test_missing_message_id_derived_from_content() -> None:
    built = message(message_id=None)
    first = _parse(built).message_id
    assert first.endswith("@tierdesk.invalid")
    assert _parse(built).message_id == first


def test_no_from_rejected() -> None:
    assert _code(message(sender=None)) == "missing_from"


def test_invalid_from_rejected() -> None:
    assert _code(message(sender="not an address")) == "invalid_from"


def test_no_body_rejected() -> None:
    assert _code(message(body=None)) == "empty_body"


def test_blank_body_rejected() -> None:
    assert _code(message(body="  \n\n ")) == "empty_body"


def test_oversized_rejected() -> None:
    assert _code(message(body="x" * (LIMIT + 10))) == "message_too_large"


def test_broken_mime_rejected() -> None:
    raw = (
        b"From: ana@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        b"no boundary ever starts here\r\n"
    )
    assert _code(raw) == "broken_mime"


def test_invalid_base64_body_rejected() -> None:
    raw = (
        b"From: ana@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"!!!!not base64@@@\r\n"
    )
    assert _code(raw) == "broken_mime"


def test_auto_reply_rejected() -> None:
    assert _code(message(Auto_Submitted="auto-replied")) == "auto_reply"


def test_long_body_truncated() -> None:
    parsed = parse_email(message(body="y" * 100_050).as_bytes(), max_bytes=1_000_000)
    assert len(parsed.text) == 100_000
    assert parsed.truncated
