"""Commands for policies, training and batch routing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table as RichTable

from tierdesk.cli import PROGRESS_MIN_TICKETS, cli, columns_option, console
from tierdesk.errors import InputError, TierdeskError
from tierdesk.settings import load_settings

# policy ---------------------------------------------------------------------


@cli.group()
def policy() -> None:
    """Validate and explain policy files."""


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


@policy.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def policy_check(file: Path) -> None:
    """Validate FILE and summarise what it defines."""
    from tierdesk.policy import load_policy

    loaded = load_policy(file)
    p = loaded.policy
    counts = [
        _count(len(p.segments), "segment"),
        _count(len(p.inquiry_types), "inquiry type"),
        _count(len(p.tiers), "tier"),
        _count(len(p.teams), "team"),
        _count(len(p.sla_policies), "SLA policy", "SLA policies"),
        _count(len(p.routing.rules), "routing rule"),
    ]
    console.print(f"{file}: valid policy {p.version_label}: {', '.join(counts)}")
    for warning in loaded.warnings:
        console.print(f"warning: {warning}")


@policy.command("explain")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ticket",
    "ticket_json",
    required=True,
    help="The ticket as JSON, or @PATH to read it from a file. Give either "
    "'inquiry_type' and 'confidence', or text ('subject', 'body') with --model. "
    "Account attributes go in 'account', or name 'account_id' with --accounts.",
)
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file to classify the text with.",
)
@click.option(
    "--accounts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accounts file (CSV, XLSX, JSONL).",
)
def policy_explain(
    file: Path, ticket_json: str, model: Path | None, accounts: Path | None
) -> None:
    """Show the decision for one ticket and why each earlier rule did not match."""
    from tierdesk.explain import explain_ticket, render_explanation

    explanation = explain_ticket(file, _load_json(ticket_json), model, accounts)
    for line in render_explanation(explanation):
        console.print(line)


def _load_json(value: str) -> dict[str, Any]:
    source = "--ticket"
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            value = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror}", file=path) from None
        source = str(path)
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: invalid JSON: {exc.msg} at column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object")
    return data


# train ----------------------------------------------------------------------


@cli.command()
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--text",
    "text_columns",
    default="subject,body",
    show_default=True,
    help="Comma-separated columns joined into the ticket text.",
)
@click.option(
    "--label", "label_column", required=True, help="Column holding the inquiry label."
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file to write.",
)
@click.option(
    "--test",
    "test_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Evaluate on this file instead of a held-out part of HISTORY.",
)
@click.option(
    "--test-size",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0.01, 0.9),
    help="Share of HISTORY held out for evaluation.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the metrics as JSON here.",
)
@click.option(
    "--one-touch",
    "one_touch_column",
    help="Column saying whether each ticket was solved in one touch; learns "
    "complexity.",
)
@click.option(
    "--kind",
    default="linear",
    show_default=True,
    help="Classifier kind: linear, or embeddings with the extra installed.",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of CSV and JSONL input.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    help="Seed for the held-out split and the model.",
)
def train(
    history: Path,
    text_columns: str,
    label_column: str,
    out_path: Path,
    test_path: Path | None,
    test_size: float,
    report_path: Path | None,
    one_touch_column: str | None,
    kind: str,
    encoding: str,
    seed: int,
) -> None:
    """Train an inquiry classifier on labelled HISTORY and evaluate it."""
    from tierdesk.training import TrainOptions, run_training

    options = TrainOptions(
        text_columns=columns_option(text_columns),
        label_column=label_column,
        one_touch_column=one_touch_column,
        kind=kind,
        encoding=encoding,
        seed=seed,
        test_size=test_size,
    )
    with console.status("training..."):
        outcome = run_training(
            history, out_path, options, test_path=test_path, report_path=report_path
        )
    metrics = outcome.metrics
    for warning in outcome.warnings:
        console.print(f"warning: {warning}")
    console.print(
        f"trained {kind} on {metrics['train_rows']} rows, {metrics['labels']} labels, "
        f"in {metrics['fit_seconds']} s; evaluated on {metrics['test_rows']} rows"
    )
    console.print(
        f"accuracy {metrics['accuracy']:.4f}  macro-F1 {metrics['macro_f1']:.4f}  "
        f"calibration error {metrics['expected_calibration_error']:.4f}"
    )
    if "complexity" in metrics and "accuracy" in metrics["complexity"]:
        console.print(f"complexity accuracy {metrics['complexity']['accuracy']:.4f}")
    table = RichTable("label", "precision", "recall", "f1", "support")
    for label, row in metrics["per_class"].items():
        table.add_row(
            label,
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            str(row["support"]),
        )
    console.print(table)
    console.print(f"model written to {out_path}")
    if report_path:
        console.print(f"metrics written to {report_path}")


# route ----------------------------------------------------------------------


@cli.command()
@click.argument("tickets", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy file.",
)
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model file from 'tierdesk train'.",
)
@click.option(
    "--accounts",
    "accounts_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accounts file (CSV, XLSX, JSONL) with account attributes.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write decisions to .csv, .jsonl or .parquet.",
)
@click.option(
    "--db",
    "database_url",
    help="SQLAlchemy database URL [default: TIERDESK_DATABASE_URL or sqlite:///tierdesk.db].",
)
@click.option(
    "--no-store",
    is_flag=True,
    help="Do not store tickets and decisions in the database.",
)
@click.option(
    "--id-column",
    default="id",
    show_default=True,
    help="Column holding the ticket id; '@row' makes ids from the file name and "
    "row number.",
)
@click.option(
    "--text",
    "text_columns",
    default="subject,body",
    show_default=True,
    help="Comma-separated text columns; the first is the subject, the rest the body.",
)
@click.option(
    "--account-id-column",
    default="account_id",
    show_default=True,
    help="Column holding the account id, in tickets and accounts.",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of CSV and JSONL input.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes that classify in parallel [default: 1 below 20,000 tickets, "
    "else one per core, at most 4].",
)
def route(
    tickets: Path,
    policy_path: Path,
    model_path: Path,
    accounts_path: Path | None,
    out_path: Path | None,
    database_url: str | None,
    no_store: bool,
    id_column: str,
    text_columns: str,
    account_id_column: str,
    encoding: str,
    workers: int | None,
) -> None:
    """Segment, classify and route every ticket in TICKETS."""
    from tierdesk.routing_job import RouteOptions, run_routing

    options = RouteOptions(
        id_column=id_column,
        text_columns=columns_option(text_columns),
        account_id_column=account_id_column,
        encoding=encoding,
        database_url=(
            None if no_store else (database_url or load_settings().database_url)
        ),
        workers=workers,
    )
    with _progress() as (progress, task):
        outcome = run_routing(
            tickets,
            policy_path,
            model_path,
            accounts_path,
            out_path,
            options,
            progress=lambda n: progress.advance(task, n),
            start=lambda total: progress.update(
                task, total=total, visible=total >= PROGRESS_MIN_TICKETS
            ),
            now=datetime.now(UTC),
        )
    _print_summary(outcome, out_path)


class _progress:
    """A progress bar that only shows when the run is long."""

    def __enter__(self) -> tuple[Progress, Any]:
        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.progress.start()
        task = self.progress.add_task("routing", total=None, visible=False)
        return self.progress, task

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _print_summary(outcome: Any, out_path: Path | None) -> None:
    summary = outcome.summary
    console.print(f"routed {summary.tickets} tickets under {outcome.policy_version}")
    for title, counts in (
        ("tier", summary.by_tier),
        ("team", summary.by_team),
        ("segment", summary.by_segment),
    ):
        table = RichTable(title, "tickets", "share")
        for key, count in counts.most_common():
            table.add_row(key, str(count), f"{count / summary.tickets:.1%}")
        console.print(table)
    console.print(
        f"routed to vendor teams (excluding triage): {summary.vendor_share:.1%}"
    )
    console.print(
        f"sent to triage (confidence below threshold): {summary.triage_share:.1%}"
    )
    skipped = sum(summary.skipped.counts.values())
    console.print(f"rows skipped: {skipped}")
    for line in summary.skipped.lines():
        console.print(f"  {line}")
    for line in summary.warnings.lines():
        console.print(f"warning: {line}")
    if outcome.stored is not None:
        stored = outcome.stored
        console.print(
            f"stored in {outcome.database}: {stored.tickets_new} new tickets "
            f"({stored.tickets_total} in all), {stored.decisions_new} new decisions "
            f"({stored.decisions_total} in all)"
        )
    if out_path is not None:
        console.print(f"decisions written to {out_path}")


# demo -----------------------------------------------------------------------


def find_examples() -> Path:
    """Return the repository's examples folder for an editable install or a clone.

    It is the first `examples` folder that contains the banking sample, in the
    working directory or above this file. Without one, it is the working
    directory's `examples`, so the error message names a familiar path.
    """
    candidates = [Path.cwd(), *Path(__file__).resolve().parents]
    for folder in candidates:
        if (folder / "examples" / "banking" / "policy.yaml").is_file():
            return folder / "examples"
    return Path.cwd() / "examples"


@cli.command()
@click.option(
    "--examples",
    "examples_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The repository's examples folder [default: found beside the package].",
)
@click.option(
    "--out",
    "out_dir",
    default="tierdesk-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the model and the decisions.",
)
@click.option(
    "--db",
    "database_url",
    help="SQLAlchemy database URL [default: TIERDESK_DATABASE_URL or sqlite:///tierdesk.db].",
)
@click.pass_context
def demo(
    ctx: click.Context,
    examples_dir: Path | None,
    out_dir: Path,
    database_url: str | None,
) -> None:
    """Train on the bundled banking history, then route its sample tickets."""
    examples = examples_dir or find_examples()
    banking = examples / "banking"
    if not (banking / "policy.yaml").is_file():
        raise TierdeskError(
            f"bundled sample not found in {banking}; run from a clone of the "
            "repository or pass --examples PATH/TO/examples"
        )
    model = out_dir / "banking.model"
    steps: list[tuple[str, Any, list[str]]] = [
        (
            "train",
            train,
            [
                str(banking / "history.csv"),
                "--text",
                "text",
                "--label",
                "category",
                "--out",
                str(model),
                "--report",
                str(out_dir / "banking-metrics.json"),
            ],
        ),
        (
            "route",
            route,
            [
                str(banking / "tickets.csv"),
                "--policy",
                str(banking / "policy.yaml"),
                "--model",
                str(model),
                "--accounts",
                str(banking / "accounts.csv"),
                "--text",
                "subject",
                "--out",
                str(out_dir / "decisions.csv"),
            ]
            + (["--db", database_url] if database_url else []),
        ),
    ]
    for name, command, arguments in steps:
        console.rule(f"tierdesk {name} {' '.join(arguments)}")
        ctx.invoke(command, **_parse(command, arguments))


def _parse(command: click.Command, arguments: list[str]) -> dict[str, Any]:
    with command.make_context(command.name, list(arguments)) as sub:
        return dict(sub.params)
