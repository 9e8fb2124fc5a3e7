"""Output of the `simulate` and `staffing` commands: the history, routing notes,
fallback counts, plans and files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from tierdesk.cli import console
from tierdesk.cli._simulate_input import LoadedHistory
from tierdesk.errors import InputError
from tierdesk.simulate.compare import Comparison
from tierdesk.simulate.search import SearchResult
from tierdesk.simulate.setup import PolicySetup


def print_history(loaded: LoadedHistory) -> None:
    history = loaded.history
    first, last = history.span
    stints = len(history.behaviour.stints)
    console.print(
        f"{loaded.path}: {loaded.records:,} records, {len(history.tickets):,} tickets "
        f"arriving from {_date(first)} to {_date(last)}; {stints:,} stints learned"
    )
    if loaded.problems:
        console.print(f"input problems: {len(loaded.problems)}")
        for line in loaded.problems:
            console.print(f"  {line}")
    else:
        console.print("input problems: none")


def print_routing(setup: PolicySetup) -> None:
    routed = setup.routed
    if routed.unknown_inquiry_types:
        count = sum(routed.unknown_inquiry_types.values())
        values = len(routed.unknown_inquiry_types)
        console.print(
            f"{setup.name}: {count:,} tickets ({values:,} values) have an inquiry type "
            f"policy {setup.policy.version_label} does not list; they are routed as "
            f"{routed.stand_in!r}"
        )
    if routed.unknown_priorities:
        listed = ", ".join(
            f"{value!r} ({count})"
            for value, count in routed.unknown_priorities.most_common(5)
        )
        console.print(
            f"{setup.name}: priorities the policy does not list got its default "
            f"{setup.policy.default_priority!r}: {listed}"
        )


def print_fallbacks(comparison: Comparison) -> None:
    from tierdesk.simulate.behaviour import FALLBACKS

    for setup in comparison.setups:
        runs = comparison.summaries[setup.name]
        draws: dict[int, int] = {}
        for run in runs:
            for level, count in run.fallback_draws.items():
                draws[level] = draws.get(level, 0) + count
        if draws:
            total = sum(draws.values()) / len(runs)
            levels = ", ".join(
                f"{'/'.join(FALLBACKS[level])} {count / len(runs):,.0f}"
                for level, count in sorted(draws.items())
            )
            console.print(
                f"{setup.name}: {total:,.0f} stint draws per run came from a broader "
                f"pool than their inquiry type, team and phase: {levels}"
            )


def _date(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")


def write_text(path: Path, text: str) -> None:
    """Write next to the target and rename, so a failed write leaves no half file."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror}", file=path) from None


def print_plan_cost(result: SearchResult) -> None:
    from tierdesk.simulate.replications import intervals

    figures = intervals(result.summaries)
    for team, entry in result.plan.teams.items():
        hours = figures.get(f"agent_hours:{team}")
        rate = entry.cost_per_agent_hour
        cost = (
            f", {hours.mean * rate:,.2f} at {rate:g} per agent hour"
            if rate and hours
            else ""
        )
        shown = f"{hours.mean:,.0f} agent hours" if hours else "no agent hours"
        console.print(
            f"  {team}: {entry.agents} agent{'' if entry.agents == 1 else 's'}, "
            f"capacity {entry.capacity}: {shown}{cost}"
        )
    cost = figures.get("cost_per_ticket")
    total = figures.get("staff_cost_total")
    if total is not None:
        console.print(f"staff cost in total: {total.mean:,.2f}")
    if cost is not None:
        console.print(f"handling cost per ticket: {cost.mean:,.2f}")
