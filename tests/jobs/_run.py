"""Running the job queue inside a test, on either database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text

from tierdesk.jobs.handlers import job_handlers
from tierdesk.jobs.names import SWEEP
from tierdesk.jobs.outbox import run_due_jobs
from tierdesk.jobs.queue import QUEUE
from tierdesk.jobs.worker import build_app
from tierdesk.service.context import ServiceContext


def run_jobs(
    context: ServiceContext,
    clock: Callable[[], datetime],
    *,
    real_worker: bool = False,
) -> None:
    """Run every job due by the test's clock, which is also the handlers' `now`.

    On PostgreSQL, procrastinate's worker compares `scheduled_at` with the
    server's clock, so every job scheduled at a past test time would be due at
    once. Tests of timing therefore run the due jobs of procrastinate's table
    here, by the test clock; `real_worker` runs procrastinate's worker instead.
    """
    if context.engine.dialect.name != "postgresql":
        run_due_jobs(context, clock)
    elif real_worker:
        app = build_app(context, clock, cron="0 0 1 1 *")
        app.run_worker(
            queues=[QUEUE],
            wait=False,
            install_signal_handlers=False,
            delete_jobs="successful",
            listen_notify=False,
        )
    else:
        _run_by_test_clock(context, clock)


def _run_by_test_clock(context: ServiceContext, clock: Callable[[], datetime]) -> None:
    handlers = job_handlers()
    while True:
        with context.engine.begin() as connection:
            row = connection.execute(
                text(
                    "SELECT id, task_name, args FROM procrastinate_jobs "
                    "WHERE status = 'todo' AND task_name <> :sweep "
                    "AND (scheduled_at IS NULL OR scheduled_at <= :now) "
                    "ORDER BY id LIMIT 1"
                ),
                {"now": clock(), "sweep": SWEEP},
            ).first()
            if row is None:
                return
            connection.execute(
                text("DELETE FROM procrastinate_jobs WHERE id = :id"), {"id": row[0]}
            )
        handlers[row[1]](context, _args(row[2]), clock())


def waiting_jobs(context: ServiceContext) -> list[tuple[str, dict]]:
    """Return (task, args) of jobs not yet run, oldest first."""
    if context.engine.dialect.name == "postgresql":
        query = (
            "SELECT task_name, args FROM procrastinate_jobs "
            "WHERE status = 'todo' ORDER BY id"
        )
    else:
        query = "SELECT task, args FROM job_outbox WHERE status = 'todo' ORDER BY id"
    with context.engine.connect() as connection:
        rows = connection.execute(text(query)).all()
    return [(row[0], _args(row[1])) for row in rows]


def _args(value: object) -> dict:
    if isinstance(value, str):
        import json

        return json.loads(value)
    assert isinstance(value, dict)
    return value
