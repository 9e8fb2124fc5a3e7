"""`tierdesk worker`: procrastinate's worker on PostgreSQL, the outbox loop on SQLite.

Both run the SLA and assignment sweep every interval and every job that is due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import procrastinate

from tierdesk.errors import TierdeskError
from tierdesk.jobs.handlers import Handler, job_handlers
from tierdesk.jobs.names import SWEEP
from tierdesk.jobs.outbox import run_due_jobs
from tierdesk.jobs.queue import QUEUE
from tierdesk.service.context import ServiceContext
from tierdesk.service.jobs import SweepResult, sweep

logger = logging.getLogger(__name__)

# Seconds between two looks at the SQLite outbox.
OUTBOX_POLL_SECONDS = 1.0
# A job that raises (a database or SMTP outage, a bug) is retried this often.
# Webhook failures are not exceptions: deliveries schedule their own retries.
_JOB_RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=4)
_RECOVER = "jobs.recover_stalled"
# Connections of procrastinate's own pool: fetching and finishing jobs,
# heartbeats and the LISTEN connection. Handlers use the service's engine.
PROCRASTINATE_POOL = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


def sweep_cron(interval: int) -> str:
    """Return the cron schedule of a sweep every `interval` seconds.

    Raises TierdeskError when the interval does not divide a minute or an hour
    evenly, because cron cannot express it.
    """
    if interval < 60 and 60 % interval == 0:
        return f"* * * * * */{interval}"
    minutes, rest = divmod(interval, 60)
    if rest == 0 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    raise TierdeskError(
        f"--interval {interval} does not divide a minute or an hour evenly; use, "
        "for example, 10, 30, 60 or 300"
    )


def run_worker(
    context: ServiceContext,
    *,
    interval: int,
    once: bool,
    concurrency: int,
    clock: Callable[[], datetime] = utc_now,
) -> SweepResult | None:
    """Run jobs until interrupted.

    With `once`, sweep, run every job that is due, and return the sweep's result.
    """
    if context.engine.dialect.name != "postgresql":
        return run_outbox_loop(context, interval=interval, once=once, clock=clock)
    app = build_app(context, clock, cron=sweep_cron(interval))
    result = sweep(context, clock()) if once else None
    app.run_worker(
        queues=[QUEUE],
        concurrency=concurrency,
        wait=not once,
        delete_jobs="successful",
    )
    return result


def run_outbox_loop(
    context: ServiceContext,
    *,
    interval: int,
    once: bool,
    clock: Callable[[], datetime] = utc_now,
) -> SweepResult | None:
    """Sweep every `interval` seconds and run due outbox jobs, one at a time.

    With `once`, return the first sweep's result after running the due jobs.
    """
    next_sweep = 0.0
    while True:
        if time.monotonic() >= next_sweep:
            result = sweep(context, clock())
            next_sweep = time.monotonic() + interval
        run_due_jobs(context, clock)
        if once:
            return result
        time.sleep(OUTBOX_POLL_SECONDS)


def build_app(
    context: ServiceContext, clock: Callable[[], datetime], *, cron: str
) -> procrastinate.App:
    """Build the procrastinate app whose worker runs tierdesk's tasks."""
    url = context.engine.url.set(drivername="postgresql")
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=url.render_as_string(hide_password=False),
            min_size=1,
            max_size=PROCRASTINATE_POOL,
        )
    )
    for name, handler in job_handlers().items():
        app.task(name=name, queue=QUEUE, retry=_JOB_RETRY)(
            _runner(context, clock, handler)
        )

    # Every worker schedules the sweep; procrastinate keeps one job per tick,
    # and the lock keeps two sweeps from running at once.
    def run_periodic_sweep(timestamp: int) -> None:
        sweep(context, clock())

    app.periodic(cron=cron, periodic_id="sweep")(
        app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP, lock=SWEEP)(
            run_periodic_sweep
        )
    )

    async def recover_stalled(job_context: Any, timestamp: int) -> None:
        # A job whose worker stopped sending heartbeats is run again; each
        # handler checks its rows first, so a repeat changes nothing twice.
        manager = job_context.app.job_manager
        for job in await manager.get_stalled_jobs():
            logger.warning(
                "retrying job %s (%s) of a stalled worker", job.id, job.task_name
            )
            await manager.retry_job(job)

    app.periodic(cron="* * * * *", periodic_id="recover")(
        app.task(name=_RECOVER, queue=QUEUE, queueing_lock=_RECOVER, pass_context=True)(
            recover_stalled
        )
    )
    return app


def _runner(
    context: ServiceContext, clock: Callable[[], datetime], handler: Handler
) -> Callable[..., None]:
    def run(**args: Any) -> None:
        handler(context, args, clock())

    return run
