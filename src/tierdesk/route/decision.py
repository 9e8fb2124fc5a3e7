"""The decision: where a ticket goes, under which service level, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from tierdesk.policy.durations import format_duration


# Not frozen: batch routing builds one per ticket, and a frozen dataclass's
# __init__ took about 7 times as long. Treat instances as immutable.
@dataclass(slots=True)
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
        # Built by hand: dataclasses.asdict deep-copies every field and was
        # the largest cost of routing large batches.
        return {
            "ticket_id": self.ticket_id,
            "segment": self.segment,
            "segment_rule": self.segment_rule,
            "inquiry_type": self.inquiry_type,
            "confidence": round(self.confidence, 4),
            "complexity": self.complexity,
            "complexity_source": self.complexity_source,
            "priority": self.priority,
            "tier": self.tier,
            "team": self.team,
            "team_kind": self.team_kind,
            "sla_policy": self.sla_policy,
            "first_response_target": _format(self.first_response_target),
            "resolution_target": _format(self.resolution_target),
            "first_response_target_minutes": _minutes(self.first_response_target),
            "resolution_target_minutes": _minutes(self.resolution_target),
            "sla_time": self.sla_time,
            "rule": self.rule,
            "triage": self.triage,
            "tags": ",".join(self.tags),
            "reason": self.reason,
            "policy_version": self.policy_version,
        }


@lru_cache(maxsize=256)
def _format(duration: timedelta) -> str:
    return format_duration(duration)


def _minutes(duration: timedelta) -> float:
    return round(duration.total_seconds() / 60, 2)
