"""An SMTP server, on aiosmtpd, that turns each message into a ticket or a reply.

It accepts mail for any recipient and has no authentication, so bind it to an
address that only the mail relay in front of it reaches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiosmtpd.controller import Controller

from tierdesk.mail.ingest import ingest_email
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import ServiceError

logger = logging.getLogger(__name__)

# The logger of aiosmtpd's protocol module (aiosmtpd 1.4).
AIOSMTPD_LOGGER = "mail.log"
# Enhanced status codes (RFC 3463) of each rejection.
_REPLY_CODES = {
    "message_too_large": "552 5.3.4",
    "broken_mime": "550 5.6.0",
    "missing_from": "550 5.1.7",
    "invalid_from": "550 5.1.7",
    "empty_body": "550 5.6.0",
    "auto_reply": "550 5.7.1",
}


class IngestHandler:
    """aiosmtpd handler: ingests each message in a thread, off the event loop."""

    def __init__(self, context: ServiceContext, clock: Callable[[], datetime]) -> None:
        self.context = context
        self.clock = clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            result = await asyncio.to_thread(
                ingest_email, self.context, raw, self.clock()
            )
        except ServiceError as exc:
            # The code only: messages and addresses stay out of the log.
            logger.info("rejected an e-mail of %d bytes: %s", len(raw), exc.code)
            prefix = _REPLY_CODES.get(exc.code, "554 5.6.0")
            return f"{prefix} {exc.code}: {_ascii(exc.message)}"
        except Exception:
            logger.exception("e-mail of %d bytes could not be stored", len(raw))
            return "451 4.3.0 temporary failure; try again later"
        return f"250 2.0.0 {result.outcome} ticket {result.ticket_id}"


def start_smtp_server(
    context: ServiceContext,
    host: str,
    port: int,
    clock: Callable[[], datetime],
) -> Controller:
    """Start the server in a background thread and return its controller."""
    # aiosmtpd logs every SMTP command at INFO, MAIL FROM and RCPT TO with
    # their addresses among them; tierdesk keeps addresses out of its logs.
    logging.getLogger(AIOSMTPD_LOGGER).setLevel(logging.WARNING)
    controller = Controller(
        IngestHandler(context, clock),
        hostname=host,
        port=port,
        data_size_limit=context.config.mail.max_bytes,
    )
    controller.start()
    logger.info("SMTP intake listening on %s:%s", host, port)
    return controller


def _ascii(text: str) -> str:
    return text.encode("ascii", errors="replace").decode("ascii").replace("\n", " ")
