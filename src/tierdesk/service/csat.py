"""CSAT: one tokenised rating link per solve of a ticket, and the rating itself.

Links carry a random token; only its SHA-256 digest is stored, so the database
cannot be used to rate on the requester's behalf.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime

from pydantic import BaseModel, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.events import EventKind, TicketStatus
from tierdesk.service.actor import REQUESTER, SYSTEM, Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, NotFound, ServiceError
from tierdesk.service.escalation import apply_escalation_rules
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.lifecycle import solve_count
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.escalation import CsatSurveyRow
from tierdesk.store.schema import TicketRow

logger = logging.getLogger(__name__)


class Gone(ServiceError):
    status = 410


class CsatLink(BaseModel):
    """A rating link; the token is shown once and not stored."""

    ticket_id: str
    url: str
    token: str
    expires_at: datetime


class RatingInput(InputModel):
    score: StrictInt = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=5000)


class RatingResult(BaseModel):
    ticket_id: str
    score: int
    escalated: bool


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_csat_link(
    context: ServiceContext, actor: Actor, ticket_id: str, now: datetime
) -> CsatLink:
    """Issue the rating link of the ticket's latest solve, replacing an unused one."""
    require(actor, "csat.issue")
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            raise Conflict(
                "ticket_not_solved",
                f"ticket {ticket_id!r} is {ticket.status}; a rating link is issued "
                "for a solved ticket",
                field="status",
            )
        token, survey = issue_link_locked(session, context, ticket, now)
        record_audit(session, actor, "csat.issue", "ticket", ticket_id, now)
    return CsatLink(
        ticket_id=ticket_id,
        url=rating_url(context, token),
        token=token,
        expires_at=survey.expires_at,
    )


def rating_url(context: ServiceContext, token: str) -> str:
    return f"{context.config.public_url.rstrip('/')}/api/v1/csat/{token}"


def issue_link_locked(
    session: Session, context: ServiceContext, ticket: TicketRow, now: datetime
) -> tuple[str, CsatSurveyRow]:
    """Issue a new token for the latest solve of a locked, solved ticket.

    Returns the token, which is not stored, and the survey row. Raises Conflict
    when that solve is already rated.
    """
    token = secrets.token_urlsafe(24)
    solves = solve_count(session, ticket)
    survey = session.scalar(
        select(CsatSurveyRow).where(
            CsatSurveyRow.ticket_id == ticket.id,
            CsatSurveyRow.solve_number == solves,
        )
    )
    if survey is not None and survey.score is not None:
        raise Conflict(
            "already_rated",
            f"ticket {ticket.external_id!r} is already rated",
            field="ticket_id",
        )
    if survey is None:
        survey = CsatSurveyRow(ticket_id=ticket.id, solve_number=solves)
        session.add(survey)
    survey.token_hash = token_digest(token)
    survey.issued_at = now
    survey.expires_at = now + context.config.csat_link_lifetime
    session.flush()
    return token, survey


def rate(
    context: ServiceContext, token: str, data: RatingInput, now: datetime
) -> RatingResult:
    """Store the requester's rating; a low one may reopen and escalate the ticket."""
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    digest = token_digest(token)
    with write_session(context.engine) as session:
        ticket_id = session.scalar(
            select(CsatSurveyRow.ticket_id).where(CsatSurveyRow.token_hash == digest)
        )
        # The ticket is locked before its survey, the order issuing a link uses.
        ticket = None
        if ticket_id is not None:
            ticket = session.scalar(
                select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()
            )
        survey = session.scalar(
            select(CsatSurveyRow)
            .where(CsatSurveyRow.token_hash == digest)
            .with_for_update()
        )
        # A link replaced between the two reads is not found either.
        if ticket is None or survey is None or survey.ticket_id != ticket.id:
            raise NotFound("not_found", "rating link not found", field="token")
        if survey.score is not None:
            raise Conflict(
                "already_rated", "this ticket is already rated", field="token"
            )
        if now > survey.expires_at:
            raise Gone(
                "csat_link_expired", "this rating link has expired", field="token"
            )
        survey.score = data.score
        survey.comment = data.comment or None
        survey.rated_at = now
        record_event(
            session, ticket, EventKind.CSAT_RATED, REQUESTER, now, score=data.score
        )
        record_audit(session, REQUESTER, "csat.rate", "ticket", ticket.external_id, now)
        escalated = _escalate_low_rating(session, revision, ticket, data.score, now)
    return RatingResult(
        ticket_id=ticket.external_id, score=data.score, escalated=escalated
    )


def _escalate_low_rating(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow,
    score: int,
    now: datetime,
) -> bool:
    # A solved ticket is reopened first, so that the next team has an open ticket
    # to work. A closed ticket cannot be reopened, so it only keeps its rating.
    policy = revision.policy
    fires = any(
        rule.trigger == "csat" and score <= (rule.max_score or 0)
        for rule in policy.escalation_rules
    )
    if not fires or (ticket.team or "") not in policy.next_escalation_team:
        return False
    if ticket.status != TicketStatus.SOLVED:
        logger.info(
            "low rating of ticket %s not escalated: the ticket is %s",
            ticket.external_id,
            ticket.status,
        )
        return False
    ticket.status = TicketStatus.OPEN.value
    ticket.solved_at = None
    ticket.reopen_count += 1
    ticket.updated_at = now
    record_event(session, ticket, EventKind.REOPENED, SYSTEM, now, reason="csat")
    return (
        apply_escalation_rules(session, revision, ticket, "csat", now, score=score)
        is not None
    )
