"""Which database errors a retry may get past, and so are a 503 to clients."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tierdesk.store.db import database_unavailable


def wrapped(error: Exception) -> OperationalError:
    return OperationalError("SELECT 1", None, error)


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (errors.QueryCanceled("canceling statement"), True),
        (errors.AdminShutdown("terminating connection"), True),
        (errors.SerializationFailure("could not serialize"), True),
        (errors.TooManyConnections("too many clients"), True),
        (errors.LockNotAvailable("could not obtain lock"), True),
        (errors.ProgramLimitExceeded("index row size exceeds maximum"), False),
        (errors.DiskFull("could not extend file"), True),
    ],
)
def test_postgres_errors(error: Exception, temporary: bool) -> None:
    assert database_unavailable(wrapped(error)) is temporary
    assert database_unavailable(error) is temporary


def test_other_errors_are_faults() -> None:
    violation = errors.UniqueViolation("duplicate key")
    assert not database_unavailable(IntegrityError("INSERT", None, violation))
    assert not database_unavailable(ValueError("bad value"))


def test_exhausted_pool_is_temporary() -> None:
    assert database_unavailable(PoolTimeout("QueuePool limit reached"))


def test_cause_chain_is_searched() -> None:
    class QueueError(Exception):
        pass

    try:
        try:
            raise errors.LockNotAvailable("could not obtain lock")
        except errors.LockNotAvailable as exc:
            raise QueueError("Database error.") from exc
    except QueueError as raised:
        assert database_unavailable(raised)
    assert not database_unavailable(QueueError("no cause"))
