"""Terminal tables and files of the `report` and `recommend` commands."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from tierdesk.analytics import formatting as fmt
from tierdesk.analytics.frame import Targets
from tierdesk.analytics.recommend import Recommendations
from tierdesk.analytics.report import Report
from tierdesk.analytics.tables import GroupTable
from tierdesk.errors import InputError
from tierdesk.io.tables import use_default_mode

_SHOWN = (
    ("csat_satisfied", "CSAT satisfied"),
    ("first_response_within", "First response in target"),
    ("resolved_within", "Resolved in target"),
    ("one_touch", "One-touch"),
    ("escalated", "Escalated"),
    ("ping_pong", "Ping-pong"),
)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file beside `path` and rename it over `path` once it is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=".tmp-", suffix=path.suffix, dir=path.parent
    )
    os.close(handle)
    use_default_mode(temporary)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """Write a table as CSV or Parquet, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        flat = frame.with_columns(
            pl.col(name).cast(pl.List(pl.String)).list.join(" ")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.List)
        )
        write_atomically(path, flat.write_csv)
    elif suffix == ".parquet":
        write_atomically(path, frame.write_parquet)
    else:
        raise InputError(
            f"unsupported output type {suffix or '(none)'!r}; expected .csv or "
            ".parquet",
            file=path,
        )


def write_exports(
    report: Report, directory: Path, formats: tuple[str, ...]
) -> list[Path]:
    """Write every table of the report into `directory`, once per format."""
    written = []
    for name, frame in report.exports().items():
        for extension in formats:
            path = directory / f"{name}.{extension}"
            write_table(frame, path)
            written.append(path)
    return written


def _shown(targets: Targets) -> list[tuple[str, str]]:
    titles = fmt.target_titles(targets)
    return [(key, titles.get(key, title)) for key, title in _SHOWN]


def print_group_table(
    console: Console, table: GroupTable, top: int, targets: Targets
) -> None:
    grid = Table(title=f"By {' and '.join(table.by).replace('_', ' ')}")
    for name in table.by:
        grid.add_column(name.replace("_", " "))
    grid.add_column("Tickets", justify="right")
    grid.add_column("Share", justify="right")
    shown = _shown(targets)
    for _, title in shown:
        grid.add_column(title, justify="right")
    for row in table.frame.head(top).iter_rows(named=True):
        grid.add_row(
            *(fmt.label(row[name]) for name in table.by),
            f"{row['tickets']:,}{'*' if row['small_group'] else ''}",
            fmt.percent(row["share"]),
            *(
                fmt.share_cell(
                    row[key],
                    row[f"{key}_low"],
                    row[f"{key}_high"],
                    row[f"{key}_n"],
                    table.min_n,
                )
                for key, _ in shown
            ),
        )
    console.print(grid)
    if table.frame.height > top:
        console.print(f"(the {top} largest of {table.frame.height:,} groups)")


