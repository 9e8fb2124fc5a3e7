"""The `simulate` and `staffing` commands: replay past tickets under policies and
staffing plans, infer a plan from a log, and search the fewest agents."""

from __future__ import annotations

from pathlib import Path

import click

from tierdesk.cli import cli, console
from tierdesk.cli._simulate_input import (
    LoadedHistory,
    history_options,
    load_history,
    load_other_policy,
    load_plan,
)
from tierdesk.cli._simulate_output import (
    print_fallbacks,
    print_history,
    print_plan_cost,
    print_routing,
    write_text,
)
from tierdesk.errors import InputError

_FILE = click.Path(dir_okay=False, path_type=Path)


def _run_options(command):  # type: ignore[no-untyped-def]
    options = [
        click.option(
            "--runs",
            default=10,
            show_default=True,
            type=click.IntRange(1),
            help="Replications of each policy; intervals need 2 or more.",
        ),
        click.option(
            "--seed",
            default=0,
            show_default=True,
            type=int,
            help="Seed of the random draws; the same seed gives the same results.",
        ),
        click.option(
            "--scale",
            default=1.0,
            show_default=True,
            type=click.FloatRange(0, min_open=True),
            help="Volume relative to the history, such as 1.5 for 50% more tickets.",
        ),
        click.option(
            "--arrivals",
            type=click.Choice(["replay", "resample"]),
            default="replay",
            show_default=True,
            help="replay: the history's arrivals, scaled; resample: each run draws "
            "its tickets from the history with replacement.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1),
            help="Processes that run replications [default: one per CPU, at most "
            "one per replication].",
        ),
        click.option(
            "--max-stints",
            default=50,
            show_default=True,
            type=click.IntRange(2),
            help="Moves between teams after which a ticket is closed, so that loops in "
            "the learned moves end.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@history_options
@click.option(
    "--candidate",
    "candidate_path",
    type=_FILE,
    help="Candidate policy to compare, such as the one `tierdesk recommend` writes.",
)
@click.option(
    "--staffing",
    "staffing_path",
    required=True,
    type=_FILE,
    help="Staffing plan of the current policy (see docs/simulation.md).",
)
@click.option(
    "--candidate-staffing",
    "candidate_staffing_path",
    type=_FILE,
    help="Staffing plan of the candidate [default: --staffing].",
)
@_run_options
@click.option(
    "--history-routing",
    is_flag=True,
    help="Send each ticket of the current policy to the team that first took it in "
    "the history, instead of routing it; for validating the simulator.",
)
@click.option(
    "--observed",
    is_flag=True,
    help="Add a column with the history's own figures under the current policy.",
)
@click.option("--report", "report_path", type=_FILE, help="Write an HTML report here.")
@click.option(
    "--out",
    "out_path",
    type=_FILE,
    help="Write the comparison, one row per figure and policy: .csv, .jsonl or "
    ".parquet.",
)
def simulate(
    candidate_path: Path | None,
    staffing_path: Path,
    candidate_staffing_path: Path | None,
    runs: int,
    seed: int,
    scale: float,
    arrivals: str,
    workers: int | None,
    max_stints: int,
    history_routing: bool,
    observed: bool,
    report_path: Path | None,
    out_path: Path | None,
    **history_values: object,
) -> None:
    """Replay past tickets under the current and a candidate policy and compare them.

    Prints SLA attainment, first response and resolution times, backlog,
    utilisation, cost and shares per tier, each as the mean of the runs with its
    95% interval.
    """
    from tierdesk.io.tables import check_writable, write_records
    from tierdesk.simulate.checks import check_staffed
    from tierdesk.simulate.compare import (
        build_comparison,
        comparison_records,
        render_comparison,
    )
    from tierdesk.simulate.history import setup_policy
    from tierdesk.simulate.replications import Settings, run_replications
    from tierdesk.simulate.setup import RunOptions

    if report_path is not None and report_path.suffix.lower() not in (".html", ".htm"):
        raise InputError("expected a .html file for --report", file=report_path)
    if out_path is not None:
        check_writable(out_path)
    loaded = load_history(**history_values)  # type: ignore[arg-type]
    plan = load_plan(staffing_path, loaded.policy)
    setups = [
        setup_policy(
            "current",
            loaded.policy,
            plan,
            loaded.history,
            history_teams=history_routing,
        )
    ]
    files = {"current": (str(loaded.policy_path), str(staffing_path))}
    if candidate_path is not None:
        candidate = load_other_policy(candidate_path)
        staffing_file = candidate_staffing_path or staffing_path
        candidate_plan = load_plan(staffing_file, candidate)
        setups.append(
            setup_policy("candidate", candidate, candidate_plan, loaded.history)
        )
        files["candidate"] = (str(candidate_path), str(staffing_file))
    span = loaded.history.span
    for setup in setups:
        policy_file, staffing_file = files[setup.name]
        check_staffed(setup, span, policy_file=policy_file, staffing_file=staffing_file)
    settings = Settings(
        runs=runs,
        seed=seed,
        scale=scale,
        arrivals=arrivals,  # type: ignore[arg-type]
        workers=workers,
        run_options=RunOptions(max_stints=max_stints),
    )
    print_history(loaded)
    for setup in setups:
        print_routing(setup)
    summaries = run_replications(setups, loaded.history.created, settings)
    observed_values = _observed(loaded, setups[0]) if observed else None
    backlog = None
    if observed:
        from tierdesk.simulate.observed import observed_backlog
        from tierdesk.simulate.replications import figure_span

        grid = next(iter(summaries.values()))[0].grid
        backlog = observed_backlog(loaded.history.behaviour, grid)
        low, high = figure_span(loaded.history.created)
        inside = (grid >= low) & (grid <= high)
        observed_values["backlog_peak"] = float(backlog[inside].max())
        observed_values["backlog_mean"] = float(backlog[inside].mean())
    comparison = build_comparison(setups, summaries, settings, observed_values, backlog)
    console.print(
        f"runs: {runs} per policy, seed {seed}, volume {scale:g}x, arrivals "
        f"{arrivals}; "
        "values are means over the runs with 95% t-intervals"
    )
    for line in render_comparison(comparison):
        console.print(line)
    print_fallbacks(comparison)
    if out_path is not None:
        records = comparison_records(comparison)
        write_records(records, out_path, list(records[0]))
        console.print(f"comparison written to {out_path}")
    if report_path is not None:
        from tierdesk.simulate.html import render_report

        sources = [f"history: {loaded.path} ({loaded.records:,} records)"]
        sources += [
            f"{name}: policy {files[name][0]}, staffing {files[name][1]}"
            for name in files
        ]
        text = render_report(
            comparison,
            title="Simulated policies",
            sources=sources,
            problems=loaded.problems,
        )
        write_text(report_path, text)
        console.print(f"report written to {report_path}")


def _observed(loaded: LoadedHistory, setup):  # type: ignore[no-untyped-def]
    from tierdesk.metrics import MetricsOptions
    from tierdesk.simulate.observed import observed_values

    last = max(events[-1].at for events in loaded.histories.values())
    options = MetricsOptions(
        segment_attribute=loaded.segment_attribute,
        priority_attribute=loaded.priority_attribute,
        pause_source_statuses=loaded.pause_source_statuses,
    )
    return observed_values(loaded.histories, setup, last, options)


@cli.group()
def staffing() -> None:
    """Infer staffing plans from a log and search the fewest agents for a goal."""


@staffing.command("infer")
@history_options
@click.option(
    "--out",
    "out_path",
    type=_FILE,
    help="Write the plan as YAML here [default: print it].",
)
def staffing_infer(out_path: Path | None, **history_values: object) -> None:
    """Infer agents and capacity per team from the agents who act in the log.

    Agents: the maximum number of distinct agents that acted for the team in
    one week (UTC), on shift whenever its calendar is open. Capacity: the
    minimum open tickets per agent at which they could hold the maximum number
    of tickets the team held at once.
    """
    from tierdesk.simulate.infer import infer_staffing
    from tierdesk.simulate.staffing import render_staffing

    loaded = load_history(**history_values)  # type: ignore[arg-type]
    plan, evidence = infer_staffing(
        loaded.histories, loaded.policy, loaded.history.behaviour
    )
    if not plan.teams:
        raise InputError(
            "no agent acted for any team of the policy, so no staffing can be inferred",
            file=loaded.path,
        )
    lines = [
        f"# Staffing inferred from {loaded.path.name} for "
        f"{loaded.policy.version_label}."
    ]
    for item in evidence:
        lines.append(
            f"# {item.team}: {item.agents} agents acted in the week of "
            f"{item.busiest_week}; at most {item.max_held} tickets held at once, "
            f"so capacity {item.capacity}."
        )
    text = render_staffing(plan, "\n".join(lines) + "\n")
    if out_path is None:
        console.print(text, end="")
        return
    write_text(out_path, text)
    for line in lines[1:]:
        console.print(line.removeprefix("# "))
    console.print(f"staffing written to {out_path}")


@staffing.command("find")
@history_options
@click.option(
    "--staffing",
    "staffing_path",
    type=_FILE,
    help="Plan whose capacity and cost per agent hour each team keeps [default: "
    "capacity 1, no cost].",
)
@click.option(
    "--clock",
    type=click.Choice(["first_response", "resolution"]),
    default="first_response",
    show_default=True,
    help="Time the goal is about.",
)
@click.option(
    "--within",
    default="8h",
    show_default=True,
    help="Business time within which the goal counts a ticket, such as 8h or 1d.",
)
@click.option(
    "--share",
    default=0.8,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Share of each segment's tickets that must be within the time.",
)
@click.option(
    "--max-agents",
    default=5000,
    show_default=True,
    type=click.IntRange(1),
    help="Maximum agents per team the search tries before it gives up.",
)
@_run_options
@click.option(
    "--out", "out_path", type=_FILE, help="Write the plan found as YAML here."
)
def staffing_find(
    staffing_path: Path | None,
    clock: str,
    within: str,
    share: float,
    max_agents: int,
    runs: int,
    seed: int,
    scale: float,
    arrivals: str,
    workers: int | None,
    max_stints: int,
    out_path: Path | None,
    **history_values: object,
) -> None:
    """Find the fewest agents per team that meet a goal in every segment.

    Starts from Erlang C estimates and searches with the simulator, such as 80%
    of first responses within 8 business hours in each segment.
    """
    from tierdesk.policy.durations import parse_duration
    from tierdesk.simulate.history import setup_policy
    from tierdesk.simulate.outcome import Target
    from tierdesk.simulate.replications import Settings
    from tierdesk.simulate.search import find_staffing
    from tierdesk.simulate.setup import RunOptions
    from tierdesk.simulate.staffing import StaffingPlan, render_staffing

    try:
        within_seconds = parse_duration(within).total_seconds()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--within") from None
    loaded = load_history(**history_values)  # type: ignore[arg-type]
    base = load_plan(staffing_path, loaded.policy) if staffing_path else None
    capacity: dict[str, int] = {}
    rates: dict[str, float] = {}
    for team, entry in (base.teams if base else {}).items():
        groups = entry.agent_groups()
        capacity[team] = groups[0].capacity or 1
        if entry.cost_per_agent_hour is not None:
            rates[team] = entry.cost_per_agent_hour
    empty = StaffingPlan(
        id="search", teams={t.id: _none() for t in loaded.policy.teams}
    )
    setup = setup_policy("current", loaded.policy, empty, loaded.history)
    target = Target(clock=clock, within=within_seconds, share=share)
    settings = Settings(
        runs=runs,
        seed=seed,
        scale=scale,
        arrivals=arrivals,  # type: ignore[arg-type]
        workers=workers,
        run_options=RunOptions(max_stints=max_stints),
    )
    print_history(loaded)
    result = find_staffing(
        setup,
        loaded.history.created,
        target,
        settings,
        capacity=capacity,
        rates=rates,
        max_agents=max_agents,
        progress=console.print,
    )
    goal = f"{share:.0%} of {clock.replace('_', ' ')} within {within} business time"
    console.print("Erlang C starting point (from a run without queues):")
    for estimate in result.estimates:
        console.print(
            f"  {estimate.team}: {estimate.arrivals_per_open_hour:.2f} tickets per "
            "open "
            f"hour, held {estimate.hold_hours:.2f} business hours, load "
            f"{estimate.load:.1f}, capacity {estimate.capacity}: "
            f"{estimate.agents} agents"
        )
    verdict = (
        "meets" if result.met else f"does not meet (tried up to {max_agents} agents)"
    )
    console.print(
        f"plan after {result.evaluations} evaluations {verdict} the goal: {goal}"
    )
    for segment, value in sorted(result.shares.items()):
        console.print(f"  segment {segment}: {value:.1%}")
    print_plan_cost(result)
    if out_path is not None:
        write_text(out_path, render_staffing(result.plan, f"# Goal: {goal}.\n"))
        console.print(f"staffing written to {out_path}")


def _none():  # type: ignore[no-untyped-def]
    from tierdesk.simulate.staffing import TeamStaffing

    return TeamStaffing(agents=0)
