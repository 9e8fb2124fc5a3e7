"""The `tierdesk` command: a group of thin commands over the library.

Each concern registers its commands from its own module, imported at the end.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Sequence

import click
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from tierdesk.errors import TierdeskError
from tierdesk.settings import load_settings

logger = logging.getLogger(__name__)
# Redirected output gets wide tables: rich would cut them to 80 columns and
# drop the ends of ids. COLUMNS, when set, still wins.
console = Console(
    highlight=False,
    soft_wrap=True,
    markup=False,
    width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200,
)
# Below this many tickets a run finishes too fast for a progress bar to help.
PROGRESS_MIN_TICKETS = 20_000


def columns_option(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if not names:
        raise click.BadParameter("expected one or more comma-separated column names")
    return names


@click.group()
@click.version_option(package_name="tierdesk")
def cli() -> None:
    """Route support requests to tiers, teams and service levels."""
    try:
        level = load_settings().log_level
    except TierdeskError:
        # A command's help needs no settings, so an invalid variable must not
        # hide it. Click parses the command's --help only after this runs.
        arguments = sys.argv[1:]
        # After "--", "--help" is an argument, such as a file name.
        options = arguments[: arguments.index("--")] if "--" in arguments else arguments
        if "--help" not in options:
            raise
        level = "WARNING"
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


# entry point ----------------------------------------------------------------


class Terminated(BaseException):
    """SIGTERM arrived; unwinds like KeyboardInterrupt, so clean-up code runs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user errors print one line and exit 1, with no traceback."""
    # Without this, SIGTERM (systemd, docker stop, timeout) would kill the
    # process at once, leaving worker processes and temporary files behind.
    # Commands that run servers install their own handlers over it.
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        cli.main(args=argv, prog_name="tierdesk", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except TierdeskError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(143)
    except SQLAlchemyError as exc:
        # The driver's own message, without the SQL statement and its bound
        # values, which may hold ticket text.
        cause = getattr(exc, "orig", None) or exc
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        click.echo(
            f"error: the database failed: {type(cause).__name__}: {first_line}; "
            "check that --db or TIERDESK_DATABASE_URL names an existing database "
            "(a SQLite file or a PostgreSQL database) with a current schema",
            err=True,
        )
        sys.exit(1)
    except Exception as exc:
        if _debug():
            raise
        logger.debug("unexpected error", exc_info=True)
        click.echo(
            f"error: unexpected {type(exc).__name__}: {exc}; rerun with "
            "TIERDESK_DEBUG=1 for a traceback and report it",
            err=True,
        )
        sys.exit(2)


def _debug() -> bool:
    try:
        return load_settings().debug
    except TierdeskError:
        return False


# Command modules register themselves on `cli` when imported.
from tierdesk.cli import (  # noqa: E402, F401
    calendar,
    email,
    metrics,
    report,
    routing,
    serve,
    simulate,
)
