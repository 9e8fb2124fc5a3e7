"""`tierdesk metrics` end to end, on the small hand-built log and on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tierdesk.metrics import COLUMN_NAMES

from .conftest import LOG, MAPPING

NOW = "2025-03-04T11:00:00+00:00"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def metrics(paths: dict[str, Path], *extra: str) -> subprocess.CompletedProcess[str]:
    return run("metrics", str(paths["log"]), "--mapping", str(paths["mapping"]), *extra)


def test_command_prints_summary(small_log):
    out = small_log["log"].parent / "metrics.csv"
    result = metrics(
        small_log, "--policy", str(small_log["policy"]), "--now", NOW, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "tickets: 3" in lines
    assert (
        "first response time: median 0.50 h, p90 0.90 h calendar; median 0.50 h, "
        "p90 0.90 h business (3 tickets)" in lines
    )
    assert (
        "time to resolution (final solve): median 14.50 h, p90 23.70 h calendar; "
        "median 6.50 h, p90 9.30 h business (2 tickets)" in lines
    )
    assert (
        "first response within target: 100.0% (3 met, 0 breached, 0 not yet "
        "decided, 0 without target)" in lines
    )
    assert (
        "resolved within target: 50.0% (1 met, 1 breached, 1 not yet decided, "
        "0 without target)" in lines
    )
    assert "one-touch: 50.0% of 2 solved tickets" in lines
    assert "highest tier reached: frontline 66.7% (2), escalation 33.3% (1)" in lines
    assert "ping-pong: 33.3% of 3 tickets with a team" in lines
    assert "paused: 6.9% of open time; 1 tickets were paused at least once" in lines
    assert f"metrics written to {out}" in lines


def test_command_writes_one_row_per_ticket(small_log):
    for name in ("metrics.csv", "metrics.parquet"):
        out = small_log["log"].parent / name
        result = metrics(
            small_log, "--policy", str(small_log["policy"]), "--out", str(out)
        )
        assert result.returncode == 0, result.stderr
        frame = pd.read_csv(out) if name.endswith(".csv") else pd.read_parquet(out)
        assert list(frame["ticket_id"]) == ["T1", "T2", "T3"]
        assert list(frame.columns) == list(COLUMN_NAMES)


def test_command_without_policy_says_so(small_log):
    result = metrics(small_log, "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert (
        "no policy given: times are calendar time; no business hours or targets apply"
        in result.stdout
    )
    assert "within target" not in result.stdout
    assert "highest tier reached: unknown without tier ranks" in result.stdout


def test_command_reports_input_problems(small_log):
    # T1's rows out of order, T3 without creation row and with an unknown status,
    # and timestamps without offsets read in the mapping's timezone.
    rows = LOG.splitlines()
    rows[2], rows[3] = rows[3], rows[2]
    rows.append("T4,2025-03-04 09:00:00,New,Desk,customer,normal")
    rows.append("T4,2025-03-04 09:30:00,Escalated??,Desk,A1,normal")
    small_log["log"].write_text("\n".join(rows) + "\n")
    small_log["mapping"].write_text(MAPPING + "timestamps: {timezone: Europe/Dublin}\n")
    result = metrics(small_log, "--policy", str(small_log["policy"]))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "input problems: 4" in out
    assert "1 records in 1 cases were out of time order and were sorted" in out
    assert (
        "2 records have a raw status that the mapping does not list, and left "
        "the status unchanged: 'Parked' (1), 'Escalated??' (1)" in out
    )
    assert "1 cases have no creation record" in out
    assert (
        "3 event times had no UTC offset and were read in Europe/Dublin "
        "(timestamps.timezone of the mapping)" in out
    )
    assert "tickets: 4" in out


def test_command_rejects_timestamps_without_offset(small_log):
    rows = LOG.splitlines()
    rows.append("T4,2025-03-04 09:00:00,New,Desk,customer,normal")
    small_log["log"].write_text("\n".join(rows) + "\n")
    result = metrics(small_log)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "row 15, column 'time'" in result.stderr
    assert "has no UTC offset; set timestamps.timezone in the mapping" in result.stderr


def test_command_rejects_mapping_with_missing_column(small_log):
    small_log["mapping"].write_text(MAPPING.replace("agent: agent", "agent: assignee"))
    result = metrics(small_log)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert "columns.agent names column 'assignee'" in result.stderr


def test_command_rejects_unknown_sla_policy(small_log):
    result = metrics(
        small_log, "--policy", str(small_log["policy"]), "--sla-policy", "gold"
    )
    assert result.returncode == 1
    assert "unknown SLA policy 'gold'; expected one of: standard" in result.stderr


def test_command_rejects_output_type_before_work(small_log):
    out = small_log["log"].parent / "metrics.txt"
    result = metrics(small_log, "--out", str(out))
    assert result.returncode == 1
    assert "unsupported output type '.txt'" in result.stderr
    assert not out.exists()


def test_command_rejects_misspelt_attribute(small_log):
    result = metrics(small_log, "--priority-attribute", "priorty")
    assert result.returncode == 1
    assert "--priority-attribute: no event has the attribute 'priorty'" in result.stderr
    assert "attributes found: " in result.stderr


def test_command_rejects_out_of_range_now(small_log):
    result = metrics(small_log, "--now", "2300-01-01T00:00:00Z")
    assert result.returncode == 2
    assert "outside the years 1900-2200" in result.stderr
    assert "--now" in result.stderr
