"""`tierdesk report` and `tierdesk recommend` end to end on a metrics file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from tierdesk.analytics.formatting import target_titles
from tierdesk.analytics.frame import Targets

from .conftest import POLICY_TEXT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def files(tmp_path: Path, metrics_table: pd.DataFrame) -> tuple[Path, Path]:
    metrics = tmp_path / "metrics.csv"
    # The way `tierdesk metrics --out` writes CSV: pandas, empty for None.
    metrics_table.to_csv(metrics, index=False)
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY_TEXT, encoding="utf-8")
    return metrics, policy


def test_report_writes_tables_and_html(tmp_path: Path, files) -> None:
    metrics, policy = files
    result = run(
        "report",
        str(metrics),
        "--policy",
        str(policy),
        "--by",
        "inquiry_type",
        "--by",
        "segment,inquiry_type",
        "--min-n",
        "3",
        "--out-dir",
        str(tmp_path / "out"),
        "--format",
        "csv",
        "--format",
        "parquet",
        "--html",
        str(tmp_path / "report.html"),
    )
    assert result.returncode == 0, result.stderr
    assert "By inquiry type" in result.stdout
    assert "deflection: about 3 tickets (30.0%)" in result.stdout
    table = pl.read_parquet(tmp_path / "out" / "by_inquiry_type.parquet")
    password = table.filter(pl.col("inquiry_type") == "password").row(0, named=True)
    assert password["one_touch"] == pytest.approx(0.75)
    assert (tmp_path / "out" / "by_segment_inquiry_type.csv").exists()
    assert (tmp_path / "out" / "recommendations.csv").exists()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "http" not in page


def test_recommend_writes_valid_candidate(tmp_path: Path, files) -> None:
    metrics, policy = files
    candidate = tmp_path / "candidate.yaml"
    result = run(
        "recommend",
        str(metrics),
        "--policy",
        str(policy),
        "--write-policy",
        str(candidate),
        "--out",
        str(tmp_path / "recommendations.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert "moved to vendors: 4 tickets (40.0% of volume)" in result.stdout
    assert "saved 35" in result.stdout
    assert "refund (1)" in result.stdout
    checked = run("policy", "check", str(candidate))
    assert checked.returncode == 0, checked.stderr
    assert "analytics-test@3-candidate" in checked.stdout


def test_recommend_without_policy_fails(files) -> None:
    metrics, _ = files
    result = run("recommend", str(metrics))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "recommend needs --policy" in result.stderr


def test_unknown_dimension_fails(files) -> None:
    metrics, _ = files
    result = run("report", str(metrics), "--by", "colour")
    assert result.returncode == 1
    assert "unknown dimension or column 'colour'" in result.stderr


def test_missing_metrics_file_fails(tmp_path: Path) -> None:
    result = run("report", str(tmp_path / "absent.csv"))
    assert result.returncode == 1
    assert "file not found" in result.stderr


def test_bad_cell_names_row(tmp_path: Path, files) -> None:
    metrics, _ = files
    text = metrics.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    cells = text[3].split(",")
    cells[header.index("open_s")] = "long"
    text[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run("report", str(bad))
    assert result.returncode == 1
    assert "row 4, column 'open_s'" in result.stderr


def test_business_time_needs_policy(files) -> None:
    metrics, _ = files
    result = run("report", str(metrics), "--time", "business")
    assert result.returncode == 1
    assert "--time business needs --policy" in result.stderr


def test_titles_state_thresholds() -> None:
    titles = target_titles(Targets(first_response_s=4 * 3600, time="business"))
    assert titles["first_response_within"] == "First response within 4 business h"
    assert titles["resolved_within"] == "Resolved within 24 business h"
