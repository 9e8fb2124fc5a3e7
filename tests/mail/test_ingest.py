"""E-mail intake: new tickets, threaded replies, reopening, and rejections."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tierdesk.events import EventKind, TicketStatus
from tierdesk.mail.ingest import ingest_email
from tierdesk.mail.parse import EmailRejected
from tierdesk.service.comments import CommentInput, add_comment, list_comments
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.tickets import get_events, get_ticket
from tierdesk.store.history import CommentRow, EventRow
from tierdesk.store.mail import EmailMessageRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import TicketRow

from ..service.conftest import ADMIN, Clock
from .conftest import message


def _ingest(context: ServiceContext, clock: Clock, **fields):  # type: ignore[no-untyped-def]
    return ingest_email(context, message(**fields).as_bytes(), clock())


def _count(context: ServiceContext, table) -> int:  # type: ignore[no-untyped-def]
    with context.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


def test_new_message_creates_routed_ticket(
    mail_context: ServiceContext, clock: Clock
) -> None:
    result = _ingest(mail_context, clock)
    ticket = get_ticket(mail_context, ADMIN, result.ticket_id)
    assert result.outcome == "created"
    assert ticket.channel == "email"
    assert ticket.subject == "My card has not arrived"
    assert ticket.requester is not None
    assert ticket.requester.email == "ana@example.com"
    assert ticket.requester.name == "Ana Lima"
    assert ticket.decision is not None
    assert ticket.team == ticket.decision.team


def test_reply_threads_by_in_reply_to(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    reply = _ingest(
        mail_context,
        clock,
        subject="Re: My card has not arrived",
        body="Any news?",
        message_id="<m2@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    assert reply.outcome == "replied"
    assert reply.ticket_id == first.ticket_id
    comments = list_comments(mail_context, ADMIN, first.ticket_id)
    assert [c.body for c in comments] == ["Any news?"]
    assert comments[0].public
    assert _count(mail_context, TicketRow) == 1


def test_reply_threads_by_subject_reference(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    reply = _ingest(
        mail_context,
        clock,
        subject=f"Re: [{first.ticket_id}] card",
        body="Still waiting",
        message_id="<m3@mail.example.com>",
    )
    assert reply.outcome == "replied"
    assert reply.ticket_id == first.ticket_id


def test_requester_reply_reopens_solved(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    solved = StatusInput(status=TicketStatus.SOLVED)
    change_status(mail_context, ADMIN, first.ticket_id, solved, clock.advance(hours=1))
    reply = _ingest(
        mail_context,
        clock,
        subject="Re: My card has not arrived",
        body="It is still not here",
        message_id="<m4@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    ticket = get_ticket(mail_context, ADMIN, first.ticket_id)
    kinds = [e.kind for e in get_events(mail_context, ADMIN, first.ticket_id)]
    assert reply.status == "open"
    assert ticket.status == "open"
    assert ticket.reopen_count == 1
    assert EventKind.REOPENED in kinds


def test_requester_reply_resumes_pending(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    ask = CommentInput(body="Which address?", public=True, status="pending")
    add_comment(mail_context, ADMIN, first.ticket_id, ask, clock.advance(minutes=5))
    reply = _ingest(
        mail_context,
        clock,
        body="12 Rua Augusta",
        message_id="<m5@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    assert reply.status == "open"


def test_other_sender_does_not_reopen(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    solved = StatusInput(status=TicketStatus.SOLVED)
    change_status(mail_context, ADMIN, first.ticket_id, solved, clock.advance(hours=1))
    reply = _ingest(
        mail_context,
        clock,
        sender="Bo <bo@example.com>",
        body="Thanks from a colleague",
        message_id="<m6@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    assert reply.outcome == "replied"
    assert reply.status == "solved"


def test_reply_to_closed_opens_follow_up(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    for status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        change_status(
            mail_context, ADMIN, first.ticket_id, StatusInput(status=status), clock()
        )
    reply = _ingest(
        mail_context,
        clock,
        body="Card arrived broken",
        message_id="<m7@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    assert reply.outcome == "follow_up"
    assert reply.ticket_id != first.ticket_id
    notes = list_comments(mail_context, ADMIN, reply.ticket_id)
    assert notes[0].body == f"Follow-up to ticket {first.ticket_id}."


def test_expired_window_opens_follow_up(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    solved = StatusInput(status=TicketStatus.SOLVED)
    change_status(mail_context, ADMIN, first.ticket_id, solved, clock())
    clock.advance(days=8)
    reply = _ingest(
        mail_context,
        clock,
        body="Again",
        message_id="<m8@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    assert reply.outcome == "follow_up"


def test_same_message_twice_is_duplicate(
    mail_context: ServiceContext, clock: Clock
) -> None:
    first = _ingest(mail_context, clock)
    again = _ingest(mail_context, clock)
    assert again.outcome == "duplicate"
    assert again.ticket_id == first.ticket_id
    assert _count(mail_context, TicketRow) == 1


def test_attachments_noted_not_stored(
    mail_context: ServiceContext, clock: Clock
) -> None:
    built = message()
    built.add_attachment(
        b"\x89PNG....", maintype="image", subtype="png", filename="a.png"
    )
    result = ingest_email(mail_context, built.as_bytes(), clock())
    notes = [
        c.body
        for c in list_comments(mail_context, ADMIN, result.ticket_id)
        if not c.public
    ]
    assert notes == ["E-mail attachments, not stored: a.png (image/png, 8 bytes)."]
    with mail_context.engine.connect() as connection:
        stored = connection.scalar(select(EmailMessageRow.attachments))
    assert stored == [{"filename": "a.png", "content_type": "image/png", "size": 8}]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"sender": None}, "missing_from"),
        ({"body": None}, "empty_body"),
        ({"body": "z" * 300_000}, "message_too_large"),
        ({"Auto_Submitted": "auto-replied"}, "auto_reply"),
    ],
)
def test_bad_message_writes_nothing(
    mail_context: ServiceContext, clock: Clock, fields: dict, code: str
) -> None:
    with pytest.raises(EmailRejected) as caught:
        _ingest(mail_context, clock, **fields)
    assert caught.value.code == code
    for table in (TicketRow, RequesterRow, EventRow, CommentRow, EmailMessageRow):
        assert _count(mail_context, table) == 0, table.__tablename__


def test_without_model_rejected(context: ServiceContext, clock: Clock) -> None:
    with pytest.raises(InvalidInput) as caught:
        ingest_email(context, message().as_bytes(), clock())
    assert caught.value.code == "inquiry_type_required"
    assert _count(context, TicketRow) == 0


def test_addresses_not_logged(
    mail_context: ServiceContext, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    first = _ingest(mail_context, clock)
    _ingest(
        mail_context,
        clock,
        body="more",
        message_id="<m9@mail.example.com>",
        in_reply_to="<m1@mail.example.com>",
    )
    with pytest.raises(EmailRejected):
        _ingest(mail_context, clock, body=None, message_id="<m10@mail.example.com>")
    assert first.ticket_id in caplog.text
    assert "example.com" not in caplog.text
