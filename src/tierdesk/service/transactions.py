"""Sessions for reading and for writing, with the locking each database needs.

PostgreSQL runs at READ COMMITTED, so a statement run after a row lock was
granted reads what the lock holder committed, and assignment relies on that. SQLite
has no row locks, so a write transaction starts with BEGIN IMMEDIATE, which takes
the database's write lock at once and serialises writers across processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """Yield a session in one write transaction; commit on success, else roll back."""
    with Session(engine, expire_on_commit=False, autoflush=True) as session:
        if engine.dialect.name == "sqlite":
            # Taken before the first read, so that no other writer can change
            # what this transaction has read.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        else:
            session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """Yield a session for reads; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[Connection]:
    """Yield a connection outside any transaction, for single-statement reads.

    It saves the BEGIN and ROLLBACK round trips of a read session, which a
    statement that reads each value once does not need.
    """
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")
