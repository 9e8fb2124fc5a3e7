"""`tierdesk calendar show`: weekly hours and every holiday of a policy's calendars."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES

POLICY = """\
id: hours
name: Hours
version: 1
calendars:
  - id: dublin
    name: Dublin office
    timezone: Europe/Dublin
    hours: {mon: "09:00-17:00", fri: ["09:00-12:00", "22:00-02:00"]}
    holidays:
      - {from: 2025-12-29, to: 2025-12-31, name: Year-end closure}
    holiday_feeds: [{country: IE}]
segments: [{id: all, name: All}]
segment_rules: [{id: all, segment: all}]
inquiry_types: [{id: question, name: Question, complexity: simple}]
tiers: [{id: frontline, name: Frontline, rank: 1}]
teams:
  - {id: desk, name: Desk, tier: frontline, kind: vendor, timezone: Europe/Dublin,
     calendar: dublin, cost_per_ticket: 1}
sla_policies:
  - {id: standard, name: Standard, targets: [{first_response: 8h, resolution: 2d}]}
routing:
  rules: [{id: default, then: {team: desk, sla_policy: standard}}]
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", "calendar", "show", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_show_lists_hours_and_feed_holidays(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    result = run(str(policy), "--year", "2025")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "calendar dublin (Dublin office), timezone Europe/Dublin" in lines
    assert "used by teams: desk" in lines
    assert "weekly hours (15 h a week):" in lines
    assert "  mon  09:00-17:00" in lines
    assert "  tue  closed" in lines
    assert "  fri  09:00-12:00, 22:00-02:00 (into the next day)" in lines
    # Ten Irish public holidays from the feed and three explicit dates.
    assert "holidays in 2025 (13):" in lines
    assert "  2025-03-17 Mon  Saint Patrick's Day  (feed IE)" in lines
    assert "  2025-12-30 Tue  Year-end closure  (explicit)" in lines


def test_show_one_calendar_of_example() -> None:
    policy = EXAMPLES / "policies" / "ads-partner-support.yaml"
    result = run(str(policy), "--calendar", "product-hours", "--year", "2026")
    assert result.returncode == 0, result.stderr
    assert "calendar product-hours" in result.stdout
    assert "calendar specialist-hours" not in result.stdout
    assert "  sat  closed" in result.stdout
    assert "(feed US-CA)" in result.stdout


def test_show_unknown_calendar_is_an_error() -> None:
    policy = EXAMPLES / "policies" / "ads-partner-support.yaml"
    result = run(str(policy), "--calendar", "nope")
    assert result.returncode == 1
    assert "unknown calendar 'nope'; expected one of: product-hours" in result.stderr


def test_show_policy_without_calendars(small_policy_text: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(small_policy_text, encoding="utf-8")
    result = run(str(policy))
    assert result.returncode == 0, result.stderr
    assert "defines no calendars, so every team is open 24x7" in result.stdout
