"""Thresholds that decide which inquiry types move to vendor or in-house teams."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tierdesk.policy.types import Complexity, Identifier


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecommendationSettings(_Strict):
    """Thresholds `tierdesk recommend` holds each inquiry type's figures against.

    Shares are fractions from 0 to 1. One-touch shares are over solved tickets,
    CSAT shares over rated tickets, escalation shares over all tickets.
    """

    min_tickets: int = Field(default=30, ge=1)
    move_down_min_one_touch: float = Field(default=0.7, ge=0, le=1)
    move_down_max_escalation: float | None = Field(default=None, ge=0, le=1)
    move_down_complexity: list[Complexity] = Field(
        default_factory=lambda: ["simple"], min_length=1
    )
    stay_min_one_touch: float = Field(default=0.4, ge=0, le=1)
    stay_min_csat: float | None = Field(default=0.7, ge=0, le=1)
    move_up_min_escalation: float | None = Field(default=None, ge=0, le=1)
    min_csat_responses: int = Field(default=20, ge=1)
    vendor_team: Identifier | None = None
    in_house_team: Identifier | None = None
    deflection_min_one_touch: float = Field(default=0.8, ge=0, le=1)

    @model_validator(mode="after")
    def _check_order(self) -> RecommendationSettings:
        # A type between the two thresholds would move down one run and back up
        # the next, so the band where a type stays must not be empty.
        if self.stay_min_one_touch > self.move_down_min_one_touch:
            raise ValueError(
                f"stay_min_one_touch ({self.stay_min_one_touch}) is above "
                f"move_down_min_one_touch ({self.move_down_min_one_touch}), so a type "
                "could move down and then straight back up; lower stay_min_one_touch"
            )
        return self
