"""Sessions for reading and for writing, with the locking each database needs.

PostgreSQL runs at READ COMMITTED, so a statement run after a row lock was
granted reads what the lock holder committed, and assignment relies on that. SQLite
has no row locks, so a write transaction starts with BEGIN IMMEDIATE, which takes
the database's write lock at once and serialises writers across processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
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


@contextmanager
def autocommit_driver_connection(engine: Engine) -> Iterator[psycopg.Connection]:
    """Yield a pooled psycopg connection outside any transaction, on PostgreSQL.

    For statements on the hottest paths, which SQLAlchemy's execution would
    make cost about twice as much CPU. Each statement commits by itself. Run
    statements through `run_driver_statement`, which raises SQLAlchemy's
    exceptions.
    """
    try:
        pooled = engine.raw_connection()
    except psycopg.Error as exc:
        # As SQLAlchemy raises a failed connect through a Connection.
        raise DBAPIError.instance(
            None, None, exc, psycopg.Error, hide_parameters=True
        ) from exc
    try:
        connection = pooled.driver_connection
        assert isinstance(connection, psycopg.Connection)
        connection.autocommit = True
        try:
            yield connection
        finally:
            if not connection.closed:
                connection.autocommit = False
            else:
                pooled.invalidate()
    finally:
        pooled.close()


def run_driver_statement(
    connection: psycopg.Connection, statement: str, parameters: Any
) -> psycopg.Cursor[Any]:
    """Execute one statement; raise driver errors as SQLAlchemy's DBAPIError."""
    try:
        return connection.execute(statement, parameters)
    except psycopg.Error as exc:
        # Without the parameters, which contain ticket text and e-mail
        # addresses. IntegrityError and OperationalError keep their classes.
        raise DBAPIError.instance(
            statement, None, exc, psycopg.Error, hide_parameters=True
        ) from exc
