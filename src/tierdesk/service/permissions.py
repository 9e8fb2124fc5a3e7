"""Which roles may perform which action; team scoping is checked per ticket."""

from __future__ import annotations

from tierdesk.service.actor import Actor, Role
from tierdesk.service.errors import Forbidden

_ALL = frozenset(
    {Role.ADMIN, Role.OPS_ANALYST, Role.AGENT, Role.VENDOR_AGENT, Role.INTEGRATION}
)
_STAFF = frozenset({Role.ADMIN, Role.OPS_ANALYST, Role.AGENT, Role.VENDOR_AGENT})
_WORKERS = frozenset({Role.ADMIN, Role.AGENT, Role.VENDOR_AGENT})
_IN_HOUSE = frozenset({Role.ADMIN, Role.AGENT})
_ADMIN = frozenset({Role.ADMIN})
_ANALYSTS = frozenset({Role.ADMIN, Role.OPS_ANALYST})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "account.read": _STAFF,
    "account.write": _ADMIN,
    "requester.read": _STAFF,
    "requester.write": _IN_HOUSE,
    "ticket.create": frozenset({Role.ADMIN, Role.AGENT, Role.INTEGRATION}),
    "ticket.read": _STAFF,
    "ticket.update": _WORKERS,
    "ticket.comment": _WORKERS,
    "ticket.status": _WORKERS,
    "ticket.assign": _WORKERS,
    "ticket.escalate": _WORKERS,
    "decision.read": _ALL,
    "bug.read": _STAFF,
    "bug.write": _IN_HOUSE,
    "csat.issue": _WORKERS,
    "team.read": _STAFF,
    "agent.read": _STAFF,
    "agent.write": _ADMIN,
    "agent.presence": _WORKERS,
    "policy.read": _STAFF,
    "policy.history": _ANALYSTS,
    "policy.write": _ADMIN,
    "route.dry_run": frozenset({Role.ADMIN, Role.OPS_ANALYST, Role.INTEGRATION}),
    "export.read": _ANALYSTS,
    "audit.read": _ADMIN,
    "webhook.admin": _ADMIN,
}


def require(actor: Actor, action: str) -> None:
    """Raise Forbidden unless the actor's role may perform `action`."""
    if actor.role not in PERMISSIONS[action]:
        raise Forbidden(
            "forbidden",
            f"role {actor.role.value!r} may not perform {action!r}",
        )


def may_do_anywhere(actor: Actor, action: str) -> bool:
    """Return whether the actor may perform `action` on any team's objects."""
    return actor.role in PERMISSIONS[action] and not actor.team_scoped
