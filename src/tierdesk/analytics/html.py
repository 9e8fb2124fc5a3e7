"""The report as one self-contained HTML page: inline CSS and SVG, no script.

The page loads nothing from the network, so it opens offline and can be sent
as a single file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

import polars as pl

from tierdesk.analytics import _svg
from tierdesk.analytics import formatting as fmt
from tierdesk.analytics.report import Report
from tierdesk.analytics.tables import GroupTable

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;color:#1a202c;margin:24px auto;
max-width:1100px;padding:0 16px}
h1{font-size:24px}h2{font-size:19px;margin-top:36px;border-bottom:1px solid #cbd5e0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:3px 6px;text-align:right;vertical-align:top}
th{background:#edf2f7}td.key,th.key{text-align:left}
tr.small td{color:#718096}
.note{color:#4a5568}.figures{display:flex;flex-wrap:wrap;gap:12px}
.figure{border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px;min-width:150px}
.figure b{display:block;font-size:20px}
svg.chart{display:block;margin:8px 0;font-size:11px;fill:#2d3748}
svg .title{font-weight:600;font-size:13px}svg .strong{font-weight:600}
svg .grid{stroke:#e2e8f0}svg .frame{stroke:#a0aec0}
svg .boundary{stroke:#2d3748;stroke-dasharray:5 4}
.move_down{color:#276749;font-weight:600}.move_up{color:#c53030;font-weight:600}
"""
_PROPORTION_COLUMNS = (
    # The first two titles are replaced with their thresholds by _proportion_columns.
    ("first_response_within", "First response within target"),
    ("resolved_within", "Resolved within target"),
    ("one_touch", "One-touch"),
    ("reopened", "Reopened"),
    ("escalated", "Escalated"),
    ("ping_pong", "Ping-pong"),
)


def _proportion_columns(report: Report) -> list[tuple[str, str]]:
    titles = fmt.target_titles(report.tickets.options.targets)
    return [(key, titles.get(key, name)) for key, name in _PROPORTION_COLUMNS]


