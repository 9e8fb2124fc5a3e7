"""The SMTP intake: messages sent to it over SMTP become tickets or are refused."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from tierdesk.mail.smtp_server import start_smtp_server
from tierdesk.service.context import ServiceContext
from tierdesk.service.tickets import TicketFilters, list_tickets

from ..service.conftest import ADMIN, Clock
from .conftest import free_port, message


@pytest.fixture
def intake(mail_context: ServiceContext, clock: Clock) -> Iterator[int]:
    port = free_port()
    controller = start_smtp_server(mail_context, "127.0.0.1", port, clock)
    yield port
    controller.stop()


def test_smtp_message_creates_ticket(mail_context: ServiceContext, intake: int) -> None:
    with smtplib.SMTP("127.0.0.1", intake, timeout=30) as client:
        client.send_message(message())
    tickets = list_tickets(mail_context, ADMIN, TicketFilters()).tickets
    assert len(tickets) == 1
    assert tickets[0].channel == "email"


def test_smtp_bad_message_refused(mail_context: ServiceContext, intake: int) -> None:
    with (
        smtplib.SMTP("127.0.0.1", intake, timeout=30) as client,
        pytest.raises(smtplib.SMTPDataError) as caught,
    ):
        client.send_message(message(body=None))
    assert caught.value.smtp_code == 550
    assert b"empty_body" in caught.value.smtp_error
    assert list_tickets(mail_context, ADMIN, TicketFilters()).tickets == []


def test_smtp_addresses_not_logged(
    mail_context: ServiceContext, intake: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with smtplib.SMTP("127.0.0.1", intake, timeout=30) as client:
        client.send_message(message())
    assert "ticket T-" in caplog.text
    assert "ana@example.com" not in caplog.text
    assert "support.example.org" not in caplog.text
