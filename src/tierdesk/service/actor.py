"""Who is acting: a role, the teams the role is limited to, and the name that
events and the audit log record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPS_ANALYST = "ops_analyst"
    AGENT = "agent"
    VENDOR_AGENT = "vendor_agent"
    INTEGRATION = "integration"
    # The person who asked, acting through a CSAT link; never a token's role.
    REQUESTER = "requester"


TOKEN_ROLES = frozenset(
    {Role.ADMIN, Role.OPS_ANALYST, Role.AGENT, Role.VENDOR_AGENT, Role.INTEGRATION}
)
TEAM_SCOPED_ROLES = frozenset({Role.AGENT, Role.VENDOR_AGENT})


@dataclass(frozen=True)
class Actor:
    """The caller of a service function.

    `name` is what events record as the actor: the agent id when the token
    belongs to an agent, else the token's name.
    """

    name: str
    role: Role
    teams: frozenset[str] = field(default_factory=frozenset)
    agent_id: int | None = None
    token_id: int | None = None

    @property
    def team_scoped(self) -> bool:
        return self.role in TEAM_SCOPED_ROLES

    @property
    def masks_personal_data(self) -> bool:
        """Vendor agents see requester names, e-mail addresses and phones masked."""
        return self.role == Role.VENDOR_AGENT

    def sees_team(self, team: str | None) -> bool:
        """Return whether the actor may see tickets that `team` holds."""
        return not self.team_scoped or (team is not None and team in self.teams)


SYSTEM = Actor(name="system", role=Role.ADMIN)
REQUESTER = Actor(name="requester", role=Role.REQUESTER)
