"""Escalation paths between teams, and the rules that escalate automatically."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tierdesk.policy.types import Identifier

EscalationTrigger = Literal["reopened", "csat", "sla_at_risk"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EscalationPath(_Strict):
    """Teams in the order a ticket climbs them, such as vendor, specialists, product."""

    id: Identifier
    name: str = ""
    teams: list[Identifier] = Field(min_length=2)


class EscalationRule(_Strict):
    """A condition on a ticket's history that escalates it one step along its path."""

    id: Identifier
    description: str = ""
    trigger: EscalationTrigger
    min_reopens: int | None = Field(default=None, ge=1)
    max_score: int | None = Field(default=None, ge=1, le=5)

    @model_validator(mode="after")
    def _check_threshold(self) -> EscalationRule:
        if self.trigger == "reopened" and self.min_reopens is None:
            raise ValueError(
                "trigger 'reopened' needs min_reopens, the number of reopens that "
                "escalates, such as min_reopens: 2"
            )
        if self.trigger == "csat" and self.max_score is None:
            raise ValueError(
                "trigger 'csat' needs max_score, the rating at or below which the "
                "ticket escalates, such as max_score: 2"
            )
        if self.trigger != "reopened" and self.min_reopens is not None:
            raise ValueError("min_reopens applies only to trigger 'reopened'")
        if self.trigger != "csat" and self.max_score is not None:
            raise ValueError("max_score applies only to trigger 'csat'")
        return self
