"""Evaluate many clocks at once from stretches: elapsed and paused time, due and
warning times, and status.

A clock is a group of stretches. Its counted time is the stretches that are not
paused, measured in open business seconds or in calendar seconds. The due time
is where the counted time reaches the target: inside the stretch that crosses
it, or, when no stretch has, projected from the clock's last instant in the
calendar of the team holding the ticket then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from tierdesk._sla_timeline import LAST, PAUSED, StretchArrays
from tierdesk.calendar import BusinessCalendar

# Seconds below which two amounts of counted time are taken as equal.
TOLERANCE = 1e-6


class StatusCode(IntEnum):
    NONE = 0  # no target applies
    MET = 1
    BREACHED = 2
    RUNNING = 3
    PAUSED = 4


@dataclass(frozen=True)
class Timing:
    """Open business seconds of each stretch and the calendar they were counted in."""

    business: NDArray[np.float64]
    calendar_index: NDArray[np.int64]
    calendars: Sequence[BusinessCalendar]


@dataclass(frozen=True)
class ClockColumns:
    """One clock per group; times in epoch seconds, NaN where there is none.

    `due_team` and `due_tier` are the codes of the team and tier holding the
    ticket when the due time is (or was) reached: for a breached clock, the one
    that used up the last of the target.
    """

    ticket: NDArray[np.int64]
    target: NDArray[np.float64]
    business_time: NDArray[np.bool_]
    started: NDArray[np.float64]
    stopped: NDArray[np.float64]
    elapsed_business: NDArray[np.float64]
    elapsed_calendar: NDArray[np.float64]
    paused: NDArray[np.float64]
    used: NDArray[np.float64]
    due: NDArray[np.float64]
    warning: NDArray[np.float64]
    due_team: NDArray[np.int64]
    due_tier: NDArray[np.int64]
    last_team: NDArray[np.int64]
    last_tier: NDArray[np.int64]
    status: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.ticket)

    @property
    def remaining(self) -> NDArray[np.float64]:
        return self.target - self.used


def evaluate_clocks(
    stretches: StretchArrays,
    tiers: NDArray[np.int64],
    timing: Timing,
    group: NDArray[np.int64],
    target: NDArray[np.float64],
    business_time: NDArray[np.bool_],
    warning_share: float,
) -> ClockColumns:
    """Evaluate the clocks that `group` (one code per stretch, -1 for none) defines.

    Every group from 0 to len(target) - 1 must have at least one stretch.
    `tiers` is the resolved tier code of each stretch.
    """
    count = len(target)
    if count == 0:
        return _empty(target, business_time)
    members = np.flatnonzero(group >= 0)
    order = members[np.argsort(group[members], kind="stable")]
    g = group[order]
    # `g` is sorted, so its distinct values start where it changes.
    if len(g) == 0 or np.count_nonzero(g[1:] != g[:-1]) + 1 != count:
        raise ValueError("every clock group needs at least one stretch")
    start = stretches.start[order]
    end = stretches.end[order]
    flags = stretches.flags[order]
    counted = (flags & PAUSED) == 0
    calendar_seconds = end - start
    business = timing.business[order]

    elapsed_business = np.bincount(g, business * counted, count)
    elapsed_calendar = np.bincount(g, calendar_seconds * counted, count)
    paused = np.bincount(g, calendar_seconds * ~counted, count)
    by_business = business_time[g]
    amount = np.where(by_business, business, calendar_seconds) * counted
    used = np.where(business_time, elapsed_business, elapsed_calendar)

    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    last = np.r_[first[1:] - 1, len(g) - 1]
    running = (flags[last] & LAST) != 0
    paused_now = running & ((flags[last] & PAUSED) != 0)
    stopped = np.where(running, np.nan, end[last])

    total = np.cumsum(amount)
    before = total - amount
    before = before - before[first][g]

    walk = _Walk(stretches, timing, order, g, before, amount, business_time)
    last_instant = end[last]
    due, due_stretch = walk.reach(target, used, last, last_instant, paused_now)
    warning, _ = walk.reach(
        target * warning_share, used, last, last_instant, paused_now
    )
    known = due_stretch >= 0
    due_team = np.full(count, -1, dtype=np.int64)
    due_tier = np.full(count, -1, dtype=np.int64)
    due_team[known] = stretches.team[due_stretch[known]]
    due_tier[known] = tiers[due_stretch[known]]

    has_target = ~np.isnan(target)
    breached = has_target & (used > target)
    status = np.full(count, StatusCode.NONE, dtype=np.int8)
    status[has_target & running] = StatusCode.RUNNING
    status[has_target & paused_now] = StatusCode.PAUSED
    status[has_target & ~running] = StatusCode.MET
    status[breached] = StatusCode.BREACHED

    return ClockColumns(
        ticket=stretches.ticket[order[first]],
        target=target,
        business_time=business_time,
        started=start[first],
        stopped=stopped,
        elapsed_business=elapsed_business,
        elapsed_calendar=elapsed_calendar,
        paused=paused,
        used=used,
        due=due,
        warning=warning,
        due_team=due_team,
        due_tier=due_tier,
        last_team=stretches.team[order[last]],
        last_tier=tiers[order[last]],
        status=status,
    )


def _empty(
    target: NDArray[np.float64], business_time: NDArray[np.bool_]
) -> ClockColumns:
    times = np.empty(0)
    codes = np.empty(0, dtype=np.int64)
    return ClockColumns(
        ticket=codes,
        target=target,
        business_time=business_time,
        started=times,
        stopped=times,
        elapsed_business=times,
        elapsed_calendar=times,
        paused=times,
        used=times,
        due=times,
        warning=times,
        due_team=codes,
        due_tier=codes,
        last_team=codes,
        last_tier=codes,
        status=np.empty(0, dtype=np.int8),
    )


@dataclass(frozen=True)
class _Walk:
    """The member stretches of every clock, sorted by clock, with counted time."""

    stretches: StretchArrays
    timing: Timing
    order: NDArray[np.int64]  # index of each member stretch among all stretches
    group: NDArray[np.int64]
    before: NDArray[np.float64]  # the clock's counted time before the stretch
    amount: NDArray[np.float64]  # the stretch's counted time
    business_time: NDArray[np.bool_]

    def reach(
        self,
        threshold: NDArray[np.float64],
        used: NDArray[np.float64],
        last: NDArray[np.int64],
        last_instant: NDArray[np.float64],
        paused_now: NDArray[np.bool_],
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Return when each clock's counted time reaches `threshold`, and the
        stretch (among all stretches) of the team and tier holding the ticket then.
        """
        count = len(threshold)
        when = np.full(count, np.nan)
        stretch = np.full(count, -1, dtype=np.int64)
        level = threshold[self.group]
        # Counted time only grows, so one stretch of a clock crosses the level.
        # Sums of many stretches may be off by rounding, so a stretch ending
        # within TOLERANCE of the level crosses it, and the first one counts.
        cross = np.flatnonzero(
            (self.amount > 0)
            & (self.before < level)
            & (self.before + self.amount >= level - TOLERANCE)
        )
        # Members are sorted by clock, so a clock's first crossing is where the
        # clock changes.
        crossing = self.group[cross]
        cross = (
            cross[np.r_[True, crossing[1:] != crossing[:-1]]] if len(cross) else cross
        )
        crossed = self.group[cross]
        stretch[crossed] = self.order[cross]
        when[crossed] = self._add(
            self.stretches.start[self.order[cross]],
            level[cross] - self.before[cross],
            self.order[cross],
            crossed,
        )
        # A clock short of the threshold is projected from its last instant,
        # unless it is paused now: then its due time is unknown until it resumes.
        short = ~np.isnan(threshold) & (used < threshold - TOLERANCE) & ~paused_now
        short[crossed] = False
        pending = np.flatnonzero(short)
        stretch[pending] = self.order[last[pending]]
        when[pending] = self._add(
            last_instant[pending],
            threshold[pending] - used[pending],
            self.order[last[pending]],
            pending,
        )
        return when, stretch

    def _add(
        self,
        starts: NDArray[np.float64],
        amounts: NDArray[np.float64],
        stretch: NDArray[np.int64],
        clocks: NDArray[np.int64],
    ) -> NDArray[np.float64]:
        """Add counted time to instants, each in the calendar of its stretch."""
        result = starts + amounts
        business = self.business_time[clocks]
        calendar_index = self.timing.calendar_index[stretch]
        for index, calendar in enumerate(self.timing.calendars):
            chosen = business & (calendar_index == index)
            if chosen.any():
                result[chosen] = calendar.add_seconds(starts[chosen], amounts[chosen])
        return result
