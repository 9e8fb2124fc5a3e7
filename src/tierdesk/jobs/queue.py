"""Enqueue a job inside the caller's write transaction.

On PostgreSQL the job is inserted into procrastinate's `procrastinate_jobs`
through the session's own psycopg connection, so it commits or rolls back with
the change. On SQLite it is a row of `job_outbox` in the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

from tierdesk.store.outbox import OutboxJobRow

# The queue every tierdesk job is deferred to and every worker listens on.
QUEUE = "tierdesk"


@functools.cache
def _deferrer() -> procrastinate.App:
    # Never opened: each defer runs on a connection that the caller passes in,
    # so this app needs no pool of its own.
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def enqueue(
    session: Session,
    task: str,
    now: datetime,
    *,
    run_at: datetime | None = None,
    **args: Any,
) -> None:
    """Add a job running `task` with `args` (JSON values) at `run_at`, else now.

    The job becomes visible to workers when the caller's transaction commits.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        connection = session.connection().connection.driver_connection
        deferrer = _deferrer().configure_task(
            name=task,
            queue=QUEUE,
            schedule_at=run_at,
            connection=connection,
        )
        deferrer.defer(**args)
        return
    session.add(
        OutboxJobRow(
            task=task,
            args=args,
            status="todo",
            run_at=run_at or now,
            attempts=0,
            created_at=now,
        )
    )


def enqueue_many(
    session: Session, task: str, jobs: Sequence[tuple[datetime, dict[str, Any]]]
) -> None:
    """Add one job running `task` per (now, args) pair of `jobs`, due at once.

    On PostgreSQL the jobs take one statement instead of one each.
    """
    if not jobs:
        return
    if session.get_bind().dialect.name == "postgresql":
        connection = session.connection().connection.driver_connection
        deferrer = _deferrer().configure_task(
            name=task, queue=QUEUE, connection=connection
        )
        deferrer.batch_defer(*(args for _, args in jobs))
        return
    session.add_all(
        OutboxJobRow(
            task=task,
            args=args,
            status="todo",
            run_at=now,
            attempts=0,
            created_at=now,
        )
        for now, args in jobs
    )
