"""Commands of the live service: serve, worker, database upgrade, tokens, exports."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from tierdesk.cli import cli, console
from tierdesk.errors import TierdeskError
from tierdesk.settings import Settings, load_settings

logger = logging.getLogger(__name__)

_DB_HELP = "Database URL; default: TIERDESK_DATABASE_URL."


def _settings(database_url: str | None) -> Settings:
    settings = load_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


def _check_schema(settings: Settings) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from tierdesk.store.db import alembic_config, make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    finally:
        engine.dispose()
    if current != head:
        raise TierdeskError(
            f"the database schema is at revision {current or 'none'}, not {head}; "
            "run 'tierdesk db upgrade' first"
        )


def _bootstrap_policy(settings: Settings) -> None:
    """Store and activate TIERDESK_POLICY_PATH when no policy is active yet."""
    from tierdesk.service.actor import SYSTEM
    from tierdesk.service.context import context_from_settings
    from tierdesk.service.policies import active_revision_id, upload_policy
    from tierdesk.service.transactions import read_session

    if not settings.policy_path:
        return
    context = context_from_settings(settings)
    try:
        with read_session(context.engine) as session:
            if active_revision_id(session) is not None:
                return
        path = Path(settings.policy_path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TierdeskError(
                f"TIERDESK_POLICY_PATH: cannot read {path}: {exc}; point it at "
                "a policy file or unset it"
            ) from None
        version = upload_policy(
            context, SYSTEM, text, datetime.now(UTC), source=str(path)
        )
        console.print(
            f"activated policy {version.version} as revision {version.revision}"
        )
    finally:
        context.engine.dispose()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes of this server; add machines to scale further.",
)
@click.option("--db", "database_url", help=_DB_HELP)
def serve(host: str, port: int, workers: int, database_url: str | None) -> None:
    """Run the HTTP API (OpenAPI at /api/v1/docs) until interrupted."""
    import uvicorn

    settings = _settings(database_url)
    _check_schema(settings)
    _bootstrap_policy(settings)
    # Workers build their settings from the environment, so --db goes there.
    os.environ["TIERDESK_DATABASE_URL"] = settings.database_url
    # Printed, not logged: the default log level hides uvicorn's own lines.
    # Before binding, so a port in use is reported by uvicorn right after.
    shown_host = f"[{host}]" if ":" in host else host
    address = (
        f"http://{shown_host}:{port}/api/v1"
        if port
        else f"{shown_host} on a port the system chooses"
    )
    console.print(
        f"starting the API on {address} with {workers} "
        f"worker process{'es' if workers > 1 else ''}; Ctrl+C stops it"
    )
    uvicorn.run(
        "tierdesk.api.main:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
    )
    console.print("API stopped")


@cli.command()
@click.option(
    "--interval",
    default=30,
    show_default=True,
    type=click.IntRange(min=1, max=3600),
    help="Seconds between assignment and SLA sweeps; must divide a minute or an "
    "hour evenly.",
)
@click.option(
    "--once", is_flag=True, help="Sweep once, run every job that is due, and exit."
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Jobs run at the same time on PostgreSQL; default: "
    "TIERDESK_WORKER_CONCURRENCY.",
)
@click.option("--db", "database_url", help=_DB_HELP)
def worker(
    interval: int, once: bool, concurrency: int | None, database_url: str | None
) -> None:
    """Run background jobs (webhook deliveries, survey e-mails, closing solved
    tickets) and the assignment and SLA sweeps."""
    from tierdesk.jobs.worker import run_worker, sweep_cron
    from tierdesk.service.context import context_from_settings

    settings = _settings(database_url)
    sweep_cron(interval)
    _check_schema(settings)
    context = context_from_settings(settings)
    logger.info("worker started, sweeping every %s seconds", interval)
    try:
        result = run_worker(
            context,
            interval=interval,
            once=once,
            concurrency=concurrency or settings.worker_concurrency,
        )
        if result is not None:
            console.print(
                f"assigned {result.assigned}, closed {result.closed}, "
                f"SLA alerts {result.sla_alerts}; ran the jobs that were due"
            )
    finally:
        context.engine.dispose()
        logger.info("worker stopped")


@cli.group()
def db() -> None:
    """Manage the service database."""


@db.command("upgrade")
@click.option("--db", "database_url", help=_DB_HELP)
def db_upgrade(database_url: str | None) -> None:
    """Bring the database schema to the newest revision; run once per release."""
    from alembic.runtime.migration import MigrationContext

    from tierdesk.store.db import make_engine, upgrade

    engine = make_engine(_settings(database_url).database_url)

    def revision() -> str | None:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    try:
        before = revision()
        upgrade(engine)
        after = revision()
    finally:
        engine.dispose()
    if before == after:
        console.print(f"database schema is already at the newest revision, {after}")
    else:
        console.print(
            f"database schema upgraded from revision {before or 'none'} to {after}"
        )


@cli.group()
def token() -> None:
    """Create and revoke API tokens."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "ops_analyst", "agent", "vendor_agent", "integration"]),
    help="What the token may do; see docs/api.md.",
)
@click.option(
    "--team",
    "teams",
    multiple=True,
    help="Team the token is limited to; repeat for several. Required for agent "
    "(one or more) and vendor_agent (exactly one).",
)
@click.option("--agent", "agent_id", help="Agent id whose actions the token records.")
@click.option("--name", default=None, help="Label of the token; default: the role.")
@click.option("--db", "database_url", help=_DB_HELP)
def token_create(
    role: str,
    teams: tuple[str, ...],
    agent_id: str | None,
    name: str | None,
    database_url: str | None,
) -> None:
    """Create a token and print it once; only its digest is stored."""
    from tierdesk.service.actor import Role
    from tierdesk.service.tokens import create_token
    from tierdesk.store.db import make_engine

    settings = _settings(database_url)
    _check_schema(settings)
    if teams:
        _check_token_teams(settings, teams)
    engine = make_engine(settings.database_url)
    try:
        created = create_token(
            engine,
            name=name or role,
            role=Role(role),
            teams=list(teams),
            agent_id=agent_id,
            now=datetime.now(UTC),
        )
    finally:
        engine.dispose()
    click.echo(created.token)
    click.echo(
        f"token {created.id} ({role}); store it now, it is not shown again", err=True
    )


