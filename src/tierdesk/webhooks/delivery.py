"""The `webhook.deliver` job: one signed attempt of one delivery, then its record.

An attempt is claimed in one transaction and recorded in another, so no lock
is held while the receiver responds. The claim names the attempt number, so a
job run twice (after a worker died) cannot start the same attempt twice while
the first is still within its lease; a repeat after the lease sends the same
body with the same delivery id, which receivers de-duplicate on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

import tierdesk
from tierdesk.jobs.backoff import retry_delay
from tierdesk.jobs.names import DELIVER_WEBHOOK
from tierdesk.jobs.queue import enqueue
from tierdesk.service.context import ServiceContext
from tierdesk.service.transactions import write_session
from tierdesk.store.webhooks import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from tierdesk.webhooks.signing import HEADER, signature_header
from tierdesk.webhooks.transport import PostResult, post

logger = logging.getLogger(__name__)

# Time beyond the HTTP timeout after which a claimed attempt counts as
# abandoned by its worker.
_LEASE_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class _Claim:
    row_id: int
    delivery_id: str
    event_type: str
    url: str
    secret: str
    payload: str


def deliver_webhook(
    context: ServiceContext, args: dict[str, Any], now: datetime
) -> None:
    """Make attempt `args["attempt"]` of delivery `args["delivery"]` and record it."""
    attempt = int(args["attempt"])
    claim = _claim(context, str(args["delivery"]), attempt, now)
    if claim is None:
        return
    timestamp = int(now.timestamp())
    body = claim.payload.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"tierdesk-webhooks/{tierdesk.__version__}",
        "Tierdesk-Delivery": claim.delivery_id,
        "Tierdesk-Event": claim.event_type,
        "Tierdesk-Attempt": str(attempt),
        HEADER: signature_header(claim.secret, timestamp, body),
    }
    started = time.perf_counter()
    result = post(claim.url, body, headers, context.config.webhooks.timeout_seconds)
    duration_ms = (time.perf_counter() - started) * 1000
    _record(context, claim, attempt, result, duration_ms, now)


def _claim(
    context: ServiceContext, delivery_id: str, attempt: int, now: datetime
) -> _Claim | None:
    config = context.config.webhooks
    with write_session(context.engine) as session:
        row = session.scalar(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.delivery_id == delivery_id)
            .with_for_update()
        )
        if row is None:
            logger.warning("webhook delivery %s not found", delivery_id)
            return None
        due = row.status == "pending" and row.attempt == attempt - 1
        abandoned = (
            row.status == "sending"
            and row.attempt == attempt
            and row.lease_expires_at is not None
            and row.lease_expires_at <= now
        )
        if not (due or abandoned):
            logger.info(
                "webhook delivery %s attempt %d skipped: it is %s after attempt %d",
                delivery_id,
                attempt,
                row.status,
                row.attempt,
            )
            return None
        subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
        assert subscription is not None
        if not subscription.active:
            row.status = "cancelled"
            row.finished_at = now
            logger.info(
                "webhook delivery %s cancelled: subscription %s is inactive",
                delivery_id,
                subscription.external_id,
            )
            return None
        row.status = "sending"
        row.attempt = attempt
        row.lease_expires_at = (
            now + timedelta(seconds=config.timeout_seconds) + _LEASE_MARGIN
        )
        return _Claim(
            row.id,
            row.delivery_id,
            row.event_type,
            subscription.url,
            subscription.secret,
            row.payload,
        )


def _record(
    context: ServiceContext,
    claim: _Claim,
    attempt: int,
    result: PostResult,
    duration_ms: float,
    now: datetime,
) -> None:
    config = context.config.webhooks
    with write_session(context.engine) as session:
        row = session.scalar(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == claim.row_id)
            .with_for_update()
        )
        if row is None or row.status != "sending" or row.attempt != attempt:
            return
        session.add(
            WebhookAttemptRow(
                delivery_row_id=row.id,
                number=attempt,
                started_at=now,
                duration_ms=round(duration_ms, 1),
                succeeded=result.succeeded,
                response_code=result.status,
                error=result.error,
            )
        )
        row.lease_expires_at = None
        if result.succeeded:
            row.status = "delivered"
            row.finished_at = now
            row.next_attempt_at = None
            logger.info("webhook delivery %s delivered", claim.delivery_id)
            return
        if attempt >= config.max_attempts:
            row.status = "dead"
            row.finished_at = now
            row.next_attempt_at = None
            logger.warning(
                "webhook delivery %s is dead after %d attempts; last error: %s",
                claim.delivery_id,
                attempt,
                result.error,
            )
            return
        wait = retry_delay(attempt, config.backoff, config.max_backoff)
        row.status = "pending"
        row.next_attempt_at = now + wait
        enqueue(
            session,
            DELIVER_WEBHOOK,
            now,
            run_at=row.next_attempt_at,
            delivery=claim.delivery_id,
            attempt=attempt + 1,
        )
        logger.info(
            "webhook delivery %s attempt %d failed (%s); retrying in %.0f s",
            claim.delivery_id,
            attempt,
            result.error,
            wait.total_seconds(),
        )
