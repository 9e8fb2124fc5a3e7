"""Parse log timestamps into timezone-aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tierdesk.calendar import MAX_YEAR, MIN_YEAR
from tierdesk.errors import InputError
from tierdesk.importers.report import ImportReport


class TimestampParser:
    """Parse one column's timestamps, applying the mapping's timezone to naive ones."""

    def __init__(
        self,
        *,
        file: str,
        column: str,
        zone: ZoneInfo | None,
        format: str | None,
        report: ImportReport,
    ) -> None:
        self._file = file
        self._column = column
        self._zone = zone
        self._format = format
        self._report = report

    def parse(self, text: str, number: int) -> datetime | None:
        """Return the time in `text`, or None (recorded in the report) if unreadable.

        Raises InputError for a time without a UTC offset when the mapping sets
        no timezone, because guessing one would shift every duration.
        """
        try:
            if self._format is None:
                value = datetime.fromisoformat(text)
            else:
                value = datetime.strptime(text, self._format)  # noqa: DTZ007
        except ValueError:
            self._report.unparseable_timestamps.append(number)
            return None
        if value.tzinfo is not None:
            return self._checked(value, text, number)
        if self._zone is None:
            raise InputError(
                f"timestamp {text!r} has no UTC offset; set timestamps.timezone in "
                "the mapping to the IANA timezone the log was written in",
                file=self._file,
                row=number,
                column=self._column,
            )
        local = value.replace(tzinfo=self._zone)
        if _in_transition(local):
            self._report.ambiguous_local_times.append(number)
        return self._checked(local, text, number)

    def _checked(self, value: datetime, text: str, number: int) -> datetime:
        if not in_calendar_range(value):
            raise InputError(
                f"timestamp {text!r} is outside the years {MIN_YEAR}-{MAX_YEAR} "
                "that business calendars cover; correct the year or remove the row",
                file=self._file,
                row=number,
                column=self._column,
            )
        return value


def in_calendar_range(value: datetime) -> bool:
    """Return whether an aware time falls in the years business calendars cover."""
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        return False
    return MIN_YEAR <= year <= MAX_YEAR


def _in_transition(local: datetime) -> bool:
    """Return True if a wall-clock time is repeated or skipped in its timezone."""
    # PEP 495: fold=0 and fold=1 give different offsets only in such a change.
    return local.utcoffset() != local.replace(fold=1).utcoffset()
