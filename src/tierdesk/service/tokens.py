"""API tokens: created once and shown once, stored as SHA-256 digests.

Tokens are 32 random bytes, so a fast digest is enough; a slow password hash
would only add latency to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, select

from tierdesk.service.actor import TOKEN_ROLES, Actor, Role
from tierdesk.service.errors import InvalidInput, Unauthenticated, unknown_reference
from tierdesk.service.transactions import autocommit_connection, write_session
from tierdesk.store.access import ApiTokenRow
from tierdesk.store.people import AgentRow

logger = logging.getLogger(__name__)

PREFIX = "tdk_"


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str
    role: Role
    teams: list[str]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token_scope(role: Role, teams: list[str]) -> None:
    """Raise InvalidInput unless the teams suit the role."""
    if role not in TOKEN_ROLES:
        raise InvalidInput(
            "invalid_field",
            f"role {role.value!r} cannot hold a token; expected one of: "
            f"{', '.join(sorted(r.value for r in TOKEN_ROLES))}",
            field="role",
        )
    if role == Role.VENDOR_AGENT and len(teams) != 1:
        raise InvalidInput(
            "invalid_field",
            "a vendor agent token needs exactly one team",
            field="teams",
        )
    if role == Role.AGENT and not teams:
        raise InvalidInput(
            "invalid_field", "an agent token needs one or more teams", field="teams"
        )
    if role not in (Role.AGENT, Role.VENDOR_AGENT) and teams:
        raise InvalidInput(
            "invalid_field",
            f"role {role.value!r} is not limited to teams; omit the teams",
            field="teams",
        )


def create_token(
    engine: Engine,
    *,
    name: str,
    role: Role,
    teams: list[str],
    agent_id: str | None,
    now: datetime,
) -> NewToken:
    """Store a new token and return it; this is the only time it is shown."""
    check_token_scope(role, teams)
    token = PREFIX + secrets.token_urlsafe(32)
    with write_session(engine) as session:
        agent_row_id = None
        if agent_id is not None:
            agent_row_id = session.scalar(
                select(AgentRow.id).where(AgentRow.external_id == agent_id)
            )
            if agent_row_id is None:
                raise unknown_reference("agent", agent_id, "agent_id")
        row = ApiTokenRow(
            name=name,
            role=role.value,
            teams=sorted(set(teams)),
            agent_id=agent_row_id,
            token_hash=_digest(token),
            prefix=token[len(PREFIX) : len(PREFIX) + 8],
            created_at=now,
        )
        session.add(row)
        session.flush()
        token_id = row.id
    logger.info("created token %s with role %s", token_id, role.value)
    return NewToken(token_id, token, role, sorted(set(teams)))


def revoke_token(engine: Engine, token_id: int, now: datetime) -> bool:
    with write_session(engine) as session:
        row = session.get(ApiTokenRow, token_id, with_for_update=True)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now
    logger.info("revoked token %s", token_id)
    return True


# One statement for the token and its agent, on every request.
_TOKEN_LOOKUP = (
    select(
        ApiTokenRow.id,
        ApiTokenRow.name,
        ApiTokenRow.role,
        ApiTokenRow.teams,
        ApiTokenRow.agent_id,
        ApiTokenRow.token_hash,
        ApiTokenRow.revoked_at,
        AgentRow.external_id,
    )
    .outerjoin(AgentRow, AgentRow.id == ApiTokenRow.agent_id)
    .where(ApiTokenRow.token_hash == bindparam("digest"))
)


def authenticate(engine: Engine, token: str) -> Actor:
    """Return the actor a bearer token stands for; raise Unauthenticated if none."""
    digest = _digest(token)
    with autocommit_connection(engine) as connection:
        row = connection.execute(_TOKEN_LOOKUP, {"digest": digest}).one_or_none()
    # The lookup is by digest; the constant-time compare guards the check.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise Unauthenticated("invalid_token", "invalid or unknown API token")
    if row.revoked_at is not None:
        raise Unauthenticated("invalid_token", "this API token was revoked")
    return Actor(
        name=row.external_id or row.name,
        role=Role(row.role),
        teams=frozenset(row.teams or ()),
        agent_id=row.agent_id,
        token_id=row.id,
    )
