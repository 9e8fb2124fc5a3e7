"""Value types shared by the policy's sections."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer

from tierdesk.policy.durations import format_duration, parse_duration

Identifier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="letters, digits, '_', '-' and '.', starting with a letter or digit",
    ),
]
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
Complexity = Literal["simple", "complex"]
TeamKind = Literal["vendor", "in_house"]
ClockKind = Literal["business", "calendar"]
PauseStatus = Literal["pending", "on_hold"]
