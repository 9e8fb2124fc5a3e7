"""`tierdesk report` and `recommend` end to end on the Volvo incident log, checked
against pandas computed independently from the metrics table and the raw rows.

Skipped when the data set is absent. Source: the Volvo IT Belgium incident log
(BPI Challenge 2013), 4TU.ResearchData, DOI
10.4121/500573e6-accc-4b0c-9576-aa5468b10cee.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import EXAMPLES, SHARED_DATA
from . import pandas_reference as reference
from .browser import open_page

VOLVO_CSV = SHARED_DATA / "volvo-incidents" / "incidents.csv"
NOW = pd.Timestamp("2012-05-23T01:22:25+02:00")
LOG_ARGS = [
    str(VOLVO_CSV),
    "--mapping",
    str(EXAMPLES / "mappings" / "volvo-incidents.yaml"),
    "--policy",
    str(EXAMPLES / "policies" / "volvo-products.yaml"),
    "--priority-attribute",
    "impact",
]
COLUMNS = {"inquiry_type": "attr_product", "segment": "attr_impact"}

pytestmark = pytest.mark.skipif(
    not VOLVO_CSV.exists(), reason="Volvo incident log not present"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("volvo")
    measured_args = ["metrics", *LOG_ARGS, "--out", str(folder / "metrics.parquet")]
    measured = run(*measured_args)
    assert measured.returncode == 0, measured.stderr
    reported = run(
        "report",
        *LOG_ARGS,
        "--inquiry-type-column",
        "attr_product",
        "--segment-column",
        "attr_impact",
        "--by",
        "attr_organisation_line",
        "--by",
        "inquiry_type",
        "--by",
        "segment,inquiry_type",
        "--by",
        "team",
        "--by",
        "month",
        "--out-dir",
        str(folder / "tables"),
        "--html",
        str(folder / "report.html"),
    )
    assert reported.returncode == 0, reported.stderr
    (folder / "report.txt").write_text(reported.stdout, encoding="utf-8")
    recommended = run(
        "recommend",
        *LOG_ARGS,
        "--inquiry-type-column",
        "attr_product",
        "--write-policy",
        str(folder / "candidate.yaml"),
        "--out",
        str(folder / "recommendations.csv"),
    )
    assert recommended.returncode == 0, recommended.stderr
    (folder / "recommend.txt").write_text(recommended.stdout, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def metrics(outputs: Path) -> pd.DataFrame:
    return reference.prepare(pd.read_parquet(outputs / "metrics.parquet"), COLUMNS)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(VOLVO_CSV, dtype=str)


def _same(left: object, right: object) -> bool:
    missing = [
        v is None or (isinstance(v, float) and math.isnan(v)) for v in (left, right)
    ]
    if all(missing):
        return True
    if any(missing):
        return False
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("file", "by"),
    [
        ("by_inquiry_type", ["inquiry_type"]),
        ("by_attr_organisation_line", ["attr_organisation_line"]),
        ("by_segment_inquiry_type", ["segment", "inquiry_type"]),
        ("by_team", ["team"]),
        ("by_month", ["month"]),
    ],
)
def test_group_tables_match_pandas(outputs: Path, metrics, file: str, by) -> None:
    exported = pd.read_csv(
        outputs / "tables" / f"{file}.csv", dtype={b: str for b in by}
    )
    expected = reference.group_table(metrics, by)
    key = exported[by].astype(str).agg("|".join, axis=1)
    expected_key = (
        expected[by].astype(str).replace({"None": "nan"}).agg("|".join, axis=1)
    )
    exported = exported.set_index(key)
    expected = expected.set_index(expected_key)
    assert sorted(exported.index) == sorted(expected.index)
    for column in (
        "tickets",
        "share",
        "first_response_within",
        "first_response_within_low",
        "resolved_within",
        "one_touch",
        "one_touch_n",
        "escalated",
        "first_line_resolved",
        "ping_pong",
        "paused_share",
    ):
        for group in expected.index:
            assert _same(exported.at[group, column], expected.at[group, column]), (
                group,
                column,
            )


def test_csat_absent_is_na(outputs: Path) -> None:
    exported = pd.read_csv(outputs / "tables" / "overall.csv")
    assert exported.loc[0, "csat_satisfied_n"] == 0
    assert pd.isna(exported.loc[0, "csat_satisfied"])
    assert "CSAT satisfied: n/a" not in (outputs / "report.html").read_text()
    assert "n/a (n=0)" in (outputs / "report.html").read_text()


def test_first_line_resolution_from_raw_rows(outputs: Path, raw) -> None:
    cases = raw.groupby("case_id")
    solved = cases["lifecycle:transition"].agg(
        lambda s: bool(s.isin(["Resolved", "In Call"]).any())
    )
    escalated = cases["org:group"].agg(
        lambda s: bool(s.str.contains("2nd|3rd", regex=True).any())
    )
    expected = int((solved & ~escalated).sum())
    overall = pd.read_csv(outputs / "tables" / "overall.csv").iloc[0]
    assert overall["first_line_resolved_count"] == expected
    assert overall["tickets"] == raw["case_id"].nunique()


def test_ping_pong_pairs_match_pandas(outputs: Path, metrics) -> None:
    exported = pd.read_csv(outputs / "tables" / "ping_pong_pairs.csv")
    counts = reference.ping_pong_pairs(metrics)
    for row in exported.itertuples():
        assert counts[(row.team_a, row.team_b)] == row.returns
    top = max(counts.values())
    assert exported["returns"].iloc[0] == top


def test_tier_flow_matches_pandas(outputs: Path, metrics) -> None:
    exported = pd.read_csv(outputs / "tables" / "tier_flow.csv").dropna()
    counts = reference.tier_moves(metrics)
    found = {(r.from_tier, r.to_tier): r.tickets for r in exported.itertuples()}
    assert found == dict(counts)


def test_wait_user_from_raw_rows(outputs: Path, raw) -> None:
    rows = raw.assign(
        at=pd.to_datetime(raw["time:timestamp"], utc=True, format="ISO8601"),
        sequence=range(len(raw)),
    ).rename(columns={"case_id": "ticket_id", "lifecycle:transition": "source_status"})
    periods = reference.wait_periods(rows, NOW, "Wait - User")
    exported = pd.read_csv(outputs / "tables" / "waits_by_status.csv").set_index(
        "status"
    )
    wait = exported.loc["Wait - User"]
    assert wait["periods"] == len(periods)
    assert wait["tickets"] == periods["ticket_id"].nunique()
    assert wait["median_hours"] == pytest.approx(periods["seconds"].median() / 3600)
    agents = pd.read_csv(outputs / "tables" / "waits_by_agent.csv")
    agents = agents[agents["status"] == "Wait - User"].set_index("actor")
    by_agent = periods.groupby("org:resource").size()
    for agent, count in agents["periods"].items():
        assert by_agent[agent] == count


def test_recommendations_and_candidate(outputs: Path) -> None:
    table = pd.read_csv(
        outputs / "recommendations.csv", keep_default_na=False
    ).set_index("inquiry_type")
    moved = table[table["action"] == "move_up"]
    assert set(moved.index) == {"PROD698", "PROD542", "PROD401"}
    assert (moved["target_team"] == "second-line").all()
    assert table.loc["PROD424", "action"] == "keep"
    unknown = table[table["known"].astype(str).str.lower() == "false"]
    assert len(unknown) == 678
    assert (unknown["action"] == "n/a").all()
    checked = run("policy", "check", str(outputs / "candidate.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert "volvo-products@1-candidate" in checked.stdout


def test_terminal_output_names_sections(outputs: Path) -> None:
    text = (outputs / "report.txt").read_text(encoding="utf-8")
    assert "wait status 'Wait - User'" in text
    assert "ping-pong hot spots: D4 <-> D5" in text
    assert "inquiry types the policy does not know (678)" in text


def test_volvo_report_in_browser(outputs: Path) -> None:
    with open_page(outputs / "report.html") as opened:
        assert opened.console_errors == []
        assert opened.count("svg rect.bar") >= 10
        assert opened.count("svg .type-point") == 26
        assert opened.count("svg path.flow") == 6
        assert opened.count("svg circle.point") >= 8


@pytest.mark.parametrize("command", ["report", "recommend"])
def test_misspelt_attribute_rejected(command: str) -> None:
    arguments = [*LOG_ARGS]
    arguments[arguments.index("impact")] = "impakt"
    result = run(command, *arguments, "--inquiry-type-column", "attr_product")
    assert result.returncode == 1
    assert "--priority-attribute: no event has the attribute 'impakt'" in result.stderr
    assert "impact" in result.stderr
