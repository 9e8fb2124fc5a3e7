"""Errors that carry where bad input was found and what to do about it.

Every error a user can cause derives from `TierdeskError`. The CLI prints its
message as one line and exits non-zero; the HTTP API maps it to a 4xx.
"""

from __future__ import annotations

from pathlib import Path


class TierdeskError(Exception):
    """An error caused by input, with a message fit to show to the user."""


class PolicyError(TierdeskError):
    """A policy file that cannot be loaded, naming file, line and field path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.path = path
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.file or "<policy>"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.detail}"
        return f"{where}: {self.detail}"


class PolicyErrors(PolicyError):
    """Several policy problems found in one pass, reported together."""

    def __init__(self, errors: list[PolicyError]) -> None:
        self.errors = errors
        lines = [str(error) for error in errors]
        TierdeskError.__init__(self, "\n".join(lines))
        self.file = errors[0].file if errors else None
        self.line = errors[0].line if errors else None
        self.path = errors[0].path if errors else None
        self.detail = errors[0].detail if errors else ""

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class InputError(TierdeskError):
    """Bad data in an input file, naming the file and, where known, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.detail = message
        parts = []
        if self.file:
            parts.append(self.file)
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f"column {column!r}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ModelError(TierdeskError):
    """A classifier model file that cannot be used."""
