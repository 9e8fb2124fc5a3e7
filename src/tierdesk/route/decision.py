"""The decision: where a ticket goes, under which service level, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from tierdesk.policy.durations import format_duration


@dataclass(frozen=True)
class Decision:
    """Routing outcome for one ticket, with the rule that decided it.

    `complexity_source` is `model` when a learned complexity classifier gave the
    complexity and `policy` when it is the inquiry type's default.
    """

    ticket_id: str
    segment: str
    segment_rule: str
    inquiry_type: str
    confidence: float
    complexity: str
    complexity_source: str
    priority: str
    tier: str
    team: str
    team_kind: str
    sla_policy: str
    first_response_target: timedelta
    resolution_target: timedelta
    sla_time: str
    rule: str
    triage: bool
    tags: tuple[str, ...]
    reason: str
    policy_version: str

    def as_record(self) -> dict[str, Any]:
        """Return a flat dict for CSV, JSON Lines and Parquet output."""
        record = asdict(self)
        record["confidence"] = round(self.confidence, 4)
        record["first_response_target"] = format_duration(self.first_response_target)
        record["resolution_target"] = format_duration(self.resolution_target)
        record["first_response_target_minutes"] = _minutes(self.first_response_target)
        record["resolution_target_minutes"] = _minutes(self.resolution_target)
        record["tags"] = ",".join(self.tags)
        return record


def _minutes(duration: timedelta) -> float:
    return round(duration.total_seconds() / 60, 2)
