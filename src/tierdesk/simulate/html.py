"""The simulation report: one self-contained HTML page with inline SVG charts.

The page loads nothing from the network. The figures it shows are also in a
JSON block (`<script type="application/json" id="simulation-data">`), so other
tools can read them from the page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape

import numpy as np

from tierdesk.simulate._svg import Series, line_chart
from tierdesk.simulate.compare import Comparison, format_interval, format_value
from tierdesk.simulate.outcome import RunSummary

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222;
       max-width: 1100px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg.chart { display: block; margin: 12px 0 24px; }
svg text { font-size: 11px; fill: #333; }
svg text.title { font-size: 13px; font-weight: 600; }
.note { color: #555; font-size: 13px; }
"""


def render_report(
    comparison: Comparison,
    *,
    title: str,
    sources: Sequence[str],
    problems: Sequence[str],
) -> str:
    """Return the HTML page of a comparison."""
    names = [setup.name for setup in comparison.setups]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _settings(comparison, sources),
        _table(comparison),
        '<section id="backlog"><h2>Backlog</h2>',
        line_chart(
            "backlog-chart",
            "Open tickets (mean of the runs; band: lowest to highest run)",
            _backlog_chart_series(comparison),
        ),
    ]
    for team in dict.fromkeys(t.id for s in comparison.setups for t in s.policy.teams):
        series = [
            _waiting_series(name, comparison.summaries[name], team)
            for name in names
            if team in comparison.summaries[name][0].waiting
        ]
        if any(np.nanmax(s.y) > 0 for s in series if len(s.y)):
            parts.append(
                line_chart(
                    f"waiting-{team}",
                    f"Tickets waiting for an agent of team {team} (mean of the runs)",
                    series,
                )
            )
    parts += [
        "</section>",
        '<section id="weekly"><h2>Weekly SLA attainment</h2>',
        '<p class="note">Share of the tickets that arrived in each week whose clock '
        "met its target, of those met or breached; mean of the runs.</p>",
        line_chart(
            "weekly-first-response",
            "First response within target, by arrival week",
            [
                _weekly_series(name, comparison.summaries[name], "first")
                for name in names
            ],
            share=True,
        ),
        line_chart(
            "weekly-resolution",
            "Resolved within target, by arrival week",
            [
                _weekly_series(name, comparison.summaries[name], "resolution")
                for name in names
            ],
            share=True,
        ),
        "</section>",
        _problems(problems),
        '<script type="application/json" id="simulation-data">',
        _data(comparison).replace("</", "<\\/"),
        "</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _settings(comparison: Comparison, sources: Sequence[str]) -> str:
    settings = comparison.settings
    items = [f"<li>{escape(source)}</li>" for source in sources]
    items.append(
        f"<li>{settings.runs} runs per policy, seed {settings.seed}, volume "
        f"{settings.scale:g}x, arrivals {settings.arrivals}; intervals are 95% "
        "t-intervals of the mean over the runs</li>"
    )
    return f'<section id="settings"><ul>{"".join(items)}</ul></section>'


def _table(comparison: Comparison) -> str:
    names = [setup.name for setup in comparison.setups]
    head = "".join(
        f"<th>{escape(setup.name)}<br><small>{escape(setup.policy.version_label)}"
        "</small></th>"
        for setup in comparison.setups
    )
    if comparison.observed:
        head += "<th>history</th>"
    rows = []
    for row in comparison.rows():
        cells = [
            format_interval(comparison.intervals[name].get(row.name), row.unit)
            for name in names
        ]
        observed = comparison.observed.get(row.name)
        if all(cell == "n/a" for cell in cells) and observed is None:
            continue
        html_cells = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
        if comparison.observed:
            shown = format_value(observed, row.unit) if observed is not None else "n/a"
            html_cells += f"<td>{escape(shown)}</td>"
        rows.append(
            f'<tr data-figure="{escape(row.name)}"><td>{escape(row.label)}</td>'
            f"{html_cells}</tr>"
        )
    return (
        '<section id="comparison"><h2>Comparison</h2><table>'
        f"<thead><tr><th>figure</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _problems(problems: Sequence[str]) -> str:
    if not problems:
        return (
            '<section id="input-problems"><h2>Input problems</h2><p>none</p></section>'
        )
    items = "".join(f"<li>{escape(line)}</li>" for line in problems)
    return (
        f'<section id="input-problems"><h2>Input problems</h2><ul>{items}</ul>'
        "</section>"
    )


def _stack(values: Sequence[np.ndarray]) -> np.ndarray:
    width = max(len(v) for v in values)
    padded = [
        np.pad(v.astype(float), (0, width - len(v)), constant_values=np.nan)
        for v in values
    ]
    return np.vstack(padded)


def _backlog_chart_series(comparison: Comparison) -> list[Series]:
    series = [
        _backlog_series(setup.name, comparison.summaries[setup.name])
        for setup in comparison.setups
    ]
    if comparison.observed_backlog is not None:
        grid = comparison.summaries[comparison.setups[0].name][0].grid
        series.append(Series("history", grid, comparison.observed_backlog))
    return series


def _backlog_series(name: str, runs: Sequence[RunSummary]) -> Series:
    stacked = _stack([run.backlog for run in runs])
    return Series(
        name,
        runs[0].grid,
        np.nanmean(stacked, axis=0),
        np.nanmin(stacked, axis=0),
        np.nanmax(stacked, axis=0),
    )


def _waiting_series(name: str, runs: Sequence[RunSummary], team: str) -> Series:
    stacked = _stack([run.waiting[team] for run in runs])
    return Series(f"{name}", runs[0].grid, np.nanmean(stacked, axis=0))


def _weekly_series(name: str, runs: Sequence[RunSummary], which: str) -> Series:
    weeks = np.unique(np.concatenate([run.weeks for run in runs]))
    values = np.full((len(runs), len(weeks)), np.nan)
    for number, run in enumerate(runs):
        shares = (
            run.weekly_first_response if which == "first" else run.weekly_resolution
        )
        values[number, np.searchsorted(weeks, run.weeks)] = shares
    with np.errstate(all="ignore"):
        mean = np.array(
            [
                np.nanmean(column) if np.any(~np.isnan(column)) else np.nan
                for column in values.T
            ]
        )
    return Series(name, weeks, mean)


def _data(comparison: Comparison) -> str:
    def clean(value: float) -> float | None:
        return None if math.isnan(value) else round(float(value), 6)

    policies = []
    for setup in comparison.setups:
        runs = comparison.summaries[setup.name]
        backlog = _backlog_series(setup.name, runs)
        first = _weekly_series(setup.name, runs, "first")
        resolution = _weekly_series(setup.name, runs, "resolution")
        policies.append(
            {
                "name": setup.name,
                "policy": setup.policy.version_label,
                "figures": {
                    name: {
                        "mean": clean(found.mean),
                        "low": clean(found.low),
                        "high": clean(found.high),
                    }
                    for name, found in comparison.intervals[setup.name].items()
                },
                "backlog": {
                    "at": backlog.x.tolist(),
                    "mean": [clean(v) for v in backlog.y.tolist()],
                },
                "weekly": {
                    "week": first.x.tolist(),
                    "first_response_within_target": [
                        clean(v) for v in first.y.tolist()
                    ],
                    "resolved_within_target": [clean(v) for v in resolution.y.tolist()],
                },
            }
        )
    observed = {name: clean(value) for name, value in comparison.observed.items()}
    return json.dumps(
        {"policies": policies, "history": observed}, separators=(",", ":")
    )
