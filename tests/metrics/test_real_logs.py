"""`tierdesk metrics` on the two public event logs, checked against a pandas
implementation that reads the raw rows (`pandas_reference.py`).

Skipped when the data sets are absent. Sources: the Volvo IT Belgium incident
log (BPI Challenge 2013), 4TU.ResearchData, DOI
10.4121/500573e6-accc-4b0c-9576-aa5468b10cee; the "Helpdesk" event log on
Mendeley Data, in the copy of a public process-mining collection.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from ..conftest import EXAMPLES, SHARED_DATA
from .pandas_reference import Hours, LogSpec, reference_metrics, summary_lines, weekdays

VOLVO_CSV = SHARED_DATA / "volvo-incidents" / "incidents.csv"
HELPDESK_CSV = SHARED_DATA / "helpdesk-log" / "helpdesk.csv"
HOUR = 3600.0

# The hours of examples/policies/volvo-incidents.yaml.
VOLVO_SERVICE_DESK = Hours(
    "Europe/Brussels", weekdays("07:00", "20:00", saturday="08:00-12:00"), "BE"
)
VOLVO_SUPPORT_LINES = Hours("Europe/Brussels", weekdays("08:00", "18:00"), "BE")
VOLVO_TARGETS = {  # impact: first response, resolution, business time
    "major": (0.5 * HOUR, 8 * HOUR, False),
    "high": (1 * HOUR, 16 * HOUR, True),
    "medium": (4 * HOUR, 40 * HOUR, True),
    "low": (8 * HOUR, 80 * HOUR, True),
}
VOLVO = LogSpec(
    case="case_id",
    time="time:timestamp",
    activity="concept:name",
    sub_status="lifecycle:transition",
    team="org:group",
    agent="org:resource",
    statuses={
        "Awaiting Assignment": "open",
        "In Progress": "open",
        "Assigned": "open",
        "Wait - User": "pending",
        "Wait - Customer": "pending",
        "Wait - Vendor": "on_hold",
        "Wait - Implementation": "on_hold",
        "Wait": "on_hold",
        "Closed": "closed",
        "Cancelled": "closed",
        "Unmatched": None,
        "Resolved": "solved",
        "In Call": "solved",
    },
    first_response={"In Progress", "In Call", "Resolved"},
    pauses={
        "Wait",
        "Wait - User",
        "Wait - Customer",
        "Wait - Vendor",
        "Wait - Implementation",
    },
    tier_patterns=[("2nd", "escalation"), ("3rd", "expert"), (".", "frontline")],
    ranks={"frontline": 1, "escalation": 2, "expert": 3},
    calendar_of_team=lambda team: (
        VOLVO_SUPPORT_LINES
        if team is not None and ("3rd" in team or "2nd" in team)
        else VOLVO_SERVICE_DESK
    ),
    targets=lambda rows: VOLVO_TARGETS.get(
        rows["impact"].iloc[0].lower(), VOLVO_TARGETS["medium"]
    ),
)

# The hours of examples/policies/helpdesk.yaml.
HELPDESK_HOURS = Hours(
    "Europe/Athens", weekdays("07:00", "18:00", saturday="08:00-13:00"), "IT"
)
HELPDESK = LogSpec(
    case="case:concept:name",
    time="time:timestamp",
    activity="concept:name",
    agent="org:resource",
    statuses={
        "Insert ticket": "new",
        "Assign seriousness": "new",
        "Take in charge ticket": "open",
        "Wait": "on_hold",
        "Create SW anomaly": "on_hold",
        "Resolve SW anomaly": "open",
        "Require upgrade": None,
        "Schedule intervention": None,
        "RESOLVED": None,
        "VERIFIED": None,
        "INVALID": None,
        "DUPLICATE": None,
        "Closed": "closed",
        "Resolve ticket": "solved",
    },
    first_response={"Take in charge ticket", "Resolve ticket"},
    pauses={"Wait"},
    calendar_of_team=lambda team: HELPDESK_HOURS,
    targets=lambda rows: (8 * HOUR, 40 * HOUR, True),
)


@pytest.fixture(scope="module")
def helpdesk_reference() -> pd.DataFrame:
    return reference_metrics(str(HELPDESK_CSV), HELPDESK)


def run_metrics(log, mapping: str, policy: str, *extra: str) -> list[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tierdesk",
            "metrics",
            str(log),
            "--mapping",
            str(EXAMPLES / "mappings" / mapping),
            "--policy",
            str(EXAMPLES / "policies" / policy),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def check_summary(lines: list[str], expected: dict[str, str]) -> None:
    for topic, text in expected.items():
        found = [line for line in lines if line.startswith(text)]
        assert found, f"{topic}: expected a line starting {text!r} in {lines}"


@pytest.mark.skipif(not VOLVO_CSV.is_file(), reason="Volvo log not present")
def test_volvo_summary_and_rows_match_pandas(tmp_path):
    out = tmp_path / "volvo.parquet"
    lines = run_metrics(
        VOLVO_CSV,
        "volvo-incidents.yaml",
        "volvo-incidents.yaml",
        "--priority-attribute",
        "impact",
        "--out",
        str(out),
    )
    reference = reference_metrics(str(VOLVO_CSV), VOLVO)
    assert len(reference) == 7554
    expected = summary_lines(reference)
    assert set(expected) >= {
        "tickets",
        "first_response",
        "resolution",
        "one_touch",
        "highest_tier",
        "ping_pong",
        "paused",
        "first_response_sla",
        "resolution_sla",
    }
    check_summary(lines, expected)
    assert any(
        line.startswith("  7554 cases have no creation record") for line in lines
    )


@pytest.mark.skipif(not HELPDESK_CSV.is_file(), reason="help-desk log not present")
def test_helpdesk_summary_matches_pandas(helpdesk_reference):
    lines = run_metrics(HELPDESK_CSV, "helpdesk.yaml", "helpdesk.yaml")
    reference = helpdesk_reference
    assert len(reference) == 4580
    expected = summary_lines(reference)
    assert "ping_pong" not in expected
    check_summary(lines, expected)
    assert "ping-pong: undefined, because no event names a team" in lines
    assert any(
        line.startswith("  4462 cases have no creation record") for line in lines
    )


@pytest.mark.skipif(not HELPDESK_CSV.is_file(), reason="help-desk log not present")
def test_helpdesk_rows_match_pandas(tmp_path, helpdesk_reference):
    out = tmp_path / "helpdesk.parquet"
    run_metrics(HELPDESK_CSV, "helpdesk.yaml", "helpdesk.yaml", "--out", str(out))
    check_rows(pd.read_parquet(out), helpdesk_reference)


def check_rows(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    ours = ours.set_index("ticket_id")
    reference = reference.set_index("ticket_id")
    assert set(ours.index) == set(reference.index)
    reference = reference.loc[ours.index]
    for column in (
        "first_response_s",
        "first_response_business_s",
        "first_resolution_s",
        "final_resolution_s",
        "final_resolution_business_s",
        "open_s",
        "paused_s",
    ):
        pd.testing.assert_series_equal(
            ours[column].astype(float),
            reference[column].astype(float),
            check_names=False,
            rtol=1e-9,
            atol=1e-3,
        )
    # The reference does not tell paused clocks from running ones.
    for column in ("first_response_sla", "resolution_sla"):
        ours[column] = ours[column].replace("paused", "running")
    for column in (
        "reopens",
        "solved",
        "one_touch",
        "first_response_sla",
        "resolution_sla",
        "highest_tier",
        "ping_pong",
    ):
        mine = ours[column].astype(object).where(ours[column].notna(), "none")
        theirs = reference[column].astype(object)
        theirs = theirs.where(theirs.notna(), "none")
        assert (mine.astype(str) == theirs.astype(str)).all(), column
