"""The function that runs each task, for procrastinate and for the SQLite outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tierdesk.jobs.names import CLOSE_TICKET, DELIVER_WEBHOOK, SEND_SURVEY
from tierdesk.service.context import ServiceContext

Handler = Callable[[ServiceContext, dict[str, Any], datetime], None]


def job_handlers() -> dict[str, Handler]:
    """Return the handler of every task name.

    Imported here rather than at module level, because the service modules that
    enqueue jobs import `tierdesk.jobs.queue`.
    """
    from tierdesk.mail.survey import send_survey
    from tierdesk.service.lifecycle import close_after_window
    from tierdesk.webhooks.delivery import deliver_webhook

    return {
        DELIVER_WEBHOOK: deliver_webhook,
        SEND_SURVEY: send_survey,
        CLOSE_TICKET: close_after_window,
    }
