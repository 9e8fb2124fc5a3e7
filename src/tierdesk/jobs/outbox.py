"""The development worker of SQLite databases: runs the jobs of `job_outbox`.

A job is claimed with a lease, so several worker processes on one machine take
different jobs, and a job whose worker died is run again once its lease ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from tierdesk.jobs.backoff import retry_delay
from tierdesk.jobs.handlers import job_handlers
from tierdesk.service.context import ServiceContext
from tierdesk.service.transactions import write_session
from tierdesk.store.outbox import OutboxJobRow

logger = logging.getLogger(__name__)

# Longer than any job runs, so a live worker keeps its job.
LEASE = timedelta(minutes=5)
# A job that raises this often is kept with status `failed` and not run again.
MAX_JOB_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class _Claimed:
    id: int
    task: str
    args: dict[str, Any]
    attempts: int


def run_due_jobs(
    context: ServiceContext, clock: Callable[[], datetime], *, limit: int = 1000
) -> int:
    """Run jobs that are due, one at a time, until none is left; return how many."""
    handlers = job_handlers()
    ran = 0
    while ran < limit:
        job = _claim(context, clock())
        if job is None:
            break
        _run(context, handlers, job, clock)
        ran += 1
    return ran


def _claim(context: ServiceContext, now: datetime) -> _Claimed | None:
    with write_session(context.engine) as session:
        row = session.scalar(
            select(OutboxJobRow)
            .where(
                OutboxJobRow.status == "todo",
                OutboxJobRow.run_at <= now,
                or_(
                    OutboxJobRow.locked_until.is_(None),
                    OutboxJobRow.locked_until < now,
                ),
            )
            .order_by(OutboxJobRow.run_at, OutboxJobRow.id)
            .limit(1)
        )
        if row is None:
            return None
        row.locked_until = now + LEASE
        row.attempts += 1
        return _Claimed(row.id, row.task, dict(row.args), row.attempts)


def _run(
    context: ServiceContext,
    handlers: dict[str, Any],
    job: _Claimed,
    clock: Callable[[], datetime],
) -> None:
    handler = handlers.get(job.task)
    try:
        if handler is None:
            raise LookupError(f"no handler for task {job.task!r}")
        handler(context, job.args, clock())
    except Exception as exc:
        # Only the exception's type is kept: messages of SMTP errors may
        # contain e-mail addresses.
        logger.exception(
            "job %d (%s) failed on attempt %d", job.id, job.task, job.attempts
        )
        _fail(context, job, type(exc).__name__, clock())
        return
    with write_session(context.engine) as session:
        session.execute(delete(OutboxJobRow).where(OutboxJobRow.id == job.id))


def _fail(context: ServiceContext, job: _Claimed, error: str, now: datetime) -> None:
    with write_session(context.engine) as session:
        row = session.get(OutboxJobRow, job.id)
        if row is None:
            return
        row.locked_until = None
        row.last_error = error
        if job.attempts >= MAX_JOB_ATTEMPTS:
            row.status = "failed"
            logger.error("job %d (%s) failed for good", job.id, job.task)
        else:
            row.run_at = now + retry_delay(job.attempts, FIRST_RETRY, LAST_RETRY)
