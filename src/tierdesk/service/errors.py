"""Errors a caller can fix, each with a stable code, the field at fault and an
HTTP status. The API turns them into JSON error responses."""

from __future__ import annotations

from typing import Any

from tierdesk.errors import TierdeskError


class ServiceError(TierdeskError):
    """A rejected request; `code` is stable, the message may change."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details or []


class InvalidInput(ServiceError):
    status = 422


class Unauthenticated(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


def not_found(noun: str, value: object, field: str) -> NotFound:
    """Return the error for an id that names nothing the caller may see."""
    return NotFound("not_found", f"{noun} {value!r} not found", field=field)


def unknown_reference(noun: str, value: object, field: str) -> InvalidInput:
    """Return the error for an id in a request body that names nothing."""
    return InvalidInput("unknown_reference", f"unknown {noun} {value!r}", field=field)
