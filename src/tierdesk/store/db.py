"""Engines and migrations: SQLite (WAL) by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import ConnectionPoolEntry

from tierdesk.errors import TierdeskError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """Create an engine; for SQLite, enable WAL, foreign keys and a busy timeout.

    `pool_size` sets the connections a PostgreSQL engine keeps open; None keeps
    SQLAlchemy's default of 5. Bound values are left out of the messages of
    SQLAlchemy's exceptions, because they hold ticket text and e-mail addresses.
    """
    options: dict[str, Any] = {}
    if pool_size is not None and not url.startswith("sqlite"):
        options["pool_size"] = pool_size
    try:
        engine = create_engine(url, future=True, hide_parameters=True, **options)
    except (ArgumentError, ValueError) as exc:
        raise TierdeskError(f"invalid database URL: {exc}") from None
    except ModuleNotFoundError as exc:
        raise TierdeskError(
            f"no driver for database URL scheme: {exc.name} is not installed"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe_database_error(exc: BaseException) -> str | None:
    """Describe a database error for a log without any value from the database.

    Return None when neither `exc` nor an exception it was raised from is a
    SQLAlchemy statement error. The description names the exception classes,
    the error code and the statement with its placeholders. It leaves out the
    driver's message, because PostgreSQL quotes values in it, as in
    `Key (email)=(ana@example.com) already exists`.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, StatementError):
            break
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    if not isinstance(current, StatementError):
        return None
    original = current.orig
    driver = (
        f"{type(original).__module__}.{type(original).__name__}"
        if original is not None
        else "none"
    )
    # psycopg has the SQLSTATE, sqlite3 only its own error name.
    code = getattr(original, "sqlstate", None) or getattr(
        original, "sqlite_errorname", None
    )
    statement = " ".join((current.statement or "").split())[:300]
    return (
        f"{type(current).__name__} (driver error {driver}, code {code}) in: {statement}"
    )


# PostgreSQL's error classes that a retry may get past: connection failures,
# serialization failures and deadlocks, insufficient resources (such as too
# many connections), and operator intervention (cancelled statements, a
# server shutting down). Lock timeouts (55P03) too.
_TEMPORARY_SQLSTATE_CLASSES = ("08", "40", "53", "57")


def database_unavailable(exc: BaseException) -> bool:
    """Return whether `exc` means that the database is busy or unreachable.

    These errors are temporary: SQLite's write lock held past the busy
    timeout, a lost or refused PostgreSQL connection, a cancelled statement,
    or no free connection in the pool. Other database errors, such as a
    missing table or a value too long for an index, are faults of the service.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    # Libraries such as procrastinate raise their own exceptions from the
    # driver's, so the explicit causes are searched too.
    while current is not None and id(current) not in seen:
        if _temporary(current):
            return True
        seen.add(id(current))
        current = current.__cause__
    return False


def _temporary(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        original = exc.orig
    elif isinstance(exc, psycopg.OperationalError):
        original = exc
    else:
        return False
    # SQLite reports missing tables as operational errors too.
    sqlite_error = getattr(original, "sqlite_errorname", None)
    if sqlite_error is not None:
        return sqlite_error in ("SQLITE_BUSY", "SQLITE_LOCKED")
    code = getattr(original, "sqlstate", None)
    if code is None:
        # Raised by the client library, as when a connection is refused.
        return True
    return code[:2] in _TEMPORARY_SQLSTATE_CLASSES or code == "55P03"


def _sqlite_pragmas(connection: Any, record: ConnectionPoolEntry) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (default: the newest)."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise TierdeskError(
            f"cannot reach the database at {engine.url.render_as_string()}: {exc.orig}"
        ) from None


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