def print_report(console: Console, report: Report) -> None:
    """Print the key figures, the asked-for tables and each section's headline."""
    console.print(
        f"{report.tickets.tickets:,} tickets, evaluated at {report.now.isoformat()}"
    )
    for note in report.notes:
        console.print(f"note: {note}")
    for table in report.tables:
        print_group_table(
            console, table, report.options.top, report.tickets.options.targets
        )
    deflection = report.deflection
    if deflection is not None and not deflection.covered_types:
        console.print(
            "deflection: n/a, because no inquiry type of the policy names "
            "help_center_articles"
        )
    elif deflection is not None:
        console.print(
            f"deflection: about {deflection.deflectable_tickets:,} tickets "
            f"({fmt.percent(deflection.deflectable_share)}) could have been resolved "
            "by self-service"
        )
    rising = report.trends.frame.filter(pl.col("rising"))
    console.print(
        f"contact drivers by {report.trends.by}: {report.trends.tested} tested over "
        f"{len(report.trends.weeks)} weeks, {rising.height} rising"
        + (
            ": " + ", ".join(fmt.label(name) for name in rising["driver"])
            if rising.height
            else ""
        )
    )
    pairs = report.ping_pong_pairs.head(5)
    if pairs.height:
        console.print(
            "ping-pong hot spots: "
            + "; ".join(
                f"{r['team_a']} <-> {r['team_b']} {r['returns']:,} returns"
                for r in pairs.iter_rows(named=True)
            )
        )
    if report.waits is not None:
        for row in report.waits.by_status.iter_rows(named=True):
            console.print(
                f"wait status {row['status']!r}: {row['periods']:,} periods on "
                f"{row['tickets']:,} tickets ({fmt.percent(row['ticket_share'])}), "
                f"median {fmt.number(row['median_hours'], 1)} h"
            )
    unknown = report.tickets.unknown_inquiry_types
    if unknown and report.tickets.has_policy:
        shown = list(unknown.items())[:10]
        console.print(
            f"inquiry types the policy does not know ({len(unknown):,}): "
            + ", ".join(f"{name} ({count:,})" for name, count in shown)
            + (f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else "")
        )


def print_recommendations(
    console: Console, result: Recommendations, targets: Targets
) -> None:
    grid = Table(title="Recommendations")
    for title in ("Inquiry type", "Tickets", "One-touch", "Escalated", "Now at"):
        grid.add_column(title, justify="left" if title == "Inquiry type" else "right")
    grid.add_column("Decision")
    grid.add_column("Why")
    grid.add_column("Moved", justify="right")
    grid.add_column("Cost change", justify="right")
    grid.add_column("Projected change (FR, resolution)", justify="right")
    for row in result.rows:
        if not row.known:
            continue
        decision = row.action.replace("_", " ")
        if row.target_team:
            decision += f" to {row.target_team}"
        projection = row.projection
        grid.add_row(
            row.inquiry_type or "(none)",
            f"{row.tickets:,}",
            fmt.share_cell(
                row.one_touch,
                row.one_touch_low,
                row.one_touch_high,
                row.one_touch_n,
                result.settings.min_tickets,
            ),
            f"{fmt.percent(row.escalated)} n={row.escalated_n:,}",
            row.current_team or "n/a",
            decision,
            row.reason,
            fmt.percent(row.moved_share) if row.moves else "",
            fmt.money(row.cost_change) if row.moves else "",
            (
                f"{fmt.points(projection.first_response_change)}, "
                f"{fmt.points(projection.resolved_change)} ({projection.basis})"
                if projection is not None
                else ""
            ),
        )
    console.print(grid)
    console.print(
        f"moved to vendors: {result.moved_down_tickets:,} tickets "
        f"({fmt.percent(result.moved_down_share)} of volume); moved up: "
        f"{result.moved_up_tickets:,} ({fmt.percent(result.moved_up_share)})"
    )
    console.print(
        f"cost of the analysed tickets: {result.cost_now:,.0f} now, change "
        f"{fmt.money(result.cost_change)}, saved {result.cost_saved:,.0f}"
    )
    titles = fmt.target_titles(targets)
    console.print(
        f"{titles['first_response_within'].lower()}: "
        f"{fmt.percent(result.first_response_within_now)} now, "
        f"{fmt.percent(result.first_response_within_projected)} projected; "
        f"{titles['resolved_within'].lower()}: "
        f"{fmt.percent(result.resolved_within_now)} now, "
        f"{fmt.percent(result.resolved_within_projected)} projected"
    )
    unknown = result.unknown_inquiry_types
    if unknown:
        shown = list(unknown.items())[:10]
        console.print(
            f"n/a for {len(unknown):,} inquiry types the policy does not know: "
            + ", ".join(f"{name} ({count:,})" for name, count in shown)
            + (f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else "")
        )
    for note in result.notes:
        console.print(f"note: {note}")
    for text in result.assumptions:
        console.print(f"assumption: {text}")
