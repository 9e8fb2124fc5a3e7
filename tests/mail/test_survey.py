"""CSAT survey e-mails: sent by a job when a ticket is solved, to a local sink."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import select

import tierdesk.mail.survey as survey_module
from tierdesk.events import TicketStatus
from tierdesk.mail.ingest import ingest_email
from tierdesk.service.context import ServiceContext
from tierdesk.service.csat import RatingInput, rate
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.tickets import get_ticket
from tierdesk.store.escalation import CsatSurveyRow
from tierdesk.store.schema import TicketRow

from ..jobs._run import run_jobs
from ..service.conftest import ADMIN, Clock
from .conftest import Sink, message

SOLVED = StatusInput(status=TicketStatus.SOLVED)


def _received(sink: Sink) -> list[EmailMessage]:
    parsed = []
    for _, raw in sink.messages:
        built = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(built, EmailMessage)
        parsed.append(built)
    return parsed


def _solve_and_run(context: ServiceContext, clock: Clock, ticket_id: str) -> None:
    change_status(context, ADMIN, ticket_id, SOLVED, clock.advance(hours=1))
    run_jobs(context, clock)


def test_solve_sends_survey_with_link(
    mail_context: ServiceContext, clock: Clock, smtp_sink: Sink
) -> None:
    created = ingest_email(mail_context, message().as_bytes(), clock())
    _solve_and_run(mail_context, clock, created.ticket_id)
    received = _received(smtp_sink)
    assert len(received) == 1
    survey = received[0]
    assert smtp_sink.messages[0][0] == ["ana@example.com"]
    assert survey["To"] == "ana@example.com"
    assert f"[{created.ticket_id}]" in survey["Subject"]
    assert survey["In-Reply-To"] == "<m1@mail.example.com>"
    assert survey["Auto-Submitted"] == "auto-generated"
    text = survey.get_content()
    link = re.search(r"http://127\.0\.0\.1:8000/api/v1/csat/(\S+)", text)
    assert link is not None
    result = rate(mail_context, link.group(1), RatingInput(score=5), clock())
    assert result.ticket_id == created.ticket_id


def test_survey_sent_once(
    mail_context: ServiceContext, clock: Clock, smtp_sink: Sink
) -> None:
    created = ingest_email(mail_context, message().as_bytes(), clock())
    _solve_and_run(mail_context, clock, created.ticket_id)
    run_jobs(mail_context, clock)
    assert len(smtp_sink.messages) == 1
    with mail_context.engine.connect() as connection:
        status = connection.scalar(select(CsatSurveyRow.email_status))
    assert status == "sent"


def test_reply_to_survey_reopens(
    mail_context: ServiceContext, clock: Clock, smtp_sink: Sink
) -> None:
    created = ingest_email(mail_context, message().as_bytes(), clock())
    _solve_and_run(mail_context, clock, created.ticket_id)
    survey = _received(smtp_sink)[0]
    reply = message(
        subject="Re: " + str(survey["Subject"]),
        body="No, it is not solved",
        message_id="<r1@mail.example.com>",
        in_reply_to=str(survey["Message-ID"]),
    )
    result = ingest_email(mail_context, reply.as_bytes(), clock.advance(minutes=5))
    assert result.outcome == "replied"
    assert get_ticket(mail_context, ADMIN, created.ticket_id).status == "open"


def test_reopened_ticket_gets_no_survey(
    mail_context: ServiceContext, clock: Clock, smtp_sink: Sink
) -> None:
    created = ingest_email(mail_context, message().as_bytes(), clock())
    change_status(mail_context, ADMIN, created.ticket_id, SOLVED, clock())
    reopen = StatusInput(status=TicketStatus.OPEN)
    change_status(mail_context, ADMIN, created.ticket_id, reopen, clock())
    run_jobs(mail_context, clock)
    assert smtp_sink.messages == []


def test_no_smtp_host_no_survey_job(context: ServiceContext, clock: Clock) -> None:
    from tierdesk.service.intake import NewTicket, create_ticket
    from tierdesk.service.requesters import RequesterInput

    from ..jobs._run import waiting_jobs

    draft = NewTicket(
        subject="x",
        inquiry_type="cards",
        requester=RequesterInput(email="ana@example.com"),
    )
    ticket_id = create_ticket(context, ADMIN, draft, clock()).ticket.id
    change_status(context, ADMIN, ticket_id, SOLVED, clock())
    assert [task for task, _ in waiting_jobs(context)] == ["ticket.close"]


def test_failed_send_retried_same_message_id(
    mail_context: ServiceContext,
    clock: Clock,
    smtp_sink: Sink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_send = survey_module.send_message
    calls: list[int] = []

    def flaky_send(config, message):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        real_send(config, message)

    monkeypatch.setattr(survey_module, "send_message", flaky_send)
    created = ingest_email(mail_context, message().as_bytes(), clock())
    change_status(mail_context, ADMIN, created.ticket_id, SOLVED, clock())
    with mail_context.engine.connect() as connection:
        row_id = connection.scalar(
            select(TicketRow.id).where(TicketRow.external_id == created.ticket_id)
        )
    args = {"ticket": row_id, "solve": 1}
    # The job fails once, as after an SMTP outage, and its retry succeeds.
    with pytest.raises(survey_module.SurveyNotSent, match="SMTPServerDisconnected"):
        survey_module.send_survey(mail_context, args, clock())
    survey_module.send_survey(mail_context, args, clock.advance(minutes=1))
    received = _received(smtp_sink)
    assert len(calls) == 2
    assert len(received) == 1
    with mail_context.engine.connect() as connection:
        stored = connection.execute(
            select(CsatSurveyRow.email_message_id, CsatSurveyRow.email_status)
        ).one()
    assert received[0]["Message-ID"] == f"<{stored[0]}>"
    assert stored[1] == "sent"
