"""Input of the `simulate` and `staffing` commands: a log, its mapping, a policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tierdesk.errors import InputError
from tierdesk.events import Event
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import LearningOptions
from tierdesk.simulate.history import HistoryInput
from tierdesk.simulate.staffing import StaffingPlan

_FILE = click.Path(dir_okay=False, path_type=Path)

_HISTORY_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--history",
        "history_path",
        required=True,
        type=_FILE,
        help="Event log of past tickets (.csv, .xes or .xes.gz) to replay.",
    ),
    click.option(
        "--mapping",
        "mapping_path",
        required=True,
        type=_FILE,
        help="Mapping file that defines how the log's columns and statuses become "
        "events.",
    ),
    click.option(
        "--policy",
        "policy_path",
        required=True,
        type=_FILE,
        help="The current policy: its team patterns name the log's teams, and it is "
        "the first policy simulated.",
    ),
    click.option(
        "--inquiry-type-attribute",
        default="inquiry_type",
        show_default=True,
        help="Event attribute that gives the inquiry type, such as product.",
    ),
    click.option(
        "--segment-attribute",
        default="segment",
        show_default=True,
        help="Event attribute that gives the segment; without it, segment rules "
        "decide from the event attributes named like account attributes.",
    ),
    click.option(
        "--priority-attribute",
        default="priority",
        show_default=True,
        help="Event attribute that gives the priority, matched ignoring case.",
    ),
    click.option(
        "--queued-status",
        "queued_statuses",
        multiple=True,
        help="Raw status that means the ticket waits in a team's queue for an agent, "
        "such as 'Awaiting Assignment'. Repeatable [default: none, so a ticket "
        "waits only while it has no agent or is new].",
    ),
    click.option(
        "--min-samples",
        default=20,
        show_default=True,
        type=click.IntRange(1),
        help="Minimum number of historical stints of an inquiry type at a team for "
        "its own behaviour to be used instead of a broader pool's.",
    ),
]


def history_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_HISTORY_OPTIONS):
        command = option(command)
    return command


@dataclass(frozen=True)
class LoadedHistory:
    """The imported log, its histories, the current policy and the prepared replay."""

    path: Path
    histories: dict[str, list[Event]]
    policy: Policy
    policy_path: Path
    history: HistoryInput
    pause_source_statuses: list[str] | None
    segment_attribute: str
    priority_attribute: str
    records: int
    problems: list[str]


def load_history(
    history_path: Path,
    mapping_path: Path,
    policy_path: Path,
    inquiry_type_attribute: str,
    segment_attribute: str,
    priority_attribute: str,
    queued_statuses: tuple[str, ...],
    min_samples: int,
) -> LoadedHistory:
    """Import the log, load the current policy and learn the behaviour."""
    from tierdesk.events import check_named_fields, group_by_ticket
    from tierdesk.importers import import_event_log, load_mapping
    from tierdesk.policy import load_policy
    from tierdesk.simulate.history import prepare_history
    from tierdesk.simulate.routes import ReplayFields

    mapping = load_mapping(mapping_path)
    policy = load_policy(policy_path).policy
    imported = import_event_log(history_path, mapping)
    if not imported.events:
        raise InputError("the log has no events to replay", file=history_path)
    named_attributes = {
        "--inquiry-type-attribute": ("inquiry_type", inquiry_type_attribute),
        "--segment-attribute": ("segment", segment_attribute),
        "--priority-attribute": ("priority", priority_attribute),
    }
    check_named_fields(
        imported.events,
        named_attributes,
        {"--queued-status": queued_statuses},
        file=history_path,
    )
    histories = group_by_ticket(imported.events)
    problems = imported.report.problems()
    history = prepare_history(
        histories,
        policy,
        ReplayFields(
            inquiry_type=inquiry_type_attribute,
            segment=segment_attribute,
            priority=priority_attribute,
        ),
        LearningOptions(
            pause_source_statuses=mapping.pause_statuses or None,
            queued_statuses=queued_statuses,
            min_samples=min_samples,
        ),
        problems,
    )
    return LoadedHistory(
        path=history_path,
        histories=histories,
        policy=policy,
        policy_path=policy_path,
        history=history,
        pause_source_statuses=list(mapping.pause_statuses) or None,
        segment_attribute=segment_attribute,
        priority_attribute=priority_attribute,
        records=imported.report.records_read,
        problems=history.problems,
    )


def load_plan(path: Path, policy: Policy) -> StaffingPlan:
    """Load a staffing file and check its teams against the policy."""
    from tierdesk.simulate.staffing import check_staffing, load_staffing

    plan = load_staffing(path)
    check_staffing(plan, policy, str(path))
    return plan


def load_other_policy(path: Path) -> Policy:
    from tierdesk.policy import load_policy

    return load_policy(path).policy
