"""E-mail commands: ingest message files, and run the SMTP intake server."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from tierdesk.cli import cli, console
from tierdesk.cli.serve import _DB_HELP, _check_schema, _settings
from tierdesk.errors import TierdeskError

logger = logging.getLogger(__name__)


@cli.group()
def email() -> None:
    """Create tickets and replies from incoming e-mail."""


@email.command("ingest")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--db", "database_url", help=_DB_HELP)
def email_ingest(files: tuple[Path, ...], database_url: str | None) -> None:
    """Turn each RFC 5322 message file (.eml) into a ticket or a reply.

    Prints one line per file; exits 1 when any file was rejected, after trying
    all of them.
    """
    from tierdesk.mail.ingest import ingest_email
    from tierdesk.service.context import context_from_settings
    from tierdesk.service.errors import ServiceError

    settings = _settings(database_url)
    _check_schema(settings)
    context = context_from_settings(settings)
    rejected = 0
    try:
        for path in files:
            raw = path.read_bytes()
            try:
                result = ingest_email(context, raw, datetime.now(UTC))
            except ServiceError as exc:
                rejected += 1
                console.print(f"{path}: rejected ({exc.code}): {exc.message}")
                continue
            console.print(
                f"{path}: {result.outcome} ticket {result.ticket_id} ({result.status})"
            )
    finally:
        context.engine.dispose()
    if rejected:
        raise TierdeskError(f"{rejected} of {len(files)} messages were rejected")


@email.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=2525, show_default=True, type=int, help="TCP port.")
@click.option("--db", "database_url", help=_DB_HELP)
def email_serve(host: str, port: int, database_url: str | None) -> None:
    """Receive e-mail over SMTP until interrupted; each message becomes a ticket
    or a reply. It has no authentication: bind it where only your mail relay
    reaches it."""
    from tierdesk.mail.smtp_server import start_smtp_server
    from tierdesk.service.context import context_from_settings

    settings = _settings(database_url)
    _check_schema(settings)
    context = context_from_settings(settings)
    controller = start_smtp_server(context, host, port, clock=lambda: datetime.now(UTC))
    console.print(f"receiving e-mail on {host}:{port}; stop with Ctrl+C")
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
        context.engine.dispose()
        logger.info("SMTP intake stopped")