def render_html(report: Report, *, source: str = "") -> str:
    """Return the whole report page."""
    sections = [
        _header(report, source),
        _key_figures(report),
        _volume(report),
        _group_section(report.by_type, "By inquiry type", report),
        _group_section(report.by_segment, "By segment", report),
        _attainment(report),
        _recommendations(report),
        _flows(report),
        _deflection(report),
        _drivers(report),
        _waits(report),
        _unknown_types(report),
        _definitions(report),
    ]
    body = "\n".join(section for section in sections if section)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], keys: int = 1) -> str:
    head = "".join(
        f'<th class="key">{escape(h)}</th>' if i < keys else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    lines = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for row in rows:
        css = ""
        if row and isinstance(row, _Row) and row.small:
            css = ' class="small"'
        cells = "".join(
            f'<td class="key">{cell}</td>' if i < keys else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        lines.append(f"<tr{css}>{cells}</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


class _Row(list):
    """Table cells (already escaped) with a flag for groups below the minimum n."""

    small = False


def _header(report: Report, source: str) -> str:
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    options = report.tickets.options.targets
    return (
        f"<h1>{escape(report.title)}</h1>"
        f'<p class="note">{escape(source)} {report.tickets.tickets:,} tickets, '
        f"evaluated at {escape(report.now.isoformat())}. Targets: first response "
        f"within {options.first_response_s / 3600:g} h, resolution within "
        f"{options.resolution_s / 3600:g} h, in {options.time} time. Shares show "
        "their 95% Wilson interval and n; * and grey rows mark n below "
        f"{report.options.min_n}.</p>"
        + (f'<ul class="note">{notes}</ul>' if notes else "")
    )


def _key_figures(report: Report) -> str:
    row = report.overall.frame.row(0, named=True) if report.overall.frame.height else {}
    titles = fmt.target_titles(report.tickets.options.targets)

    def figure(name: str, key: str) -> str:
        value = row.get(key)
        n = row.get(f"{key}_n", 0) or 0
        return (
            f'<div class="figure">{escape(name)}<b>{fmt.percent(value)}</b>'
            f"n = {n:,}</div>"
        )

    figures = [
        f'<div class="figure">Tickets<b>{report.tickets.tickets:,}</b>&nbsp;</div>',
        figure(titles["first_response_within"], "first_response_within"),
        figure(titles["resolved_within"], "resolved_within"),
        figure("One-touch", "one_touch"),
        figure("Resolved at the first line", "first_line_resolved"),
        figure("CSAT satisfied", "csat_satisfied"),
        figure("Escalated", "escalated"),
        figure("Ping-pong", "ping_pong"),
    ]
    return f'<h2>Key figures</h2><div class="figures">{"".join(figures)}</div>'


def _volume(report: Report) -> str:
    charts = []
    for table, name in (
        (report.by_type, "inquiry type"),
        (report.by_segment, "segment"),
    ):
        frame = table.frame
        top = frame.head(12)
        items = [
            (fmt.label(r[table.by[0]]), r["share"] or 0.0, f"{r['tickets']:,} tickets")
            for r in top.iter_rows(named=True)
        ]
        rest = frame.slice(12)
        if rest.height:
            count = int(rest["tickets"].sum())
            items.append(
                (
                    f"{rest.height} others",
                    count / table.total_tickets if table.total_tickets else 0.0,
                    f"{count:,} tickets",
                )
            )
        charts.append(_svg.bar_chart(items, title=f"Share of tickets by {name}"))
    return "<h2>Volume mix</h2>" + "".join(charts)


def _group_section(table: GroupTable, title: str, report: Report) -> str:
    top = report.options.top
    frame = table.frame.head(top)
    headers = [
        table.by[0].replace("_", " "),
        "Tickets",
        "Share",
        "CSAT mean",
        "CSAT satisfied",
        *(name for _, name in _proportion_columns(report)),
        "Paused share",
        "Handle time median / p90",
    ]
    rows = []
    for r in frame.iter_rows(named=True):
        row = _Row(
            [
                escape(fmt.label(r[table.by[0]])),
                f"{r['tickets']:,}",
                fmt.percent(r["share"]),
                fmt.number(r["csat_mean"]),
                _share(r, "csat_satisfied", table.min_n),
            ]
            + [_share(r, key, table.min_n) for key, _ in _proportion_columns(report)]
            + [
                f"{fmt.percent(r['paused_share'])} n={r['paused_share_n']:,}",
                f"{fmt.hours(r['handle_time_median_s'])} / "
                f"{fmt.hours(r['handle_time_p90_s'])} n={r['handle_time_n']:,}",
            ]
        )
        row.small = bool(r["small_group"])
        rows.append(row)
    more = ""
    if table.frame.height > top:
        more = (
            f'<p class="note">The {top} largest of {table.frame.height:,} groups; '
            "the CSV export has them all.</p>"
        )
    return f"<h2>{escape(title)}</h2>" + _table(headers, rows) + more


def _share(row: dict, key: str, min_n: int) -> str:
    return escape(
        fmt.share_cell(
            row[key], row[f"{key}_low"], row[f"{key}_high"], row[f"{key}_n"], min_n
        )
    )


def _attainment(report: Report) -> str:
    table = report.over_time
    period = table.by[1]
    frame = table.frame
    totals = frame.group_by(period).agg(pl.col("tickets").sum()).sort(period)
    # Logs often begin with a thin tail of old tickets, so the chart starts at the
    # first period with min_n tickets, or shows every period when none has.
    full = (totals["tickets"] >= report.options.min_n).to_list()
    first = full.index(True) if True in full else 0
    periods = totals[period].to_list()[first:]
    index = {p: i for i, p in enumerate(periods)}
    segments = (
        frame.group_by("segment")
        .agg(pl.col("tickets").sum())
        .sort(["tickets", "segment"], descending=[True, False], nulls_last=True)
        .head(6)["segment"]
        .to_list()
    )
    charts = []
    titles = fmt.target_titles(report.tickets.options.targets)
    for key, name in titles.items():
        series = []
        for segment in segments:
            rows = frame.filter(pl.col("segment").eq_missing(segment))
            points = [
                (index[r[period]], r[key], r[f"{key}_n"])
                for r in rows.iter_rows(named=True)
                if r[period] in index
            ]
            series.append(_svg.Series(fmt.label(segment), points))
        charts.append(
            _svg.line_chart(
                periods,
                series,
                title=f"{name} by {period}, per segment",
                min_n=report.options.min_n,
            )
        )
    return (
        "<h2>Attainment over time per segment</h2>"
        f'<p class="note">{period.capitalize()}s from the first with at least '
        f"{report.options.min_n} tickets; hollow points have fewer than that in the "
        "segment.</p>" + "".join(charts)
    )


def _recommendations(report: Report) -> str:
    result = report.recommendations
    if result is None:
        return (
            '<h2>Recommendations</h2><p class="note">n/a: recommendations need a '
            "policy.</p>"
        )
    settings = result.settings
    titles = fmt.target_titles(report.tickets.options.targets)
    points = [
        _svg.TypePoint(
            name=row.inquiry_type or "(none)",
            escalated=row.escalated,
            one_touch=row.one_touch,
            tickets=row.tickets,
            complexity=row.complexity,
            action=row.action,
        )
        for row in result.rows
        if row.known and row.one_touch is not None and row.escalated is not None
    ]
    chart = _svg.one_touch_chart(
        points,
        _svg.Boundaries(
            settings.move_down_min_one_touch,
            settings.stay_min_one_touch,
            settings.move_down_max_escalation,
            settings.move_up_min_escalation,
        ),
    )
    headers = [
        "Inquiry type",
        "Tickets",
        "One-touch",
        "Escalated",
        "CSAT satisfied",
        "Now at",
        "Decision",
        "Why",
        "Moved share",
        "Cost change",
        "First response, resolution now",
        "At receiving team",
        "Projected change",
    ]
    rows = []
    for row in result.rows:
        if not row.known and row.tickets < settings.min_tickets:
            continue
        projection = row.projection
        decision = row.action.replace("_", " ")
        if row.target_team:
            decision += f" to {row.target_team}"
        rows.append(
            [
                escape(fmt.label(row.inquiry_type)),
                f"{row.tickets:,}",
                escape(
                    fmt.share_cell(
                        row.one_touch,
                        row.one_touch_low,
                        row.one_touch_high,
                        row.one_touch_n,
                        settings.min_tickets,
                    )
                ),
                f"{fmt.percent(row.escalated)} n={row.escalated_n:,}",
                f"{fmt.percent(row.csat_satisfied)} n={row.csat_n:,}",
                escape(row.current_team or "n/a"),
                f'<span class="{row.action}">{escape(decision)}</span>',
                escape(row.reason),
                fmt.percent(row.moved_share) if row.moves else "",
                fmt.money(row.cost_change) if row.moves else "",
                _projection_now(projection),
                _projection_receiving(projection),
                _projection_change(projection),
            ]
        )
    totals = (
        f"<p>Moved to vendors: {result.moved_down_tickets:,} tickets "
        f"({fmt.percent(result.moved_down_share)} of volume). Moved up: "
        f"{result.moved_up_tickets:,} ({fmt.percent(result.moved_up_share)}). Cost of "
        f"the analysed tickets now {result.cost_now:,.0f}, change "
        f"{fmt.money(result.cost_change)}, saved {result.cost_saved:,.0f}. "
        f"{titles['first_response_within']}: "
        f"{fmt.percent(result.first_response_within_now)} now, "
        f"{fmt.percent(result.first_response_within_projected)} projected. "
        f"{titles['resolved_within']}: {fmt.percent(result.resolved_within_now)} now, "
        f"{fmt.percent(result.resolved_within_projected)} projected.</p>"
    )
    assumptions = "".join(f"<li>{escape(text)}</li>" for text in result.assumptions)
    skipped = sum(
        1 for r in result.rows if not r.known and r.tickets < settings.min_tickets
    )
    more = (
        f'<p class="note">{skipped} inquiry types unknown to the policy with fewer '
        f"than {settings.min_tickets} tickets are listed at the end.</p>"
        if skipped
        else ""
    )
    return (
        "<h2>Recommendations</h2>"
        + chart
        + totals
        + _table(headers, rows)
        + more
        + f'<p class="note">Assumptions:</p><ul class="note">{assumptions}</ul>'
    )


def _projection_now(projection: object) -> str:
    if projection is None:
        return ""
    return (
        f"{fmt.percent(projection.first_response_within_now)}, "
        f"{fmt.percent(projection.resolved_within_now)}"
    )


def _projection_receiving(projection: object) -> str:
    if projection is None:
        return ""
    return (
        f"{fmt.percent(projection.first_response_within_receiving)}, "
        f"{fmt.percent(projection.resolved_within_receiving)} "
        f"({escape(projection.basis)}, {projection.basis_tickets:,} tickets)"
    )


def _projection_change(projection: object) -> str:
    if projection is None:
        return ""
    return (
        f"{fmt.points(projection.first_response_change)}, "
        f"{fmt.points(projection.resolved_change)}"
    )


def _flows(report: Report) -> str:
    flow = report.tier_flow
    moves = [
        (r["from_tier"], r["to_tier"], r["tickets"])
        for r in flow.iter_rows(named=True)
        if r["from_tier"] is not None and r["to_tier"] is not None
    ]
    entered = {
        r["to_tier"]: r["tickets"]
        for r in flow.iter_rows(named=True)
        if r["from_tier"] is None
    }
    ended = {
        r["from_tier"]: r["tickets"]
        for r in flow.iter_rows(named=True)
        if r["to_tier"] is None
    }
    tiers = _tier_order(report, set(entered) | set(ended))
    chart = _svg.flow_chart(tiers, moves, entered, ended)
    pairs = [
        [
            escape(r["team_a"]),
            escape(r["team_b"]),
            f"{r['returns']:,}",
            f"{r['tickets']:,}",
        ]
        for r in report.ping_pong_pairs.iter_rows(named=True)
    ]
    pair_table = (
        _table(["Team", "Team", "Returns", "Tickets"], pairs, keys=2)
        if pairs
        else '<p class="note">n/a: no ticket returned to a team it had left, or the '
        "log names no team.</p>"
    )
    team = report.by_team
    rows = []
    for r in team.frame.head(report.options.top).iter_rows(named=True):
        row = _Row(
            [
                escape(fmt.label(r["team"])),
                f"{r['tickets']:,}",
                _share(r, "first_line_resolved", team.min_n),
                _share(r, "escalated", team.min_n),
                _share(r, "ping_pong", team.min_n),
            ]
        )
        row.small = bool(r["small_group"])
        rows.append(row)
    return (
        "<h2>Flow between tiers, escalation and ping-pong</h2>"
        + chart
        + "<h3>Escalation by first team</h3>"
        + _table(
            ["Team", "Tickets", "Resolved at the first line", "Escalated", "Ping-pong"],
            rows,
        )
        + "<h3>Ping-pong hot spots between team pairs</h3>"
        + pair_table
    )


def _tier_order(report: Report, seen: set[str]) -> list[str]:
    policy = report.routed.policy if report.routed is not None else None
    if policy is not None:
        ranks = {tier.id: tier.rank for tier in policy.tiers}
        known = sorted((t for t in seen if t in ranks), key=lambda t: (ranks[t], t))
        return known + sorted(t for t in seen if t not in ranks)
    return sorted(seen)


def _deflection(report: Report) -> str:
    result = report.deflection
    if result is None:
        return '<h2>Deflection</h2><p class="note">n/a: deflection needs a policy.</p>'
    rows = [
        [
            escape(r["inquiry_type"]),
            f"{r['tickets']:,}",
            f"{r['help_center_articles']}",
            escape(
                fmt.share_cell(
                    r["one_touch"],
                    r["one_touch_low"],
                    r["one_touch_high"],
                    r["one_touch_n"],
                    report.options.min_n,
                )
            ),
            f"{r['deflectable_tickets']:,}",
            escape(r["note"]),
        ]
        for r in result.frame.head(report.options.top).iter_rows(named=True)
    ]
    if not result.covered_types:
        return (
            '<h2>Deflection</h2><p class="note">n/a: no inquiry type of the policy '
            "names help_center_articles, so no ticket counts as deflectable.</p>"
        )
    return (
        "<h2>Deflection</h2>"
        f"<p>Self-service could have resolved about {result.deflectable_tickets:,} "
        f"tickets ({fmt.percent(result.deflectable_share)} of all): the one-touch "
        "tickets of types with help-center articles and a one-touch share of at "
        f"least {fmt.percent(result.min_one_touch, 0)}.</p>"
        + _table(
            ["Inquiry type", "Tickets", "Articles", "One-touch", "Deflectable", "Note"],
            rows,
        )
    )


def _drivers(report: Report) -> str:
    trends = report.trends
    if trends.frame.height == 0:
        return (
            '<h2>Contact drivers</h2><p class="note">n/a: no tickets with a '
            f"{escape(trends.by)} in the last weeks.</p>"
        )
    rows = []
    for r in trends.frame.iter_rows(named=True):
        rows.append(
            [
                escape(fmt.label(r["driver"])),
                f"{r['tickets']:,}",
                _svg.sparkline(r["weekly"], rising=r["rising"]),
                fmt.percent(r["growth_per_week"]),
                fmt.number(r["z"]),
                fmt.number(r["q_value"], 4),
                "rising" if r["rising"] else "",
            ]
        )
    return (
        f"<h2>Contact drivers ({escape(trends.by.replace('_', ' '))})</h2>"
        f'<p class="note">The last {len(trends.weeks)} weeks from '
        f"{escape(trends.weeks[0] if trends.weeks else '')}. A driver is rising when "
        "its share of weekly tickets grows: one-sided quasi-Poisson score test on "
        "weekly counts with the weekly total as exposure, Benjamini-Hochberg "
        f"q below {trends.alpha} over the {trends.tested} drivers tested.</p>"
        + _table(
            ["Driver", "Tickets", "Weekly", "Share growth a week", "z", "q", ""], rows
        )
    )


def _waits(report: Report) -> str:
    waits = report.waits
    if waits is None:
        return '<h2>Wait statuses</h2><p class="note">n/a: needs the events.</p>'
    status_rows = [
        [
            escape(r["status"]),
            f"{r['periods']:,}",
            f"{r['tickets']:,}",
            escape(
                fmt.share_cell(
                    r["ticket_share"],
                    r["ticket_share_low"],
                    r["ticket_share_high"],
                    report.tickets.tickets,
                    report.options.min_n,
                )
            ),
            fmt.number(r["median_hours"], 1),
            fmt.number(r["p90_hours"], 1),
            fmt.number(r["total_hours"], 0),
        ]
        for r in waits.by_status.iter_rows(named=True)
    ]
    actor_rows = [
        [
            escape(r["status"]),
            escape(fmt.label(r["actor"])),
            f"{r['periods']:,}",
            f"{r['tickets']:,}",
            escape(
                fmt.share_cell(
                    r["share_of_changes"],
                    r["share_of_changes_low"],
                    r["share_of_changes_high"],
                    r["status_changes"] or 0,
                    report.options.min_n,
                )
            ),
            fmt.number(r["median_hours"], 1),
        ]
        for r in waits.by_actor.iter_rows(named=True)
    ]
    return (
        "<h2>Wait statuses</h2>"
        + _table(
            [
                "Status",
                "Periods",
                "Tickets",
                "Share of tickets",
                "Median h",
                "p90 h",
                "Total h",
            ],
            status_rows,
        )
        + "<h3>Who sets them</h3>"
        + _table(
            [
                "Status",
                "Agent",
                "Periods",
                "Tickets",
                "Share of the agent's status changes",
                "Median h",
            ],
            actor_rows,
            keys=2,
        )
    )


def _unknown_types(report: Report) -> str:
    unknown = report.tickets.unknown_inquiry_types
    if not unknown or not report.tickets.has_policy:
        return ""
    items = ", ".join(f"{escape(name)} ({count:,})" for name, count in unknown.items())
    return (
        "<h2>Inquiry types the policy does not know</h2>"
        f"<p>{len(unknown):,} types, {sum(unknown.values()):,} tickets: {items}</p>"
    )


def _definitions(report: Report) -> str:
    return (
        '<h2>Definitions</h2><ul class="note">'
        "<li>One-touch: solved with at most one public agent reply, no transfer and "
        "no reopen; share of solved tickets.</li>"
        "<li>Resolved at the first line: solved without reaching a tier above the "
        "lowest-ranked tier seen; share of tickets with ranked tiers.</li>"
        "<li>Escalated: moved to a tier of higher rank at least once.</li>"
        "<li>Ping-pong: returned to a team it had left; share of tickets a team "
        "held.</li>"
        "<li>Within target: first response (or final resolution) at or under the "
        "threshold, over tickets that have one or, in calendar time, are still "
        "open past it.</li>"
        "<li>Paused share: paused time over open time.</li></ul>"
    )
