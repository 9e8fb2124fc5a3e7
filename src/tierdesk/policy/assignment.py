"""How a team hands tickets from its queue to its agents."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tierdesk.policy.types import Duration, Identifier

AssignmentMode = Literal["round_robin", "least_loaded", "skills_first"]


class TeamAssignment(BaseModel):
    """Assignment settings of one team; the defaults suit a team of generalists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: AssignmentMode = Field(
        default="least_loaded",
        description="round_robin, least_loaded, or skills_first",
    )
    skills_timeout: Duration = Field(
        default=timedelta(minutes=30),
        description="skills_first only: how long a ticket waits for an agent with "
        "the skills before any agent of the team may take it",
    )
    fallback_team: Identifier | None = Field(
        default=None,
        description="team that takes the tickets that arrive while this team's "
        "calendar is closed; omitted means they wait for the team to open",
    )
