"""`tierdesk simulate` and `tierdesk staffing` end to end, on a small CSV log."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tierdesk.simulate.staffing import load_staffing

from .conftest import POLICY, at

MAPPING = """\
columns:
  case_id: case_id
  timestamp: timestamp
  status: status
  team: team
  agent: agent
  attributes:
    inquiry_type: type
statuses:
  Queued: open
  Working: open
  Waiting: pending
pause_statuses: [Waiting]
first_response:
  statuses: [Working]
resolution:
  statuses: [Solved]
tiers:
  - {pattern: experts, tier: escalation}
  - {pattern: ".", tier: frontline}
"""

CANDIDATE = (
    POLICY.replace("version: 1", "version: 2")
    .replace(
        "  - {id: experts,",
        "  - {id: vendor-b, name: Vendor B, tier: frontline, kind: vendor,\n"
        "     timezone: UTC, cost_per_ticket: 3}\n  - {id: experts,",
    )
    .replace(
        "    - id: default\n",
        "    - id: questions\n      when: {inquiry_type: question}\n"
        "      then: {team: vendor-b, sla_policy: standard}\n    - id: default\n",
    )
)


def _rows() -> list[dict[str, str]]:
    """Tickets in the weeks of 4 and 18 March 2024, so the log has a gap."""
    draw = random.Random(3)
    rows: list[dict[str, str]] = []
    number = 0
    for week_start in (4, 18):
        for day in range(week_start, week_start + 5):
            for _ in range(6):
                number += 1
                rows += _ticket_rows(f"C{number}", at(day, 9 + draw.random() * 6), draw)
    rows.insert(3, {**rows[2], "status": "Mystery"})
    return rows


def _ticket_rows(
    case: str, moment: datetime, draw: random.Random
) -> list[dict[str, str]]:
    kind = "bug" if draw.random() < 0.2 else "question"
    team = "experts" if kind == "bug" else "desk"
    rows = []

    def add(status: str, who: str, where: str, after: timedelta) -> None:
        nonlocal moment
        moment += after
        rows.append(
            {
                "case_id": case,
                "timestamp": moment.isoformat(),
                "status": status,
                "team": where,
                "agent": who,
                "type": kind,
            }
        )

    add("Queued", "", team, timedelta(0))
    add("Working", "A1", team, timedelta(minutes=draw.uniform(0, 40)))
    if team == "desk" and draw.random() < 0.25:
        team = "experts"
        add("Queued", "A1", team, timedelta(minutes=draw.uniform(10, 60)))
        add("Working", "B1", team, timedelta(minutes=draw.uniform(10, 90)))
    if draw.random() < 0.2:
        add("Waiting", "A1", team, timedelta(minutes=20))
        add("Working", "A1", team, timedelta(hours=draw.uniform(1, 20)))
    add("Solved", "A1", team, timedelta(minutes=draw.uniform(10, 120)))
    return rows


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("simulate")
    paths = {
        "log": folder / "log.csv",
        "mapping": folder / "mapping.yaml",
        "policy": folder / "tiny.yaml",
        "candidate": folder / "candidate.yaml",
        "staffing": folder / "staffing.yaml",
        "candidate_staffing": folder / "candidate-staffing.yaml",
    }
    rows = _rows()
    with paths["log"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    paths["mapping"].write_text(MAPPING, encoding="utf-8")
    paths["policy"].write_text(POLICY, encoding="utf-8")
    paths["candidate"].write_text(CANDIDATE, encoding="utf-8")
    paths["staffing"].write_text(
        "teams: {desk: {agents: 2}, experts: {agents: 1}}\n", encoding="utf-8"
    )
    paths["candidate_staffing"].write_text(
        "teams: {desk: {agents: 1}, vendor-b: {agents: 3}, experts: {agents: 1}}\n",
        encoding="utf-8",
    )
    return paths


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _history_args(files: dict[str, Path]) -> list[str]:
    return [
        "--history",
        str(files["log"]),
        "--mapping",
        str(files["mapping"]),
        "--policy",
        str(files["policy"]),
        "--queued-status",
        "Queued",
    ]


def _simulate(files: dict[str, Path], *extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        "simulate",
        *_history_args(files),
        "--candidate",
        str(files["candidate"]),
        "--staffing",
        str(files["staffing"]),
        "--candidate-staffing",
        str(files["candidate_staffing"]),
        "--runs",
        "3",
        "--workers",
        "2",
        *extra,
    )


def test_simulate_prints_comparison(files: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    out = tmp_path / "comparison.csv"
    result = _simulate(files, "--observed", "--report", str(report), "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("current"))
    assert header.split() == ["current", "candidate", "history"]
    assert any(line.startswith("first response within target ") for line in lines)
    assert any(line.startswith("routed to vendor teams ") for line in lines)
    assert any(line.startswith("utilisation vendor-b ") for line in lines)
    assert any(line.startswith("cost per ticket ") for line in lines)
    assert f"report written to {report}" in lines
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    table = pd.read_csv(out)
    assert set(table["policy"]) == {"current", "candidate"}
    assert set(table.columns) >= {"figure", "mean", "low", "high", "runs", "history"}


def test_simulate_states_input_problems(files: dict[str, Path]) -> None:
    result = _simulate(files)
    assert result.returncode == 0, result.stderr
    assert "input problems: 3" in result.stdout
    assert "1 records have a raw status that the mapping does not list" in result.stdout
    assert "'Mystery' (1)" in result.stdout
    assert "1 gaps of more than 7 days without arrivals" in result.stdout


def test_simulate_same_seed_same_output(files: dict[str, Path]) -> None:
    first = _simulate(files, "--seed", "4")
    again = _simulate(files, "--seed", "4", "--workers", "1")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout


def test_simulate_scale_doubles_tickets(files: dict[str, Path]) -> None:
    result = _simulate(files, "--scale", "2")
    assert result.returncode == 0, result.stderr
    tickets = next(
        line for line in result.stdout.splitlines() if line.startswith("tickets ")
    )
    assert tickets.split()[1:] == ["120", "120"]


def test_candidate_team_without_staff_stops_before_run(
    files: dict[str, Path], tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    result = run(
        "simulate",
        *_history_args(files),
        "--candidate",
        str(files["candidate"]),
        "--staffing",
        str(files["staffing"]),
        "--report",
        str(report),
    )
    assert result.returncode == 1
    assert "team 'vendor-b' has no agents" in result.stderr
    assert "Traceback" not in result.stderr
    assert not report.exists()


def test_staffing_with_unknown_team_named(
    files: dict[str, Path], tmp_path: Path
) -> None:
    staffing = tmp_path / "bad.yaml"
    staffing.write_text("teams: {desk: {agents: 1}, nightshift: {agents: 2}}\n")
    result = run("simulate", *_history_args(files), "--staffing", str(staffing))
    assert result.returncode == 1
    assert "unknown teams nightshift" in result.stderr


def test_report_needs_html_suffix(files: dict[str, Path], tmp_path: Path) -> None:
    result = _simulate(files, "--report", str(tmp_path / "report.txt"))
    assert result.returncode == 1
    assert "expected a .html file for --report" in result.stderr


def test_staffing_infer_writes_plan(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "inferred.yaml"
    result = run("staffing", "infer", *_history_args(files), "--out", str(out))
    assert result.returncode == 0, result.stderr
    plan = load_staffing(out)
    # A1 works at the desk; A1 and B1 at the experts.
    assert plan.teams["desk"].agents == 1
    assert plan.teams["experts"].agents == 2
    assert f"staffing written to {out}" in result.stdout


def test_staffing_find_prints_plan(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "found.yaml"
    result = run(
        "staffing",
        "find",
        *_history_args(files),
        "--within",
        "1h",
        "--share",
        "0.8",
        "--runs",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Erlang C starting point" in result.stdout
    assert "meets the goal: 80% of first response within 1h business time" in (
        result.stdout
    )
    plan = load_staffing(out)
    assert plan.teams["desk"].agents >= 1


def test_staffing_find_rejects_bad_time(files: dict[str, Path]) -> None:
    result = run("staffing", "find", *_history_args(files), "--within", "soon")
    assert result.returncode == 2
    assert "--within" in result.stderr


def test_misspelt_queued_status_named(files: dict[str, Path], tmp_path: Path) -> None:
    arguments = [*_history_args(files)]
    arguments[arguments.index("Queued")] = "Queud"
    result = run("simulate", *arguments, "--staffing", str(files["staffing"]))
    assert result.returncode == 1
    assert "--queued-status: no event has the status 'Queud'" in result.stderr
    assert "Queued" in result.stderr
