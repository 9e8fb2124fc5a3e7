"""Durations in policy files, written as `8h`, `30m`, `1d 4h` or ISO 8601 `PT8H`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_SHORT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([dhms])\s*", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)


def parse_duration(value: object) -> timedelta:
    """Parse a duration; raise ValueError with the accepted forms on bad input."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"expected a duration such as '8h', '30m', '1d 4h' or 'PT8H', got {value!r}"
        )
    text = value.strip()
    iso = _ISO.match(text)
    if iso and text.upper() not in ("P", "PT"):
        seconds = sum(
            float(iso.group(unit)) * _UNITS[unit] for unit in "dhms" if iso.group(unit)
        )
        return _positive(timedelta(seconds=seconds), value)
    position = 0
    seconds = 0.0
    for match in _SHORT.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2).lower()]
        position = match.end()
    if position != len(text) or position == 0:
        raise ValueError(
            f"expected a duration such as '8h', '30m', '1d 4h' or 'PT8H', got {value!r}"
        )
    return _positive(timedelta(seconds=seconds), value)


def _positive(duration: timedelta, value: object) -> timedelta:
    if duration <= timedelta(0):
        raise ValueError(f"duration must be greater than zero, got {value!r}")
    return duration


def format_duration(duration: timedelta) -> str:
    """Format a duration compactly, e.g. `1d 4h` or `45m`."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"
