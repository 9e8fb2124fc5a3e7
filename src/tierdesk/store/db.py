"""Engines and migrations: SQLite (WAL) by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from tierdesk.errors import TierdeskError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """Create an engine; for SQLite, enable WAL, foreign keys and a busy timeout.

    `pool_size` sets the connections a PostgreSQL engine keeps open; None keeps
    SQLAlchemy's default of 5.
    """
    options: dict[str, Any] = {}
    if pool_size is not None and not url.startswith("sqlite"):
        options["pool_size"] = pool_size
    try:
        engine = create_engine(url, future=True, **options)
    except (ArgumentError, ValueError) as exc:
        raise TierdeskError(f"invalid database URL: {exc}") from None
    except ModuleNotFoundError as exc:
        raise TierdeskError(
            f"no driver for database URL scheme: {exc.name} is not installed"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
