"""The service commands end to end: db upgrade, tokens, worker, corrections export,
and training on the export."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tierdesk.service.actor import Role
from tierdesk.service.context import ServiceConfig, ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.policies import upload_policy
from tierdesk.service.ticket_updates import TicketUpdate, update_ticket
from tierdesk.service.tokens import authenticate
from tierdesk.store.db import make_engine

from .service.conftest import ADMIN, SERVICE_POLICY, WEDNESDAY


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TIERDESK_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def test_commands_refuse_old_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    result = run(url, "token", "create", "--role", "admin")
    assert result.returncode == 1
    assert "run 'tierdesk db upgrade' first" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_create_prints_usable_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert run(url, "db", "upgrade").returncode == 0
    result = run(url, "token", "create", "--role", "vendor_agent", "--team", "vendor")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("tdk_")
    engine = make_engine(url)
    actor = authenticate(engine, token)
    assert actor.role == Role.VENDOR_AGENT
    assert actor.teams == frozenset({"vendor"})
    revoked = run(url, "token", "revoke", str(actor.token_id))
    assert revoked.returncode == 0
    engine.dispose()


def test_token_scope_is_checked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(url, "db", "upgrade")
    result = run(url, "token", "create", "--role", "vendor_agent")
    assert result.returncode == 1
    assert "exactly one team" in result.stderr


def test_token_team_must_be_in_policy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(url, "db", "upgrade")
    context = ServiceContext(make_engine(url), ServiceConfig())
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    context.engine.dispose()
    result = run(url, "token", "create", "--role", "vendor_agent", "--team", "ghost")
    assert result.returncode == 1
    assert "--team: unknown team 'ghost'" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_trains_a_model(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(url, "db", "upgrade")
    context = ServiceContext(make_engine(url), ServiceConfig())
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    texts = {
        "card_arrival": ["my card has not arrived", "where is my new card"],
        "exchange_rate": ["what exchange rate do you use", "rate for euros to pounds"],
    }
    corrected = {"card_arrival": "cards", "exchange_rate": "money"}
    for label, subjects in texts.items():
        for subject in subjects * 3:
            draft = NewTicket(subject=subject, inquiry_type="refunds")
            ticket = create_ticket(context, ADMIN, draft, WEDNESDAY).ticket
            change = TicketUpdate(inquiry_type=corrected[label])
            update_ticket(context, ADMIN, ticket.id, change, WEDNESDAY)
    context.engine.dispose()

    out = tmp_path / "corrections.csv"
    exported = run(url, "export-corrections", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert {row["label"] for row in rows} == {"cards", "money"}

    model = tmp_path / "m.tdm"
    trained = run(
        url,
        "train",
        str(out),
        "--text",
        "subject,body",
        "--label",
        "label",
        "--out",
        str(model),
    )
    assert trained.returncode == 0, trained.stderr
    assert model.exists()


def test_worker_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(url, "db", "upgrade")
    context = ServiceContext(make_engine(url), ServiceConfig())
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    context.engine.dispose()
    result = run(url, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "assigned 0, closed 0, SLA alerts 0" in result.stdout


def test_invalid_setting_keeps_help(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    environment = {**os.environ, "TIERDESK_TOKEN_CACHE_SECONDS": "soon"}
    command = [sys.executable, "-m", "tierdesk", "serve"]

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            capture_output=True,
            text=True,
            env={**environment, "TIERDESK_DATABASE_URL": url},
            check=False,
        )

    help_run = call("--help")
    assert help_run.returncode == 0
    assert "Usage: tierdesk serve" in help_run.stdout
    server_run = call("--port", "1")
    assert server_run.returncode != 0
    assert "TIERDESK_TOKEN_CACHE_SECONDS='soon'" in server_run.stderr
    # After "--" the word is an argument, so the variable is still reported.
    argument_run = call("--", "--help")
    assert "TIERDESK_TOKEN_CACHE_SECONDS='soon'" in argument_run.stderr
