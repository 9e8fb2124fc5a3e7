"""The simulation report: sections, charts and embedded data, in Python and in
Chromium."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.simulate.compare import Comparison, build_comparison
from tierdesk.simulate.history import setup_policy
from tierdesk.simulate.html import render_report
from tierdesk.simulate.replications import Settings, run_replications
from tierdesk.simulate.staffing import parse_staffing

from ..analytics.browser import open_page
from .conftest import POLICY, prepare
from .test_replications import varied_history


class _Elements(HTMLParser):
    """Collect every start tag with its attributes, and the page's JSON block."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data = ""
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_data = dict(attrs).get("id") == "simulation-data"

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data += data

    def find(self, tag: str, **attributes: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in attributes.items())
        ]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    policy: Policy = parse_policy(POLICY).policy
    history = prepare(varied_history(), policy)
    staffing = parse_staffing("teams: {desk: {agents: 1}, experts: {agents: 1}}")
    wider = parse_staffing("teams: {desk: {agents: 2}, experts: {agents: 2}}")
    setups = [
        setup_policy("current", policy, staffing, history),
        setup_policy("candidate", policy, wider, history),
    ]
    settings = Settings(runs=2, workers=1)
    summaries = run_replications(setups, history.created, settings)
    return build_comparison(setups, summaries, settings, {"tickets": 60.0})


@pytest.fixture(scope="module")
def page(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    text = render_report(
        comparison,
        title="Test simulation",
        sources=["history: hand-built"],
        problems=["1 records have a raw status that the mapping does not list"],
    )
    path.write_text(text, encoding="utf-8")
    return path


def _parse(page: Path) -> _Elements:
    parser = _Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_report_has_sections_and_charts(page: Path) -> None:
    elements = _parse(page)
    for section in ("settings", "comparison", "backlog", "weekly", "input-problems"):
        assert elements.find("section", id=section), section
    for chart in ("backlog-chart", "weekly-first-response", "weekly-resolution"):
        assert elements.find("svg", id=chart), chart


def test_report_draws_a_line_per_policy(page: Path) -> None:
    elements = _parse(page)
    lines = elements.find("path", **{"class": "series"})
    policies = {attrs["data-policy"] for attrs in lines}
    assert policies == {"current", "candidate"}
    assert all(attrs["d"] and attrs["d"].startswith("M") for attrs in lines)


def test_report_loads_nothing_from_outside(page: Path) -> None:
    elements = _parse(page)
    assert not elements.find("link")
    assert all(attrs.get("src") is None for _, attrs in elements.tags)
    assert "http://" not in page.read_text(encoding="utf-8").replace(
        "http://www.w3.org", ""
    )


def test_report_table_rows_carry_figures(page: Path, comparison: Comparison) -> None:
    elements = _parse(page)
    figures = {
        attrs["data-figure"]
        for attrs in elements.find("tr")
        if attrs.get("data-figure")
    }
    assert {"first_response_within_target", "resolved_within_target"} <= figures
    assert "utilisation:desk" in figures


def test_report_data_matches_comparison(page: Path, comparison: Comparison) -> None:
    data = json.loads(_parse(page).data)
    names = [policy["name"] for policy in data["policies"]]
    assert names == ["current", "candidate"]
    current = data["policies"][0]
    expected = comparison.intervals["current"]["first_response_within_target"].mean
    # The page rounds figures to six decimals.
    shown = current["figures"]["first_response_within_target"]["mean"]
    assert shown == pytest.approx(expected, abs=1e-6)
    assert len(current["backlog"]["at"]) == len(current["backlog"]["mean"])
    assert len(current["weekly"]["week"]) == len(
        current["weekly"]["first_response_within_target"]
    )
    assert data["history"] == {"tickets": 60.0}


def test_report_in_browser(page: Path) -> None:
    with open_page(page) as opened:
        assert opened.console_errors == []
        assert opened.requests == [page.resolve().as_uri()]
        assert opened.page.title() == "Test simulation"
        assert opened.count("svg.chart") >= 3
        assert opened.count("#backlog-chart path.series") == 2
        assert opened.count("#weekly-first-response path.series") == 2
        box = opened.page.locator("#backlog-chart").bounding_box()
        assert box is not None
        assert box["width"] > 300
        text = opened.page.inner_text("#comparison")
        assert "first response within target" in text
        assert "candidate" in text
