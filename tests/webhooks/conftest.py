"""Fixtures of the webhook tests: a service whose deliveries retry quickly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tierdesk.service.context import ServiceConfig, ServiceContext, WebhookConfig
from tierdesk.service.policies import upload_policy
from tierdesk.store.db import make_engine, upgrade

from ..service.conftest import ADMIN, SERVICE_POLICY, WEDNESDAY, clock  # noqa: F401

WEBHOOKS = WebhookConfig(
    max_attempts=3,
    backoff=timedelta(seconds=30),
    max_backoff=timedelta(minutes=5),
    timeout_seconds=5.0,
)


@pytest.fixture
def context(database_url: str) -> Iterator[ServiceContext]:
    engine = make_engine(database_url)
    upgrade(engine)
    service = ServiceContext(engine, ServiceConfig(webhooks=WEBHOOKS))
    upload_policy(service, ADMIN, SERVICE_POLICY, WEDNESDAY)
    yield service
    engine.dispose()