def _check_token_teams(settings: Settings, teams: tuple[str, ...]) -> None:
    """Reject teams that the active policy does not define.

    Without an active policy, any team is accepted.
    """
    from tierdesk.service.context import context_from_settings
    from tierdesk.service.policies import active_revision_id, load_revision
    from tierdesk.service.transactions import read_session

    context = context_from_settings(settings)
    try:
        with read_session(context.engine) as session:
            revision = active_revision_id(session)
            if revision is None:
                return
            policy = load_revision(context, session, revision).loaded.policy
    finally:
        context.engine.dispose()
    unknown = [team for team in teams if team not in policy.teams_by_id]
    if unknown:
        raise TierdeskError(
            f"--team: unknown team {unknown[0]!r}; the active policy "
            f"{policy.version_label} defines: {', '.join(policy.teams_by_id)}"
        )


@token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--db", "database_url", help=_DB_HELP)
def token_revoke(token_id: int, database_url: str | None) -> None:
    """Revoke the token with id TOKEN_ID, as printed when it was created."""
    from tierdesk.service.tokens import revoke_token
    from tierdesk.store.db import make_engine

    engine = make_engine(_settings(database_url).database_url)
    try:
        if not revoke_token(engine, token_id, datetime.now(UTC)):
            raise TierdeskError(f"no active token with id {token_id}")
    finally:
        engine.dispose()
    console.print(f"revoked token {token_id}")


@cli.command("export-corrections")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file to write: ticket text and corrected label, for 'tierdesk train'.",
)
@click.option("--db", "database_url", help=_DB_HELP)
def export_corrections(out_path: Path, database_url: str | None) -> None:
    """Write tickets whose inquiry type an agent corrected, as training data."""
    from tierdesk.service.actor import SYSTEM
    from tierdesk.service.context import context_from_settings
    from tierdesk.service.exports import corrections_csv

    out_path.parent.mkdir(parents=True, exist_ok=True)
    context = context_from_settings(_settings(database_url))
    temporary = out_path.with_name(f".{out_path.name}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            for chunk in corrections_csv(context, SYSTEM):
                handle.write(chunk)
        os.replace(temporary, out_path)
    finally:
        temporary.unlink(missing_ok=True)
        context.engine.dispose()
    console.print(
        f"wrote {out_path}; train with: tierdesk train {out_path} --label label"
    )
