"""The `tierdesk route` job: tickets from a file to decisions in a file and a database."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tierdesk.accounts import parse_accounts
from tierdesk.classify.modelfile import load_model
from tierdesk.classify.parallel import ProcessPredictor
from tierdesk.classify.predict import InquiryPredictor
from tierdesk.digest import file_digest
from tierdesk.io.tables import check_writable, read_table, write_records
from tierdesk.policy import load_policy
from tierdesk.route.batch import (
    RoutingSummary,
    Tally,
    TicketColumns,
    route_tickets,
    tickets_from_table,
)
from tierdesk.route.router import Router
from tierdesk.store.routing import StoreCounts

logger = logging.getLogger(__name__)

DECISION_COLUMNS = [
    "ticket_id",
    "segment",
    "inquiry_type",
    "confidence",
    "complexity",
    "complexity_source",
    "priority",
    "tier",
    "team",
    "team_kind",
    "sla_policy",
    "first_response_target",
    "resolution_target",
    "first_response_target_minutes",
    "resolution_target_minutes",
    "sla_time",
    "rule",
    "segment_rule",
    "triage",
    "tags",
    "reason",
    "policy_version",
]


@dataclass(frozen=True)
class RouteOptions:
    id_column: str = "id"
    text_columns: tuple[str, ...] = ("subject", "body")
    account_id_column: str = "account_id"
    encoding: str = "utf-8"
    database_url: str | None = None
    workers: int | None = None  # None: chosen by auto_workers


# Below this many tickets, starting worker processes costs more than it saves.
PARALLEL_MIN_TICKETS = 20_000


def auto_workers(tickets: int) -> int:
    """Return how many classifying processes to use for a batch of `tickets`."""
    if tickets < PARALLEL_MIN_TICKETS:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass
class RouteOutcome:
    summary: RoutingSummary
    policy_version: str
    stored: StoreCounts | None
    database: str | None


def run_routing(
    tickets_path: Path,
    policy_path: Path,
    model_path: Path,
    accounts_path: Path | None,
    out_path: Path | None,
    options: RouteOptions,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    start: Callable[[int], None] | None = None,
) -> RouteOutcome:
    """Route every ticket in the file; store and write the decisions.

    Inputs are all read and checked before anything is written, so a bad file
    leaves the database and the output file as they were.
    """
    if out_path is not None:
        check_writable(out_path)
    loaded = load_policy(policy_path)
    policy = loaded.policy
    bundle = load_model(model_path)
    predictor = InquiryPredictor(bundle, policy)
    model_id = bundle.metadata.get("model_id") or file_digest(model_path)
    router = Router(policy)
    accounts = {}
    if accounts_path is not None:
        accounts = parse_accounts(
            read_table(accounts_path, encoding=options.encoding),
            policy,
            options.account_id_column,
        )
    table = read_table(tickets_path, encoding=options.encoding)
    columns = TicketColumns(
        id=options.id_column,
        text=options.text_columns,
        account=options.account_id_column,
    )
    skipped, warnings = Tally(), Tally()
    tickets, rows = tickets_from_table(table, columns, skipped, warnings)
    if start is not None:
        start(len(tickets))
    logger.info(
        "routing %d tickets under policy %s", len(tickets), policy.version_label
    )
    workers = options.workers if options.workers is not None else auto_workers(len(tickets))
    with ExitStack() as stack:
        if workers > 1:
            chunk_predictor: InquiryPredictor | ProcessPredictor = stack.enter_context(
                ProcessPredictor(predictor, model_path, policy_path, workers)
            )
        else:
            chunk_predictor = predictor
        result = route_tickets(
            tickets,
            rows,
            router,
            chunk_predictor,
            accounts,
            skipped=skipped,
            warnings=warnings,
            progress=progress,
        )

    stored = None
    if options.database_url is not None:
        stored = _store(
            options.database_url, result, accounts, loaded.digest, model_id, now
        )
    if out_path is not None:
        write_records(
            [d.as_record() for d in result.decisions],
            out_path,
            DECISION_COLUMNS,
            plain=True,
        )
    return RouteOutcome(
        result.summary,
        policy.version_label,
        stored,
        _safe_url(options.database_url),
    )


def _store(
    url: str,
    result: object,
    accounts: dict[str, dict[str, object]],
    policy_digest: str,
    model_id: str,
    now: datetime,
) -> StoreCounts:
    from tierdesk.store.db import make_engine, upgrade
    from tierdesk.store.routing import store_routing

    engine = make_engine(url)
    try:
        upgrade(engine)
        return store_routing(
            engine,
            tickets=result.tickets,  # type: ignore[attr-defined]
            decisions=result.decisions,  # type: ignore[attr-defined]
            accounts=accounts,
            policy_digest=policy_digest,
            model_digest=model_id,
            now=now,
        )
    finally:
        engine.dispose()


def _safe_url(url: str | None) -> str | None:
    """Return the URL with any password hidden, for messages."""
    if url is None:
        return None
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
