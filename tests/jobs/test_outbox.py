"""The SQLite outbox: leases, retries of failing jobs, and the run loop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tierdesk.jobs import outbox
from tierdesk.jobs.outbox import LEASE, MAX_JOB_ATTEMPTS, run_due_jobs
from tierdesk.jobs.queue import enqueue
from tierdesk.service.context import ServiceContext
from tierdesk.service.policies import upload_policy
from tierdesk.service.transactions import write_session
from tierdesk.store.db import make_engine, upgrade
from tierdesk.store.outbox import OutboxJobRow

from ..service.conftest import ADMIN, SERVICE_POLICY, WEDNESDAY, Clock

TASK = "test.task"


@pytest.fixture
def sqlite_context(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    upgrade(engine)
    context = ServiceContext(engine)
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    yield context
    engine.dispose()


def _handlers(monkeypatch: pytest.MonkeyPatch, handler) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "job_handlers", lambda: {TASK: handler})


def _add(context: ServiceContext, **args: object) -> None:
    with write_session(context.engine) as session:
        enqueue(session, TASK, WEDNESDAY, **args)


def _rows(context: ServiceContext) -> list[OutboxJobRow]:
    with write_session(context.engine) as session:
        return list(session.scalars(select(OutboxJobRow)))


def test_job_runs_once_and_is_deleted(
    sqlite_context: ServiceContext, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict] = []
    _handlers(monkeypatch, lambda context, args, now: seen.append(args))
    _add(sqlite_context, n=1)
    assert run_due_jobs(sqlite_context, clock) == 1
    assert run_due_jobs(sqlite_context, clock) == 0
    assert seen == [{"n": 1}]
    assert _rows(sqlite_context) == []


def test_claimed_job_skipped_until_lease_ends(
    sqlite_context: ServiceContext, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict] = []
    _handlers(monkeypatch, lambda context, args, now: seen.append(args))
    _add(sqlite_context, n=1)
    # Another worker claimed the job and died before finishing it.
    assert outbox._claim(sqlite_context, clock()) is not None
    assert run_due_jobs(sqlite_context, clock) == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert run_due_jobs(sqlite_context, clock) == 1
    assert seen == [{"n": 1}]


def test_failing_job_retried_then_failed(
    sqlite_context: ServiceContext, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(context, args, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("smtp down")

    _handlers(monkeypatch, fail)
    _add(sqlite_context)
    for _ in range(MAX_JOB_ATTEMPTS):
        run_due_jobs(sqlite_context, clock)
        clock.advance(hours=2)
    row = _rows(sqlite_context)[0]
    assert row.status == "failed"
    assert row.attempts == MAX_JOB_ATTEMPTS
    assert row.last_error == "RuntimeError"


def test_failed_attempt_waits(
    sqlite_context: ServiceContext, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(context, args, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("smtp down")

    _handlers(monkeypatch, fail)
    _add(sqlite_context)
    run_due_jobs(sqlite_context, clock)
    row = _rows(sqlite_context)[0]
    assert row.status == "todo"
    assert row.locked_until is None
    wait = row.run_at - clock()
    assert timedelta(seconds=5) <= wait <= timedelta(seconds=10)
