"""Fixtures of the e-mail tests: a service with a model and a local SMTP sink."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tierdesk.service.context import MailConfig, ServiceConfig, ServiceContext
from tierdesk.service.policies import upload_policy
from tierdesk.store.db import make_engine, upgrade

from ..service.conftest import (  # noqa: F401
    ADMIN,
    SERVICE_POLICY,
    WEDNESDAY,
    clock,
    context,
    model_path,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sink:
    """Messages an SMTP server on 127.0.0.1 received: (recipients, raw bytes)."""

    port: int
    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def mail_context(
    database_url: str,
    model_path: Path,  # noqa: F811
    smtp_sink: Sink,
) -> Iterator[ServiceContext]:
    engine = make_engine(database_url)
    upgrade(engine)
    mail = MailConfig(
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_timeout_seconds=10,
        mail_from="help@support.example.org",
        max_bytes=200_000,
    )
    service = ServiceContext(engine, ServiceConfig(model_path=model_path, mail=mail))
    upload_policy(service, ADMIN, SERVICE_POLICY, WEDNESDAY)
    yield service
    engine.dispose()


def message(
    *,
    sender: str | None = "Ana Lima <ana@example.com>",
    subject: str = "My card has not arrived",
    body: str | None = "I ordered a card two weeks ago and it has not arrived.",
    message_id: str | None = "<m1@mail.example.com>",
    in_reply_to: str | None = None,
    **headers: str,
) -> EmailMessage:
    """Build a test message; None leaves a header or the body out."""
    built = EmailMessage()
    if sender is not None:
        built["From"] = sender
    built["To"] = "help@support.example.org"
    built["Subject"] = subject
    if message_id is not None:
        built["Message-ID"] = message_id
    if in_reply_to is not None:
        built["In-Reply-To"] = in_reply_to
        built["References"] = in_reply_to
    for name, value in headers.items():
        built[name.replace("_", "-")] = value
    if body is not None:
        built.set_content(body)
    return built
