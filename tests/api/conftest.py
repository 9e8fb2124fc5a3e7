"""Fixtures for the HTTP API: an app over a fresh database, a token per role, and
agents and tickets in two teams for access tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tierdesk.api.app import create_app
from tierdesk.service.actor import Role
from tierdesk.service.context import ServiceContext
from tierdesk.service.tokens import create_token

from ..service.conftest import (  # noqa: F401
    SERVICE_POLICY,
    WEDNESDAY,
    Clock,
    add_agent,
    clock,
    context,
    make_context,
    model_path,
)

MAX_BODY = 64_000


@dataclass
class Api:
    """A test client with one bearer token per role."""

    client: TestClient
    tokens: dict[str, str]
    context: ServiceContext

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def request(self, method: str, path: str, role: str = "admin", **kwargs):  # type: ignore[no-untyped-def]
        headers = {**self.headers(role), **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


def make_tokens(service: ServiceContext) -> dict[str, str]:
    """Tokens for each role; `agent` and `vendor_agent` work in the vendor team."""
    add_agent(service, "vera", ["vendor"], capacity=0)
    add_agent(service, "sam", ["specialists"], capacity=0)
    scopes = {
        "admin": (Role.ADMIN, [], None),
        "ops_analyst": (Role.OPS_ANALYST, [], None),
        "agent": (Role.AGENT, ["specialists"], "sam"),
        "vendor_agent": (Role.VENDOR_AGENT, ["vendor"], "vera"),
        "integration": (Role.INTEGRATION, [], None),
    }
    return {
        name: create_token(
            service.engine,
            name=f"{name}-token",
            role=role,
            teams=teams,
            agent_id=agent,
            now=WEDNESDAY,
        ).token
        for name, (role, teams, agent) in scopes.items()
    }


@pytest.fixture
def api(context: ServiceContext, clock: Clock) -> Iterator[Api]:  # noqa: F811
    app = create_app(context, clock=clock, max_body_bytes=MAX_BODY)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, make_tokens(context), context)
