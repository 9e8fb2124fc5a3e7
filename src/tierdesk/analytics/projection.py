"""Projected attainment after a move, from the receiving team's past work."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tierdesk.analytics.frame import TicketFrame
from tierdesk.analytics.routes import RoutedTickets
from tierdesk.policy.model import Policy

_SUMS = (
    "first_response_within_k",
    "first_response_within_n",
    "resolved_within_k",
    "resolved_within_n",
)


@dataclass(frozen=True)
class Projection:
    """Attainment of the moved tickets now and at the receiving team.

    `basis` names the receiving team's tickets the rates come from; the changes
    are in the share of all tickets, as fractions (0.01 is one point).
    """

    basis: str
    basis_tickets: int
    first_response_within_now: float | None
    first_response_within_now_n: int
    first_response_within_receiving: float | None
    first_response_within_receiving_n: int
    resolved_within_now: float | None
    resolved_within_now_n: int
    resolved_within_receiving: float | None
    resolved_within_receiving_n: int
    first_response_change: float | None
    resolved_change: float | None


@dataclass(frozen=True)
class ProjectionInputs:
    """Per-ticket attainment flags with each ticket's rule, team and complexity."""

    frame: pl.DataFrame
    policy: Policy
    min_tickets: int

    @classmethod
    def build(
        cls, tickets: TicketFrame, routed: RoutedTickets, min_tickets: int
    ) -> ProjectionInputs:
        frame = tickets.frame.select("inquiry_type", *_SUMS).with_columns(
            routed.frame.select("rule", "first_team", "complexity")
        )
        return cls(frame, routed.policy, min_tickets)

    def overall(self) -> tuple[float | None, float | None]:
        sums = _sums(self.frame)
        return (
            _share(sums["first_response_within_k"], sums["first_response_within_n"]),
            _share(sums["resolved_within_k"], sums["resolved_within_n"]),
        )


def project_attainment(
    inputs: ProjectionInputs,
    moved: pl.Expr,
    inquiry_type: str | None,
    complexity: str | None,
    team: str | None,
) -> Projection:
    """Project the overall attainment if the `moved` tickets perform as `team` does."""
    frame = inputs.frame
    now = _sums(frame.filter(moved))
    at_team = pl.col("first_team") == team
    bases = (
        (
            f"{inquiry_type} at {team}",
            at_team & (pl.col("inquiry_type") == inquiry_type),
        ),
        (
            f"{complexity} types at {team}",
            at_team & (pl.col("complexity") == complexity),
        ),
        (f"all tickets of {team}", at_team),
    )
    basis, basis_frame = "none", None
    for label, condition in bases:
        candidate = frame.filter(condition)
        if candidate.height >= inputs.min_tickets:
            basis, basis_frame = label, candidate
            break
    receiving = (
        _sums(basis_frame) if basis_frame is not None else dict.fromkeys(_SUMS, 0)
    )
    total = _sums(frame)

    def change(name: str) -> float | None:
        rate = _share(receiving[f"{name}_k"], receiving[f"{name}_n"])
        if rate is None or total[f"{name}_n"] == 0:
            return None
        moved_n, moved_k = now[f"{name}_n"], now[f"{name}_k"]
        return (rate * moved_n - moved_k) / total[f"{name}_n"]

    return Projection(
        basis=basis,
        basis_tickets=basis_frame.height if basis_frame is not None else 0,
        first_response_within_now=_share(
            now["first_response_within_k"], now["first_response_within_n"]
        ),
        first_response_within_now_n=now["first_response_within_n"],
        first_response_within_receiving=_share(
            receiving["first_response_within_k"], receiving["first_response_within_n"]
        ),
        first_response_within_receiving_n=receiving["first_response_within_n"],
        resolved_within_now=_share(now["resolved_within_k"], now["resolved_within_n"]),
        resolved_within_now_n=now["resolved_within_n"],
        resolved_within_receiving=_share(
            receiving["resolved_within_k"], receiving["resolved_within_n"]
        ),
        resolved_within_receiving_n=receiving["resolved_within_n"],
        first_response_change=change("first_response_within"),
        resolved_change=change("resolved_within"),
    )


def _sums(frame: pl.DataFrame) -> dict[str, int]:
    row = frame.select(pl.col(name).sum() for name in _SUMS).row(0, named=True)
    return {name: int(value or 0) for name, value in row.items()}


def _share(count: int, n: int) -> float | None:
    return count / n if n else None
