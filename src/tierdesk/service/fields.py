"""The base of every request model: unknown fields rejected, text storable.

PostgreSQL cannot store NUL characters and no database stores unpaired
surrogates, so such text is rejected as invalid input instead of failing in
the database.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _check_text(cls, value: Any) -> Any:
        check_storable(value)
        return value
