"""The `calendar show` command: a policy's weekly hours and every holiday."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from tierdesk.cli import cli, console
from tierdesk.errors import InputError


@cli.group()
def calendar() -> None:
    """Show the business calendars of a policy."""


@calendar.command("show")
@click.argument(
    "policy_path", metavar="POLICY", type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--calendar",
    "calendar_id",
    help="Show only the calendar with this id [default: every calendar].",
)
@click.option(
    "--year",
    type=click.IntRange(1900, 2200),
    help="Year whose holidays to list [default: the current year].",
)
def calendar_show(policy_path: Path, calendar_id: str | None, year: int | None) -> None:
    """List the weekly hours and every holiday, explicit and from feeds, by date."""
    import holidays as holiday_data

    from tierdesk.calendar import BusinessCalendar
    from tierdesk.policy import load_policy
    from tierdesk.policy.calendars import WEEKDAYS

    policy = load_policy(policy_path).policy
    year = year or dt.datetime.now(dt.UTC).year
    specs = policy.calendars
    if calendar_id is not None:
        specs = [spec for spec in specs if spec.id == calendar_id]
        if not specs:
            known = ", ".join(policy.calendars_by_id) or "(none)"
            raise InputError(
                f"--calendar: unknown calendar {calendar_id!r}; expected one of: "
                f"{known}",
                file=policy_path,
            )
    if not specs:
        console.print(
            f"{policy_path}: policy {policy.version_label} defines no calendars, "
            "so every team is open 24x7"
        )
        return
    for number, spec in enumerate(specs):
        if number:
            console.print("")
        teams = [t.id for t in policy.teams if t.calendar == spec.id]
        slas = [s.id for s in policy.sla_policies if s.calendar == spec.id]
        console.print(f"calendar {spec.id} ({spec.name}), timezone {spec.timezone}")
        console.print(f"used by teams: {', '.join(teams) or '(none)'}")
        if slas:
            console.print(f"used by SLA policies: {', '.join(slas)}")
        minutes = sum(
            interval.end - interval.start
            for intervals in spec.hours.values()
            for interval in intervals
        )
        console.print(f"weekly hours ({minutes / 60:g} h a week):")
        for index, day in enumerate(WEEKDAYS):
            intervals = spec.intervals_on(index)
            shown = ", ".join(str(interval) for interval in intervals) or "closed"
            overnight = any(interval.end > 24 * 60 for interval in intervals)
            note = " (into the next day)" if overnight else ""
            console.print(f"  {day}  {shown}{note}")

        explicit = {
            day
            for holiday in spec.holidays
            for day in holiday.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
        }
        feeds = []
        for feed in spec.holiday_feeds:
            days = holiday_data.country_holidays(
                feed.country,
                subdiv=feed.subdivision,
                years=year,
                observed=feed.observed,
            )
            label = feed.country + (f"-{feed.subdivision}" if feed.subdivision else "")
            feeds.append((f"feed {label}", set(days)))
        closed = BusinessCalendar(spec).holidays(year, year)
        console.print(f"holidays in {year} ({len(closed)}):")
        for day, name in closed:
            sources = ["explicit"] if day in explicit else []
            sources += [label for label, days in feeds if day in days]
            console.print(
                f"  {day.isoformat()} {day.strftime('%a')}  {name}  "
                f"({', '.join(sources)})"
            )
        if not closed:
            console.print("  (none)")
