"""The base of every request model: unknown fields rejected, text storable.

PostgreSQL cannot store NUL characters and no database stores unpaired
surrogates, so such text is rejected as invalid input instead of failing in
the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError


def check_storable(value: Any) -> None:
    """Raise ValueError if any text in `value` cannot be stored."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "text must be valid Unicode (found an unpaired surrogate)"
            ) from None
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; reject naive and unrepresentable values."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_required",
            "a UTC offset is required, such as 2024-05-08T10:00:00Z or "
            "2024-05-08T10:00:00+01:00",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "the time is outside the years 1 to 9999 once converted to UTC",
        ) from None


# Every datetime a request carries: the database compares times in UTC, so a
# naive value would be ambiguous and one near year 1 or 9999 may not convert.
UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _check_text(cls, value: Any) -> Any:
        check_storable(value)
        return value
