"""The `survey.send` job: e-mail the requester the rating link of one solve.

The link is issued and the e-mail marked `sending` in one transaction, the
e-mail is sent, then marked `sent`. A worker that dies in between leaves it
`sending`. The retried job then issues a fresh link, which replaces the unused
one, and sends again under the same Message-ID. So at most one link works, and
mail programs can tell that the two copies are one message.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from tierdesk.events import TicketStatus
from tierdesk.mail.outgoing import new_message_id, send_message, survey_message
from tierdesk.service.actor import SYSTEM
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.csat import issue_link_locked, rating_url
from tierdesk.service.lifecycle import solve_count
from tierdesk.service.transactions import write_session
from tierdesk.store.escalation import CsatSurveyRow
from tierdesk.store.mail import EmailMessageRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import TicketRow

logger = logging.getLogger(__name__)


class SurveyNotSent(RuntimeError):
    """The SMTP server could not be reached or did not accept the survey."""


@dataclass(frozen=True)
class _Prepared:
    survey_id: int
    ticket_id: str
    message: EmailMessage


def send_survey(context: ServiceContext, args: dict[str, Any], now: datetime) -> None:
    """Send the survey of solve `args["solve"]` of ticket row `args["ticket"]`."""
    if not context.config.mail.sends_surveys:
        logger.info("survey of ticket row %s not sent: no SMTP host", args["ticket"])
        return
    prepared = _prepare(context, int(args["ticket"]), int(args["solve"]), now)
    if prepared is None:
        return
    try:
        send_message(context.config.mail, prepared.message)
    except (smtplib.SMTPException, OSError) as exc:
        # Raised again without the SMTP error's text, which can contain the
        # recipient's address, so that the worker's log of the failure has none.
        code = getattr(exc, "smtp_code", None)
        raise SurveyNotSent(
            f"the survey e-mail of ticket {prepared.ticket_id} was not sent: "
            f"{type(exc).__name__}" + (f" (SMTP {code})" if code else "")
        ) from None
    with write_session(context.engine) as session:
        survey = session.get(CsatSurveyRow, prepared.survey_id)
        assert survey is not None
        survey.email_status = "sent"
        survey.emailed_at = now
    logger.info("sent the survey e-mail of ticket %s", prepared.ticket_id)


def _prepare(
    context: ServiceContext, ticket_row_id: int, solve: int, now: datetime
) -> _Prepared | None:
    mail = context.config.mail
    with write_session(context.engine) as session:
        ticket = session.scalar(
            select(TicketRow).where(TicketRow.id == ticket_row_id).with_for_update()
        )
        if ticket is None or ticket.status not in (
            TicketStatus.SOLVED,
            TicketStatus.CLOSED,
        ):
            return None
        if solve_count(session, ticket) != solve:
            # Reopened since; the next solve has a job of its own.
            return None
        requester = (
            session.get(RequesterRow, ticket.requester_id)
            if ticket.requester_id
            else None
        )
        if requester is None or not requester.email:
            return None
        survey = session.scalar(
            select(CsatSurveyRow).where(
                CsatSurveyRow.ticket_id == ticket.id,
                CsatSurveyRow.solve_number == solve,
            )
        )
        if survey is not None and (
            survey.email_status == "sent" or survey.score is not None
        ):
            return None
        token, survey = issue_link_locked(session, context, ticket, now)
        survey.email_status = "sending"
        if survey.email_message_id is None:
            survey.email_message_id = new_message_id(mail)
            session.add(
                EmailMessageRow(
                    message_id=survey.email_message_id,
                    direction="out",
                    purpose="survey",
                    ticket_id=ticket.id,
                    requester_id=requester.id,
                    attachments=[],
                    truncated=False,
                    at=now,
                )
            )
        last_received = session.scalar(
            select(EmailMessageRow.message_id)
            .where(
                EmailMessageRow.ticket_id == ticket.id,
                EmailMessageRow.direction == "in",
            )
            .order_by(EmailMessageRow.id.desc())
            .limit(1)
        )
        message = survey_message(
            mail,
            to=requester.email,
            ticket_id=ticket.external_id,
            ticket_subject=ticket.subject,
            rating_url=rating_url(context, token),
            expires_at=survey.expires_at,
            message_id=survey.email_message_id,
            in_reply_to=last_received,
            now=now,
        )
        record_audit(
            session,
            SYSTEM,
            "csat.email",
            "ticket",
            ticket.external_id,
            now,
            solve=solve,
        )
        return _Prepared(survey.id, ticket.external_id, message)
