"""Outgoing e-mail: composing the CSAT survey and sending it over SMTP."""

from __future__ import annotations

import email.utils
import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage

from tierdesk.service.context import MailConfig

# Characters of the ticket subject kept in the survey's subject line.
_SUBJECT_CHARACTERS = 150


def new_message_id(config: MailConfig) -> str:
    """Return a new Message-ID, without angle brackets, in the sender's domain."""
    domain = config.mail_from.rpartition("@")[2] or "localhost"
    return f"{uuid.uuid4().hex}@{domain}"


def survey_message(
    config: MailConfig,
    *,
    to: str,
    ticket_id: str,
    ticket_subject: str,
    rating_url: str,
    expires_at: datetime,
    message_id: str,
    in_reply_to: str | None,
    now: datetime,
) -> EmailMessage:
    """Compose the survey e-mail of one solve of a ticket.

    The subject carries `[ticket_id]`, so a reply threads onto the ticket even
    when the requester's mail program drops In-Reply-To.
    """
    topic = " ".join(ticket_subject.split())[:_SUBJECT_CHARACTERS]
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to
    message["Subject"] = f"How did we do? [{ticket_id}] {topic}".strip()
    message["Date"] = email.utils.format_datetime(now)
    message["Message-ID"] = f"<{message_id}>"
    # RFC 3834: vacation responders do not reply to an auto-generated message.
    message["Auto-Submitted"] = "auto-generated"
    if in_reply_to is not None:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    message.set_content(
        f"Your request {ticket_id} has been solved.\n\n"
        "How satisfied are you with the help you received? Rate it from 1 (bad) "
        "to 5 (good) here:\n\n"
        f"{rating_url}\n\n"
        f"The link works once and until {expires_at:%Y-%m-%d %H:%M} UTC.\n"
        "If your request is not solved, reply to this e-mail and the ticket "
        "reopens.\n"
    )
    return message


def send_message(config: MailConfig, message: EmailMessage) -> None:
    """Send one message through the configured SMTP server; raise on failure."""
    if config.smtp_host is None:
        raise RuntimeError("no SMTP server is configured (TIERDESK_SMTP_HOST)")
    with smtplib.SMTP(
        config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds
    ) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_username:
            smtp.login(config.smtp_username, config.smtp_password or "")
        smtp.send_message(message)
