"""Typed policy model: segments, inquiry types, tiers, teams, SLA policies, routing.

The models validate the shape of each section. Checks that span sections
(references, duplicates, shadowed rules, SLA coverage) live in `validate.py`.
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from tierdesk.policy.assignment import TeamAssignment
from tierdesk.policy.calendars import CalendarSpec
from tierdesk.policy.conditions import Condition, parse_when
from tierdesk.policy.escalation import EscalationPath, EscalationRule
from tierdesk.policy.recommendations import RecommendationSettings
from tierdesk.policy.types import (
    ClockKind,
    Complexity,
    Duration,
    Identifier,
    PauseStatus,
)

DEFAULT_PRIORITIES = ["low", "normal", "high", "urgent"]
DEFAULT_CHANNELS = ["email", "web", "form", "api", "chat", "phone", "community"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    id: Identifier
    description: str = ""
    when: dict[str, Any] | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _check_when(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise ValueError("expected a mapping from field to matcher")
        if value is not None:
            parse_when(value)
        return value

    @cached_property
    def conditions(self) -> tuple[Condition, ...]:
        return parse_when(self.when)

    @property
    def is_default(self) -> bool:
        return not self.conditions


class AccountAttribute(_Strict):
    """An account attribute that segment and routing rules may test."""

    type: Literal["number", "string", "boolean"]
    values: list[str] | None = None
    description: str = ""


class Segment(_Strict):
    id: Identifier
    name: str
    description: str = ""
    min_agent_level: int | None = Field(
        default=None,
        ge=1,
        description="lowest agent level that may be assigned this segment's tickets",
    )


class SegmentRule(_Rule):
    """Ordered rule over account attributes; the first match gives the segment."""

    segment: Identifier


class InquiryType(_Strict):
    id: Identifier
    name: str
    description: str = ""
    complexity: Complexity
    labels: list[str] = Field(
        default_factory=list,
        description="classifier labels that mean this inquiry type; default [id]",
    )
    help_center_articles: list[str] = Field(
        default_factory=list,
        description="help-center articles that answer this type; empty means none",
    )

    @property
    def label_set(self) -> list[str]:
        return self.labels or [self.id]


class Tier(_Strict):
    id: Identifier
    name: str
    rank: float


class TeamSkills(_Strict):
    inquiry_types: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)


class Team(_Strict):
    id: Identifier
    name: str
    tier: Identifier
    kind: Literal["vendor", "in_house"]
    timezone: str
    calendar: Identifier | None = Field(
        default=None, description="opening hours; omitted means open 24x7"
    )
    skills: TeamSkills = Field(default_factory=TeamSkills)
    cost_per_ticket: float = Field(ge=0)
    assignment: TeamAssignment = Field(default_factory=TeamAssignment)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown IANA timezone {value!r}; use a name such as 'Europe/Dublin'"
            ) from None
        return value


class TeamPattern(_Strict):
    """Policy team of the event-log teams whose name matches `pattern` (re.search)."""

    pattern: str
    team: Identifier

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


class SlaTarget(_Strict):
    """Targets for one segment and priority; an omitted key means all of them.

    The first target in file order that applies wins, so list specific targets
    before general ones.
    """

    segment: str | None = None
    priority: str | None = None
    first_response: Duration
    next_response: Duration | None = None
    resolution: Duration
    time: ClockKind = "business"

    def applies_to(self, segment: str, priority: str) -> bool:
        return self.segment in (None, segment) and self.priority in (None, priority)


class TierTarget(_Strict):
    """Internal target of one tier: the longest it may hold a ticket in all."""

    tier: Identifier
    held: Duration
    time: ClockKind = "business"


class SlaPolicy(_Strict):
    id: Identifier
    name: str
    description: str = ""
    targets: list[SlaTarget] = Field(min_length=1)
    pause_statuses: list[PauseStatus] = Field(
        default_factory=lambda: ["pending", "on_hold"],
        description="ticket statuses that stop the clock",
    )
    warning_share: float = Field(
        default=0.75,
        gt=0,
        lt=1,
        description="share of a target after which a warning is due",
    )
    calendar: Identifier | None = Field(
        default=None,
        description="calendar of business time; omitted means the owning team's",
    )
    reevaluate: bool = Field(
        default=False,
        description="re-select targets when segment or priority change",
    )
    tier_targets: list[TierTarget] = Field(default_factory=list)

    def target_for(self, segment: str, priority: str) -> SlaTarget | None:
        """Return the first target, in file order, that applies to segment and priority."""
        for target in self.targets:
            if target.applies_to(segment, priority):
                return target
        return None


class RuleAction(_Strict):
    team: Identifier
    sla_policy: Identifier
    priority: str | None = None
    tags: list[str] = Field(default_factory=list)


class RoutingRule(_Rule):
    then: RuleAction


class Routing(_Strict):
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    triage_team: Identifier | None = None
    triage_sla_policy: Identifier | None = None
    rules: list[RoutingRule] = Field(min_length=1)


class Policy(_Strict):
    """One policy version: everything routing needs to decide a ticket."""

    id: Identifier
    name: str
    version: str | int
    description: str = ""
    priorities: list[str] = Field(default_factory=lambda: list(DEFAULT_PRIORITIES))
    default_priority: str = "normal"
    channels: list[str] = Field(default_factory=lambda: list(DEFAULT_CHANNELS))
    account_attributes: dict[str, AccountAttribute] = Field(default_factory=dict)
    calendars: list[CalendarSpec] = Field(default_factory=list)
    segments: list[Segment] = Field(min_length=1)
    segment_rules: list[SegmentRule] = Field(min_length=1)
    inquiry_types: list[InquiryType] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)
    teams: list[Team] = Field(min_length=1)
    team_patterns: list[TeamPattern] = Field(
        default_factory=list,
        description="ordered rules giving the policy team of event-log team names",
    )
    sla_policies: list[SlaPolicy] = Field(min_length=1)
    routing: Routing
    escalation_paths: list[EscalationPath] = Field(default_factory=list)
    escalation_rules: list[EscalationRule] = Field(default_factory=list)
    recommendations: RecommendationSettings = Field(
        default_factory=RecommendationSettings
    )

    @cached_property
    def teams_by_id(self) -> dict[str, Team]:
        return {team.id: team for team in self.teams}

    def team_named(self, name: str) -> Team | None:
        """Return the team with id `name`, else the first `team_patterns` match."""
        team = self.teams_by_id.get(name)
        if team is not None:
            return team
        for rule in self.team_patterns:
            if re.search(rule.pattern, name):
                return self.teams_by_id.get(rule.team)
        return None

    @cached_property
    def tiers_by_id(self) -> dict[str, Tier]:
        return {tier.id: tier for tier in self.tiers}

    @cached_property
    def inquiry_types_by_id(self) -> dict[str, InquiryType]:
        return {t.id: t for t in self.inquiry_types}

    @cached_property
    def sla_policies_by_id(self) -> dict[str, SlaPolicy]:
        return {p.id: p for p in self.sla_policies}

    @cached_property
    def calendars_by_id(self) -> dict[str, CalendarSpec]:
        return {c.id: c for c in self.calendars}

    @cached_property
    def segments_by_id(self) -> dict[str, Segment]:
        return {s.id: s for s in self.segments}

    @cached_property
    def label_to_inquiry_type(self) -> dict[str, str]:
        """Map each classifier label to the inquiry type it stands for."""
        mapping: dict[str, str] = {}
        for inquiry_type in self.inquiry_types:
            for label in inquiry_type.label_set:
                mapping[label] = inquiry_type.id
        return mapping

    @cached_property
    def next_escalation_team(self) -> dict[str, str]:
        """Map each team to the team after it on an escalation path.

        Validation rejects a team that has different next teams on two paths.
        """
        following: dict[str, str] = {}
        for path in self.escalation_paths:
            for lower, upper in pairwise(path.teams):
                following.setdefault(lower, upper)
        return following

    @property
    def version_label(self) -> str:
        return f"{self.id}@{self.version}"
