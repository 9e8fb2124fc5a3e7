"""The staffing plan: how many agents each team has on shift, and what they can hold.

A plan is a YAML file read by `load_staffing`; `docs/simulation.md` describes
every field. Agents work only while their team's calendar is open, so shifts
narrow the calendar's hours and never extend them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy._yaml import format_path, line_for, load_yaml_with_lines
from tierdesk.policy.calendars import WEEKDAYS, OpeningTime, Weekday
from tierdesk.policy.model import Policy
from tierdesk.policy.types import Identifier


class StaffingError(PolicyError):
    """A staffing file that cannot be used, naming file, line and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shift(_Strict):
    """Agents on shift on some weekdays between two wall-clock times of the team."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    hours: OpeningTime
    agents: int = Field(ge=0)


class AgentGroup(_Strict):
    """Agents of one team with the same level, skills and capacity."""

    agents: int | None = Field(
        default=None, ge=0, description="on shift whenever the team's calendar is open"
    )
    shifts: list[Shift] = Field(default_factory=list)
    level: int = Field(default=1, ge=1)
    skills: list[str] = Field(
        default_factory=list, description="inquiry types, for skills_first teams"
    )
    languages: list[str] = Field(default_factory=list)
    capacity: int | None = Field(
        default=None, ge=1, description="open tickets an agent may hold at once"
    )

    @model_validator(mode="after")
    def _check_count(self) -> AgentGroup:
        if (self.agents is None) == (not self.shifts):
            raise ValueError(
                "give either agents (on shift whenever the calendar is open) or "
                "shifts, not both and not neither"
            )
        return self


class TeamStaffing(_Strict):
    """Staffing of one team: one group written inline, or several in `groups`."""

    capacity: int = Field(
        default=1, ge=1, description="open tickets an agent may hold at once"
    )
    agents: int | None = Field(default=None, ge=0)
    shifts: list[Shift] = Field(default_factory=list)
    groups: list[AgentGroup] = Field(default_factory=list)
    cost_per_agent_hour: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_form(self) -> TeamStaffing:
        inline = self.agents is not None or bool(self.shifts)
        if inline and self.groups:
            raise ValueError("give agents or shifts, or groups, not both")
        if not inline and not self.groups:
            raise ValueError(
                "missing staff: give agents (such as agents: 12), shifts or groups"
            )
        if self.agents is not None and self.shifts:
            raise ValueError(
                "give either agents (on shift whenever the calendar is open) or "
                "shifts, not both"
            )
        return self

    def agent_groups(self) -> list[AgentGroup]:
        """Return the groups, with the inline form as one group and capacities set."""
        groups = self.groups or [AgentGroup(agents=self.agents, shifts=self.shifts)]
        return [
            group
            if group.capacity is not None
            else group.model_copy(update={"capacity": self.capacity})
            for group in groups
        ]


class StaffingPlan(_Strict):
    """Agents per team for a simulation; teams missing here have no agents."""

    id: str = "staffing"
    description: str = ""
    teams: dict[Identifier, TeamStaffing] = Field(min_length=1)

    def max_agents_on_shift(self, team: str) -> int:
        """Return the maximum number of agents the team can have on shift at once."""
        staffing = self.teams.get(team)
        if staffing is None:
            return 0
        total = 0
        for group in staffing.agent_groups():
            if group.agents is not None:
                total += group.agents
            else:
                total += sum(shift.agents for shift in group.shifts)
        return total


def load_staffing(path: str | Path) -> StaffingPlan:
    """Read and validate a staffing file; raise PolicyErrors listing every problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StaffingError("staffing file not found", file=file) from None
    except UnicodeDecodeError as exc:
        raise StaffingError(
            f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", file=file
        ) from None
    except OSError as exc:
        raise StaffingError(
            f"cannot read staffing file: {exc.strerror}", file=file
        ) from None
    return parse_staffing(text, file)


def parse_staffing(text: str, file: str = "<staffing>") -> StaffingPlan:
    """Validate staffing YAML text; `file` is only used in messages."""
    data, lines = load_yaml_with_lines(text, file)
    if not isinstance(data, dict):
        raise StaffingError(
            "expected a mapping with a 'teams' key at the top level", file=file
        )
    try:
        return StaffingPlan.model_validate(data)
    except ValidationError as exc:
        errors: list[PolicyError] = []
        for item in exc.errors(include_url=False):
            loc = tuple(item["loc"])
            message = _message(item)
            errors.append(
                StaffingError(
                    message,
                    file=file,
                    line=line_for(loc, lines),
                    path=format_path(loc),
                )
            )
        raise PolicyErrors(sorted(errors, key=lambda e: e.line or 0)) from None


def _message(item: Any) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return f"unknown key {item['loc'][-1]!r}"
    if kind == "missing":
        return "missing required field"
    message = str(item["msg"]).removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error"):
        message += f" (got {item.get('input')!r})"
    return message


def check_staffing(plan: StaffingPlan, policy: Policy, file: str) -> None:
    """Raise when the plan names teams, or skills, that the policy does not have."""
    problems: list[PolicyError] = []
    known = policy.teams_by_id
    unknown = [team for team in plan.teams if team not in known]
    if unknown:
        problems.append(
            StaffingError(
                f"unknown teams {', '.join(unknown)} for policy "
                f"{policy.version_label}; expected teams of the policy: "
                f"{', '.join(known)}",
                file=file,
            )
        )
    types = policy.inquiry_types_by_id
    for team, staffing in plan.teams.items():
        for number, group in enumerate(staffing.agent_groups()):
            wrong = [skill for skill in group.skills if skill not in types]
            if wrong:
                problems.append(
                    StaffingError(
                        f"team {team} group {number + 1}: skills {', '.join(wrong)} "
                        f"are not inquiry types of policy {policy.version_label}",
                        file=file,
                    )
                )
    if problems:
        raise PolicyErrors(problems)


def render_staffing(plan: StaffingPlan, header: str = "") -> str:
    """Write the plan as YAML that `load_staffing` reads back to an equal plan."""
    import yaml

    data = plan.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("teams", {})
    text = yaml.safe_dump(data, sort_keys=False, width=88)
    return header + text
