"""The `report` and `recommend` commands: analytics over measured tickets."""

from __future__ import annotations

from pathlib import Path

import click

from tierdesk.cli import cli, console
from tierdesk.cli._report_input import input_options, load_input
from tierdesk.errors import InputError


def _groupings(values: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    groupings = []
    for value in values:
        names = tuple(part.strip() for part in value.split(",") if part.strip())
        if not 1 <= len(names) <= 2:
            raise click.BadParameter(
                f"{value!r}: expected one dimension or two separated by a comma, "
                "such as segment,inquiry_type"
            )
        groupings.append(names)
    return tuple(groupings)


@cli.command()
@input_options
@click.option(
    "--by",
    "by_values",
    multiple=True,
    help="Dimension, or two separated by a comma, to tabulate: inquiry_type, "
    "segment, team, tier, channel, month, week or any metrics column. Repeatable "
    "[default: each of the six dimensions].",
)
@click.option(
    "--all-pairs", is_flag=True, help="Also tabulate every pair of the six dimensions."
)
@click.option(
    "--top",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help="Rows of each table shown, and length of the ranked lists.",
)
@click.option(
    "--trend-by",
    default="inquiry_type",
    show_default=True,
    help="Dimension or column whose values are the contact drivers.",
)
@click.option(
    "--trend-weeks",
    default=12,
    show_default=True,
    type=click.IntRange(3),
    help="Weeks, ending with the last week of the data, that the trend test reads.",
)
@click.option(
    "--alpha",
    default=0.05,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="False discovery rate below which a driver counts as rising.",
)
@click.option(
    "--wait-status",
    "wait_statuses",
    multiple=True,
    help="Raw status to analyse as a wait, such as 'Wait - User'. Repeatable "
    "[default: every raw status that maps to pending or on_hold].",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every table here, one file per table.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["csv", "parquet"]),
    multiple=True,
    help="File format of --out-dir; repeat for both [default: csv].",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report as one self-contained HTML page here.",
)
@click.option("--title", default="Support report", show_default=True, help="Title.")
def report(
    by_values: tuple[str, ...],
    all_pairs: bool,
    top: int,
    trend_by: str,
    trend_weeks: int,
    alpha: float,
    wait_statuses: tuple[str, ...],
    out_dir: Path | None,
    formats: tuple[str, ...],
    html_path: Path | None,
    title: str,
    **input_values: object,
) -> None:
    """Tabulate volume, CSAT, attainment, one-touch and more by dimension.

    Also estimates deflection, tests contact drivers for a rising trend, and
    lists escalation, ping-pong and wait statuses. Shares show their 95% Wilson
    interval and n; n/a means no ticket to compute a share over.
    """
    from tierdesk.analytics.html import render_html
    from tierdesk.analytics.report import ReportOptions, build_report
    from tierdesk.cli._report_output import (
        print_report,
        write_atomically,
        write_exports,
    )

    if html_path is not None and html_path.suffix.lower() not in (".html", ".htm"):
        raise InputError("expected a .html file for --html", file=html_path)
    groupings = _groupings(by_values)
    extra = tuple({name for by in groupings for name in by} | {trend_by})
    loaded = load_input(extra_columns=extra, **input_values)
    options = ReportOptions(
        by=groupings or ReportOptions().by,
        all_pairs=all_pairs,
        min_n=int(input_values["min_n"]),  # type: ignore[call-overload]
        top=top,
        trend_by=trend_by,
        trend_weeks=trend_weeks,
        alpha=alpha,
        wait_statuses=wait_statuses or None,
    )
    columns = loaded.tickets.frame.columns
    for name in {name for by in options.by for name in by} | {trend_by}:
        if name not in columns:
            raise InputError(
                f"unknown dimension or column {name!r}; expected inquiry_type, "
                "segment, team, tier, channel, month, week or a metrics column"
            )
    result = build_report(
        loaded.tickets,
        loaded.now,
        policy=loaded.policy,
        events=loaded.events,
        options=options,
        title=title,
    )
    print_report(console, result)
    if out_dir is not None:
        written = write_exports(result, out_dir, formats or ("csv",))
        console.print(f"{len(written)} tables written to {out_dir}")
    if html_path is not None:
        page = render_html(result, source=loaded.source)
        write_atomically(
            html_path, lambda path: path.write_text(page, encoding="utf-8")
        )
        console.print(f"report written to {html_path}")


@cli.command()
@input_options
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the recommendation table here: .csv or .parquet.",
)
@click.option(
    "--write-policy",
    "policy_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the candidate policy, with the moves applied to its routing rules, "
    "here (YAML).",
)
@click.option(
    "--candidate-version",
    help="Version of the candidate policy [default: the policy's version followed "
    "by -candidate].",
)
def recommend(
    out_path: Path | None,
    policy_out: Path | None,
    candidate_version: str | None,
    **input_values: object,
) -> None:
    """Recommend which inquiry types move down to vendors or up to in-house teams.

    The thresholds come from the policy's `recommendations` section. Each
    decision shows the figures and thresholds behind it, the share of volume it
    moves, and the projected changes of cost and attainment.
    """
    from tierdesk.analytics.candidate import build_candidate, moves_of
    from tierdesk.analytics.recommend import recommend as recommend_types
    from tierdesk.analytics.report import recommendation_frame
    from tierdesk.analytics.routes import route_tickets
    from tierdesk.analytics.tables import group_table
    from tierdesk.cli._report_output import (
        print_recommendations,
        write_atomically,
        write_table,
    )

    if input_values["policy_path"] is None:
        raise InputError(
            "recommend needs --policy, which gives the teams, costs and thresholds"
        )
    for path, suffixes in (
        (out_path, (".csv", ".parquet")),
        (policy_out, (".yaml", ".yml")),
    ):
        if path is not None and path.suffix.lower() not in suffixes:
            raise InputError(
                f"unsupported output type {path.suffix or '(none)'!r}; expected "
                f"{' or '.join(suffixes)}",
                file=path,
            )
    loaded = load_input(**input_values)
    policy = loaded.policy
    assert policy is not None
    types = group_table(
        loaded.tickets,
        ("inquiry_type",),
        min_n=int(input_values["min_n"]),  # type: ignore[call-overload]
    )
    result = recommend_types(
        loaded.tickets, types, route_tickets(loaded.tickets, policy), policy
    )
    print_recommendations(console, result, loaded.tickets.options.targets)
    if out_path is not None:
        write_table(recommendation_frame(result), out_path)
        console.print(f"recommendations written to {out_path}")
    if policy_out is not None:
        candidate = build_candidate(
            policy, moves_of(result.rows), version=candidate_version
        )
        text = candidate.text
        write_atomically(
            policy_out, lambda path: path.write_text(text, encoding="utf-8")
        )
        console.print(
            f"candidate policy {candidate.policy.version_label} with "
            f"{len(candidate.moves)} moves written to {policy_out}"
        )
