"""Policy versions: upload (validated, versioned), switch and roll back atomically."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tierdesk.errors import ModelError, PolicyError, PolicyErrors
from tierdesk.policy import LoadedPolicy, parse_policy
from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, InvalidInput, not_found
from tierdesk.service.permissions import require
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.sql import insert_ignoring_conflicts
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.policies import ActivePolicyRow, PolicyVersionRow

logger = logging.getLogger(__name__)

# The primary key of the one row of `active_policy`.
ACTIVE_ROW = 1


class PolicyVersion(BaseModel):
    revision: int
    policy_id: str
    version: str
    digest: str
    uploaded_at: datetime
    uploaded_by: str
    active: bool
    warnings: list[str] = []


def _view(
    row: PolicyVersionRow, active: int | None, warnings: list[str]
) -> PolicyVersion:
    return PolicyVersion(
        revision=row.id,
        policy_id=row.policy_id,
        version=row.version_label,
        digest=row.digest,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        active=row.id == active,
        warnings=warnings,
    )


def _validate(context: ServiceContext, text: str, source: str) -> LoadedPolicy:
    try:
        loaded = parse_policy(text, source)
    except PolicyError as exc:
        errors = exc.errors if isinstance(exc, PolicyErrors) else [exc]
        raise InvalidInput(
            "policy_invalid",
            f"the policy has {len(errors)} problem(s); the first: {errors[0]}",
            field=errors[0].path,
            details=[
                {"line": e.line, "field": e.path, "message": e.detail} for e in errors
            ],
        ) from None
    try:
        context.models.check(loaded.policy)
    except ModelError as exc:
        raise InvalidInput(
            "policy_model_mismatch", str(exc), field="inquiry_types"
        ) from None
    return loaded


def active_revision_query() -> Select[tuple[int]]:
    """Return the query of the active policy's revision id."""
    return select(ActivePolicyRow.policy_version_id).where(
        ActivePolicyRow.id == ACTIVE_ROW
    )


def active_revision_id(session: Session) -> int | None:
    return session.scalar(active_revision_query())


def load_active(context: ServiceContext, session: Session) -> PolicyRevision:
    """Return the active policy, parsed; raise Conflict when none was uploaded."""
    revision = active_revision_id(session)
    if revision is None:
        raise Conflict(
            "no_active_policy",
            "no policy is active; upload one with PUT /api/v1/policy",
            field="policy",
        )
    return load_revision(context, session, revision)


def load_revision(
    context: ServiceContext, session: Session, revision: int
) -> PolicyRevision:
    # A revision's text never changes, so a parsed one is not read again.
    cached = context.policies.find(revision)
    if cached is not None:
        return cached
    row = session.get(PolicyVersionRow, revision)
    if row is None:
        raise not_found("policy revision", revision, "revision")
    return context.policies.get(row.id, row.text)


def upload_policy(
    context: ServiceContext,
    actor: Actor,
    text: str,
    now: datetime,
    *,
    activate: bool = True,
    source: str = "uploaded policy",
) -> PolicyVersion:
    """Validate and store a policy text as a new revision, and by default activate it.

    An identical text reuses its revision. Another text under an `id@version`
    already stored is rejected, because decisions name policies by that label.
    `source` names the text in error messages, such as its file path.
    """
    require(actor, "policy.write")
    loaded = _validate(context, text, source)
    label = loaded.policy.version_label
    with write_session(context.engine) as session:
        row = session.scalar(
            select(PolicyVersionRow).where(PolicyVersionRow.digest == loaded.digest)
        )
        if row is None:
            clash = session.scalar(
                select(PolicyVersionRow.id).where(
                    PolicyVersionRow.version_label == label
                )
            )
            if clash is not None:
                raise Conflict(
                    "policy_version_exists",
                    f"revision {clash} already stores another text as {label}; "
                    "raise 'version' in the policy",
                    field="version",
                )
            row = PolicyVersionRow(
                policy_id=loaded.policy.id,
                version_label=label,
                digest=loaded.digest,
                text=text,
                uploaded_at=now,
                uploaded_by=actor.name,
            )
            session.add(row)
            session.flush()
            record_audit(session, actor, "policy.upload", "policy", str(row.id), now)
        if activate:
            _point_to(session, actor, row.id, now)
        active = active_revision_id(session)
    logger.info("stored policy revision %s (%s)", row.id, label)
    return _view(row, active, loaded.warnings)


def activate_policy(
    context: ServiceContext, actor: Actor, revision: int, now: datetime
) -> PolicyVersion:
    """Make a stored revision the active one: a switch forward or a rollback."""
    require(actor, "policy.write")
    with read_session(context.engine) as session:
        row = session.get(PolicyVersionRow, revision)
        if row is None:
            raise not_found("policy revision", revision, "revision")
        text = row.text
    # Checked again because the configured model may have changed since upload.
    loaded = _validate(context, text, f"policy revision {revision}")
    with write_session(context.engine) as session:
        row = session.get(PolicyVersionRow, revision)
        if row is None:
            raise not_found("policy revision", revision, "revision")
        _point_to(session, actor, revision, now)
    logger.info("activated policy revision %s", revision)
    return _view(row, revision, loaded.warnings)


def _point_to(session: Session, actor: Actor, revision: int, now: datetime) -> None:
    pointer = session.get(ActivePolicyRow, ACTIVE_ROW, with_for_update=True)
    if pointer is None:
        # Two first uploads may race; the loser finds the winner's row and
        # updates it under the lock.
        values = {
            "id": ACTIVE_ROW,
            "policy_version_id": revision,
            "activated_at": now,
            "activated_by": actor.name,
        }
        inserted = session.scalar(
            insert_ignoring_conflicts(session, ActivePolicyRow)
            .values(**values)
            .returning(ActivePolicyRow.id)
        )
        if inserted is not None:
            record_audit(
                session, actor, "policy.activate", "policy", str(revision), now
            )
            return
        pointer = session.get(
            ActivePolicyRow, ACTIVE_ROW, with_for_update=True, populate_existing=True
        )
        assert pointer is not None
    if pointer.policy_version_id != revision:
        pointer.policy_version_id = revision
        pointer.activated_at = now
        pointer.activated_by = actor.name
    else:
        return
    record_audit(session, actor, "policy.activate", "policy", str(revision), now)


def list_policy_versions(context: ServiceContext, actor: Actor) -> list[PolicyVersion]:
    require(actor, "policy.history")
    with read_session(context.engine) as session:
        active = active_revision_id(session)
        rows = session.scalars(select(PolicyVersionRow).order_by(PolicyVersionRow.id))
        return [_view(row, active, []) for row in rows]


def get_policy_text(
    context: ServiceContext, actor: Actor, revision: int | None
) -> tuple[PolicyVersion, str]:
    """Return a revision, or the active one when `revision` is None, with its text."""
    require(actor, "policy.read" if revision is None else "policy.history")
    with read_session(context.engine) as session:
        active = active_revision_id(session)
        requested = active if revision is None else revision
        row = (
            session.get(PolicyVersionRow, requested) if requested is not None else None
        )
        if row is None:
            if revision is None:
                raise Conflict(
                    "no_active_policy",
                    "no policy is active; upload one with PUT /api/v1/policy",
                    field="policy",
                )
            raise not_found("policy revision", revision, "revision")
        return _view(row, active, []), row.text
