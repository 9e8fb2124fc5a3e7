"""The e-mail and worker commands end to end, in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tierdesk.service.context import ServiceConfig, ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.policies import upload_policy
from tierdesk.service.webhooks import (
    SubscriptionInput,
    create_subscription,
    list_deliveries,
)
from tierdesk.store.db import make_engine

from .mail.conftest import message
from .service.conftest import ADMIN, SERVICE_POLICY, WEDNESDAY, model_path  # noqa: F401
from .webhooks._receiver import receiver


def run(url: str, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIERDESK_DATABASE_URL": url, **environment}
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def _prepare(url: str) -> None:
    assert run(url, "db", "upgrade").returncode == 0
    context = ServiceContext(make_engine(url), ServiceConfig())
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    context.engine.dispose()


def test_email_ingest_files(tmp_path: Path, model_path: Path) -> None:  # noqa: F811
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    _prepare(url)
    good = tmp_path / "good.eml"
    good.write_bytes(message().as_bytes())
    bad = tmp_path / "bad.eml"
    bad.write_bytes(message(sender=None, message_id="<x@y.z>").as_bytes())
    result = run(
        url, "email", "ingest", str(good), str(bad), TIERDESK_MODEL_PATH=str(model_path)
    )
    assert result.returncode == 1
    assert f"{good}: created ticket T-" in result.stdout
    assert f"{bad}: rejected (missing_from)" in result.stdout
    assert "1 of 2 messages were rejected" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_once_delivers_webhooks(database_url: str) -> None:
    _prepare(database_url)
    context = ServiceContext(make_engine(database_url), ServiceConfig())
    with receiver(fail_first=0) as hook:
        created = create_subscription(
            context,
            ADMIN,
            SubscriptionInput(url=hook.url, events=["ticket.created"]),
            WEDNESDAY,
        )
        draft = NewTicket(subject="card", inquiry_type="cards")
        create_ticket(context, ADMIN, draft, WEDNESDAY)
        result = run(database_url, "worker", "--once")
    assert result.returncode == 0, result.stderr
    # The ticket was created in 2024, so the sweep also records SLA alerts.
    assert "ran the jobs that were due" in result.stdout
    assert len(hook.requests) == 1
    deliveries = list_deliveries(context, ADMIN, created.subscription.id)
    assert deliveries[0].status == "delivered"
    context.engine.dispose()


def test_worker_rejects_uneven_interval(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    result = run(url, "worker", "--once", "--interval", "7")
    assert result.returncode == 1
    assert "--interval 7 does not divide a minute or an hour" in result.stderr


def test_two_workers_deliver_each_once(database_url: str) -> None:
    _prepare(database_url)
    context = ServiceContext(make_engine(database_url), ServiceConfig())
    with receiver(fail_first=0) as hook:
        created = create_subscription(
            context,
            ADMIN,
            SubscriptionInput(url=hook.url, events=["ticket.created"]),
            WEDNESDAY,
        )
        for number in range(20):
            draft = NewTicket(subject=f"card {number}", inquiry_type="cards")
            create_ticket(context, ADMIN, draft, WEDNESDAY)
        env = {**os.environ, "TIERDESK_DATABASE_URL": database_url}
        command = [sys.executable, "-m", "tierdesk", "worker", "--once"]
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        codes = [worker.wait(timeout=300) for worker in workers]
        for worker in workers:
            assert worker.stdout is not None
            worker.stdout.close()
    assert codes == [0, 0]
    delivered = [request.headers["Tierdesk-Delivery"] for request in hook.requests]
    assert len(delivered) == 20
    assert len(set(delivered)) == 20
    deliveries = list_deliveries(context, ADMIN, created.subscription.id)
    assert {delivery.status for delivery in deliveries} == {"delivered"}
    assert all(len(delivery.attempts) == 1 for delivery in deliveries)
    context.engine.dispose()
