"""Finding a ticket the actor may see, with or without its row lock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.service.actor import Actor
from tierdesk.service.errors import not_found
from tierdesk.store.schema import TicketRow


def find_ticket(
    session: Session, actor: Actor, ticket_id: str, *, lock: bool = False
) -> TicketRow:
    """Return the ticket, locked for update when `lock` is set.

    A ticket outside a team-scoped actor's teams is reported as not found, so
    that ids of other teams' tickets cannot be probed.
    """
    statement = select(TicketRow).where(TicketRow.external_id == ticket_id)
    if lock:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None or not actor.sees_team(row.team):
        raise not_found("ticket", ticket_id, "ticket_id")
    return row
