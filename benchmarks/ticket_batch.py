"""Client CPU per batch of new tickets: PostgreSQL's writer against the general one.

Both writers store the same rows (tests/service/test_ticket_batch.py checks
this column by column). The general writer, `tierdesk.service.ticket_batch`,
is the baseline: SQLAlchemy Core statements, one per table, in a transaction.
The PostgreSQL writer, `tierdesk.service.ticket_batch_pg`, sends one read and
one write statement. The script routes tickets with the banking example's
policy (examples/banking) into a fresh database, then times each writer on
batches of 1 to 32 tickets. It reports the CPU time of the calling thread,
which leaves out PostgreSQL's share, and the wall-clock time per batch.

Usage:
    python benchmarks/ticket_batch.py [--batches 60]
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from tierdesk.service.actor import SYSTEM, Actor, Role
from tierdesk.service.context import ServiceContext
from tierdesk.service.intake import NewTicket, route_draft
from tierdesk.service.policies import load_active, upload_policy
from tierdesk.service.ticket_batch import write_new_tickets
from tierdesk.service.ticket_batch_pg import write_batch_postgres
from tierdesk.service.ticket_rows import PendingTicket
from tierdesk.service.transactions import read_session
from tierdesk.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZES = (1, 2, 4, 8, 16, 32)
WARM_UP = 10
# The role of the HTTP benchmark's token: it may not update requesters.
CREATOR = Actor(name="benchmark", role=Role.INTEGRATION, token_id=1)


@contextmanager
def database() -> Iterator[str]:
    name = f"batch_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--batches", type=int, default=60, help="Timed batches per writer and size."
    )
    options = parser.parse_args()
    with database() as url:
        engine = make_engine(url, pool_size=2)
        upgrade(engine)
        context = ServiceContext(engine)
        policy = (ROOT / "examples" / "banking" / "policy.yaml").read_text("utf-8")
        upload_policy(context, SYSTEM, policy, datetime.now(UTC), source="bench")
        with read_session(engine) as session:
            revision = load_active(context, session)
        counter = iter(range(10**9))

        def new_ticket() -> PendingTicket:
            number = next(counter)
            draft = NewTicket.model_validate(
                {
                    "subject": f"Card question {number}",
                    "body": "My card has not arrived yet, can you check?",
                    "channel": "email",
                    "requester": {"email": f"customer{number % 1000}@example.com"},
                    "inquiry_type": "card_delivery",
                }
            )
            return route_draft(
                context,
                CREATOR,
                revision,
                draft,
                {},
                datetime.now(UTC),
                idempotency_key=f"key-{number}",
            )

        writers: dict[str, Callable[[Sequence[PendingTicket]], object]] = {
            "general (baseline)": lambda batch: write_new_tickets(context, batch),
            "postgresql": lambda batch: write_batch_postgres(context, batch),
        }
        print("| Writer | Batch | CPU ms/batch | CPU ms/ticket | Wall ms/batch |")
        print("|---|---:|---:|---:|---:|")
        for size in SIZES:
            for name, write in writers.items():
                count = WARM_UP + options.batches
                batches = [[new_ticket() for _ in range(size)] for _ in range(count)]
                # psycopg prepares a statement on its sixth run on a connection.
                for batch in batches[:WARM_UP]:
                    write(batch)
                timed = batches[WARM_UP:]
                cpu, wall = time.thread_time(), time.perf_counter()
                for batch in timed:
                    write(batch)
                cpu = (time.thread_time() - cpu) * 1000 / len(timed)
                wall = (time.perf_counter() - wall) * 1000 / len(timed)
                print(
                    f"| {name} | {size} | {cpu:.2f} | {cpu / size:.3f} | {wall:.2f} |",
                    flush=True,
                )
        engine.dispose()


if __name__ == "__main__":
    main()
