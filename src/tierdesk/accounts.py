"""Account attributes from a file, typed as the policy declares them."""

from __future__ import annotations

import math
from typing import Any

from tierdesk.errors import InputError
from tierdesk.io.tables import Table
from tierdesk.policy.model import Policy

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def parse_accounts(
    table: Table, policy: Policy, id_column: str = "account_id"
) -> dict[str, dict[str, Any]]:
    """Return account id -> attributes; raise InputError naming row and column on bad values.

    Columns the policy declares in `account_attributes` are converted to numbers
    or booleans; other columns are kept as text. Empty cells are missing values.
    """
    table.require([id_column], "--account-id-column")
    declared = policy.account_attributes
    accounts: dict[str, dict[str, Any]] = {}
    columns = [c for c in table.columns if c != id_column]
    frame = table.frame
    for position in range(len(frame)):
        row = table.row_number(position)
        account_id = _text(frame[id_column].iat[position])
        if not account_id:
            raise InputError(
                "missing account id", file=table.path, row=row, column=id_column
            )
        if account_id in accounts:
            raise InputError(
                f"duplicate account id {account_id!r}; each account may appear once",
                file=table.path,
                row=row,
                column=id_column,
            )
        attributes: dict[str, Any] = {}
        for column in columns:
            raw = frame[column].iat[position]
            if _text(raw) == "":
                continue
            attribute = declared.get(column)
            kind = attribute.type if attribute else "string"
            attributes[column] = convert_attribute(
                raw, kind, file=table.path, row=row, column=column
            )
        accounts[account_id] = attributes
    return accounts


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def convert_attribute(
    raw: Any, kind: str, *, file: str | None = None, row: int | None = None, column: str
) -> Any:
    """Convert one attribute value to the policy's declared type (number, boolean, string)."""
    if kind == "number":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        try:
            number = raw if isinstance(raw, float) else float(str(raw).replace(",", ""))
        except ValueError:
            number = math.nan
        # "nan" and "inf" parse as floats, but no rule can compare them and
        # PostgreSQL cannot store them in a JSON column.
        if not math.isfinite(number):
            raise InputError(
                f"expected a finite number, got {raw!r}",
                file=file,
                row=row,
                column=column,
            )
        return number
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InputError(
            f"expected true or false (or yes/no, 1/0), got {raw!r}",
            file=file,
            row=row,
            column=column,
        )
    return str(raw).strip()
