"""Per-ticket metrics of the small hand-built log, each value worked out by hand."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tierdesk.events import Event, EventKind, group_by_ticket
from tierdesk.importers import import_event_log, load_mapping
from tierdesk.metrics import (
    COLUMN_NAMES,
    COLUMNS,
    MetricsOptions,
    OneTouchRule,
    TicketMetrics,
    compute_metrics,
    summarise,
)
from tierdesk.policy import load_policy, parse_policy

from ..conftest import ROOT
from .conftest import NOW, POLICY

HOUR = 3600.0


def _metrics(paths: dict[str, Path], policy: bool = True, **options) -> TicketMetrics:
    mapping = load_mapping(paths["mapping"])
    events = import_event_log(paths["log"], mapping).events
    return compute_metrics(
        group_by_ticket(events),
        NOW,
        policy=load_policy(paths["policy"]).policy if policy else None,
        options=MetricsOptions(pause_source_statuses=mapping.pause_statuses, **options),
    )


def _rows(metrics: TicketMetrics) -> dict[str, pd.Series]:
    return {row["ticket_id"]: row for _, row in metrics.frame.iterrows()}


@pytest.fixture
def rows(small_log: dict[str, Path]) -> dict[str, pd.Series]:
    return _rows(_metrics(small_log))


def test_columns_are_the_documented_ones(small_log):
    frame = _metrics(small_log).frame
    assert list(frame.columns) == list(COLUMN_NAMES)
    assert list(frame["ticket_id"]) == ["T1", "T2", "T3"]


def test_docs_define_every_column():
    lines = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines()
    for name, meaning in COLUMNS:
        assert f"| `{name}` | {meaning} |" in lines, name


def test_simple_ticket(rows):
    t1 = rows["T1"]
    # Answered at 10:00 and solved at 12:00, all within office hours.
    assert t1["first_response_s"] == HOUR
    assert t1["first_response_business_s"] == HOUR
    assert t1["first_resolution_s"] == 3 * HOUR
    assert t1["final_resolution_s"] == 3 * HOUR
    assert t1["final_resolution_business_s"] == 3 * HOUR
    assert t1["open_s"] == 3 * HOUR
    assert t1["paused_s"] == 0
    assert t1["public_replies"] == 1
    assert t1["reopens"] == 0
    assert t1["one_touch"]
    assert json.loads(t1["teams_visited"]) == ["Desk"]
    assert t1["transfers"] == 0
    assert not t1["ping_pong"]
    assert t1["highest_tier"] == "frontline"
    assert t1["first_response_sla"] == "met"  # 1h on a 1h target
    assert t1["resolution_sla"] == "met"
    assert t1["first_response_due_at"] == "2025-03-03T10:00:00+00:00"
    assert t1["status"] == "solved"
    assert t1["created_month"] == "2025-03"


def test_escalated_reopened_ticket(rows):
    t2 = rows["T2"]
    assert t2["first_response_s"] == 0.5 * HOUR
    # First solve Monday 15:00; final solve Tuesday 11:00, 26h later; in office
    # hours Monday 09:00-17:00 and Tuesday 09:00-11:00, pauses included.
    assert t2["first_resolution_s"] == 6 * HOUR
    assert t2["first_resolution_business_s"] == 6 * HOUR
    assert t2["final_resolution_s"] == 26 * HOUR
    assert t2["final_resolution_business_s"] == 10 * HOUR
    # Unresolved Monday 09:00-15:00 and Tuesday 10:00-11:00, pending 12:00-14:00.
    assert t2["open_s"] == 7 * HOUR
    assert t2["paused_s"] == 2 * HOUR
    assert t2["reopens"] == 1
    assert not t2["one_touch"]
    assert json.loads(t2["teams_visited"]) == ["Desk", "Desk 2nd", "Desk"]
    assert t2["team_count"] == 2
    assert t2["transfers"] == 2
    assert t2["ping_pong"]
    assert t2["ping_pong_returns"] == 1
    assert json.loads(t2["tiers_visited"]) == ["frontline", "escalation", "frontline"]
    assert t2["highest_tier"] == "escalation"
    assert t2["highest_tier_rank"] == 2
    assert t2["escalations"] == 1


def test_escalated_ticket_clocks(rows):
    t2 = rows["T2"]
    # Counted: 09:00-12:00 and 14:00-15:00 Monday (4h, the whole target, used
    # up at 15:00 by the second line), then 10:00-11:00 Tuesday.
    assert t2["resolution_clock_s"] == 5 * HOUR
    assert t2["resolution_sla"] == "breached"
    assert t2["resolution_due_at"] == "2025-03-03T15:00:00+00:00"
    assert t2["resolution_breach_team"] == "Desk 2nd"
    assert t2["resolution_breach_tier"] == "escalation"
    # Frontline 09:00-11:00 and 10:00-11:00 Tuesday; second line 11:00-12:00
    # and 14:00-15:00. Both tier targets are 2h.
    assert json.loads(t2["tier_held_s"]) == {
        "frontline": 3 * HOUR,
        "escalation": 2 * HOUR,
    }
    assert json.loads(t2["tier_targets_breached"]) == ["frontline"]
    # The reopen starts a next-response cycle, which the solve an hour later ends.
    assert t2["next_response_cycles"] == 1
    assert t2["next_response_breaches"] == 0
    assert t2["next_response_sla"] == "met"


def test_open_ticket_without_creation_row(rows):
    t3 = rows["T3"]
    assert t3["creation_inferred"]
    assert t3["first_response_s"] == 0
    assert t3["status"] == "open"
    assert not t3["solved"]
    assert math.isnan(t3["final_resolution_s"])
    # Monday 16:00 to Tuesday 11:00: 19h open, of it 1h + 2h in office hours.
    assert t3["open_s"] == 19 * HOUR
    assert t3["resolution_clock_s"] == 3 * HOUR
    assert t3["resolution_sla"] == "running"
    assert t3["resolution_due_at"] == "2025-03-04T12:00:00+00:00"
    # 'Normal' matches the policy priority 'normal' ignoring case.
    assert t3["priority"] == "normal"


def test_summary_of_small_log(small_log):
    summary = summarise(_metrics(small_log))
    assert summary.tickets == 3
    assert summary.first_response.median == 0.5 * HOUR
    # pandas' linear quantile of 0, 0.5h and 1h.
    assert summary.first_response.p90 == pytest.approx(0.9 * HOUR)
    assert summary.resolution.count == 2
    assert summary.resolution.median == pytest.approx(14.5 * HOUR)
    assert summary.first_response_target.share == 1.0
    assert summary.resolution_target.met == 1
    assert summary.resolution_target.breached == 1
    assert summary.resolution_target.undecided == 1
    assert summary.one_touch_share == 0.5
    assert summary.highest_tiers == {"frontline": 2, "escalation": 1}
    assert summary.ping_pong_share == pytest.approx(1 / 3)
    assert summary.paused_share == pytest.approx(2 / 29)


def test_one_touch_rule_is_configurable(small_log):
    rule = OneTouchRule(max_public_replies=1, allow_transfers=True, allow_reopens=True)
    rows = _rows(_metrics(small_log, one_touch=rule))
    assert rows["T2"]["one_touch"]
    strict = _rows(_metrics(small_log, one_touch=OneTouchRule(max_public_replies=0)))
    assert not strict["T1"]["one_touch"]


def test_without_policy_only_calendar_time(small_log):
    metrics = _metrics(small_log, policy=False, tier_order=["frontline", "escalation"])
    rows = _rows(metrics)
    assert not metrics.has_policy
    assert rows["T2"]["final_resolution_s"] == 26 * HOUR
    assert math.isnan(rows["T2"]["final_resolution_business_s"])
    assert rows["T2"]["resolution_sla"] is None
    assert rows["T2"]["highest_tier"] == "escalation"
    assert rows["T2"]["paused_s"] == 2 * HOUR


def test_without_policy_or_order_no_highest_tier(small_log):
    metrics = _metrics(small_log, policy=False)
    assert not metrics.ranked
    assert metrics.frame["highest_tier"].isna().all()


def test_handle_time_from_attribute(small_log, tmp_path):
    log = small_log["log"].read_text().replace("priority\n", "priority,handle\n", 1)
    lines = log.splitlines()
    lines[1:] = [line + ",120" for line in lines[1:]]
    lines[2] = lines[2][: -len("120")] + "abc"
    small_log["log"].write_text("\n".join(lines) + "\n")
    mapping = (
        small_log["mapping"]
        .read_text()
        .replace("{priority: priority}", "{priority: priority, handle_seconds: handle}")
    )
    small_log["mapping"].write_text(mapping)
    metrics = _metrics(small_log)
    rows = _rows(metrics)
    # T1's three rows give 120 s twice; its second row is not a number. The
    # importer copies a row's attributes onto each event derived from it.
    assert rows["T1"]["handle_time_s"] > 0
    assert metrics.has_handle_time
    assert metrics.invalid_handle_times > 0


def test_sla_policy_follows_events_only_with_reevaluate(small_log):
    fast = (
        "  - id: fast\n    name: Fast\n"
        "    targets: [{first_response: 30m, resolution: 2h}]\n"
    )
    text = POLICY.replace("routing:\n", fast + "routing:\n")
    events = [
        Event(
            "T1",
            datetime(2025, 3, 3, 9, tzinfo=UTC),
            EventKind.CREATED,
            status="new",
            attributes={"sla_policy": "standard"},
        ),
        Event(
            "T1",
            datetime(2025, 3, 3, 10, tzinfo=UTC),
            EventKind.STATUS_CHANGED,
            status="open",
            attributes={"sla_policy": "fast"},
            sequence=1,
        ),
    ]
    kept = compute_metrics({"T1": events}, NOW, policy=parse_policy(text).policy)
    assert kept.frame["sla_policy"].tolist() == ["standard"]
    assert kept.frame["resolution_target_s"].tolist() == [4 * HOUR]
    text = text.replace(
        "  - id: standard\n", "  - id: standard\n    reevaluate: true\n"
    )
    followed = compute_metrics({"T1": events}, NOW, policy=parse_policy(text).policy)
    assert followed.frame["sla_policy"].tolist() == ["fast"]
    assert followed.frame["resolution_target_s"].tolist() == [2 * HOUR]
