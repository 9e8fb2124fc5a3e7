"""Bad input over HTTP: each case gets its 4xx, a stable code and the field, and
nothing is written."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from tierdesk.api.app import create_app
from tierdesk.service.actor import Role
from tierdesk.service.context import ServiceContext
from tierdesk.service.token_cache import TokenCache
from tierdesk.service.tokens import create_token
from tierdesk.store.db import make_engine
from tierdesk.store.history import AuditRow
from tierdesk.store.schema import TicketRow

from ..service.conftest import (
    ADMIN,
    SERVICE_POLICY,
    WEDNESDAY,
    Clock,
    make_context,
)
from .conftest import MAX_BODY, Api


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _count(api: Api, model: type) -> int:
    with api.context.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("content", "status", "code", "field"),
    [
        (b'{"subject": "x", ', 400, "malformed_json", "body"),
        (b'{"subject": ' + b"9" * 4301 + b"}", 400, "malformed_json", "body"),
        (b"[1, 2]", 422, "invalid_field", "body"),
        (b'{"subject": 5, "inquiry_type": "cards"}', 422, "invalid_field", "subject"),
        (
            b'{"subject": "x", "subject": "y", "inquiry_type": "cards"}',
            422,
            "invalid_field",
            "subject",
        ),
        (
            b'{"subject": "x", "requester": {"name": "A", "name": "B"}, '
            b'"inquiry_type": "cards"}',
            422,
            "invalid_field",
            "requester.name",
        ),
        (
            b'{"subject": "x", "inquiry_type": "cards", "colour": "red"}',
            422,
            "unknown_field",
            "colour",
        ),
        (
            b'{"subject": "x", "requester": {"email": "x"}, "inquiry_type": "cards"}',
            422,
            "invalid_field",
            "requester.email",
        ),
        (
            b'{"subject": "x", "inquiry_type": "nope"}',
            422,
            "invalid_field",
            "inquiry_type",
        ),
        (
            b'{"subject": "x", "inquiry_type": "cards", "channel": "fax"}',
            422,
            "invalid_field",
            "channel",
        ),
        (
            b'{"subject": "x", "inquiry_type": "cards", "requester_id": "R-none"}',
            422,
            "unknown_reference",
            "requester_id",
        ),
        (b'{"body": "", "inquiry_type": "cards"}', 422, "invalid_field", "body"),
    ],
)
def test_bad_ticket_bodies(
    api: Api, content: bytes, status: int, code: str, field: str
) -> None:
    response = api.request(
        "POST",
        "/tickets",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == status
    error = _error(response)
    assert error["code"] == code
    assert error["field"] == field
    assert _count(api, TicketRow) == 0


def test_oversized_body(api: Api) -> None:
    body = b'{"subject": "' + b"x" * MAX_BODY + b'"}'
    response = api.request(
        "POST", "/tickets", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "body_too_large"
    assert _count(api, TicketRow) == 0


def test_oversized_body_without_length(api: Api) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * (MAX_BODY // 5)

    response = api.request(
        "POST",
        "/tickets",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _error(response)["code"] == "body_too_large"


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/tickets/T-missing", "ticket_id"),
        ("POST", "/tickets/T-missing/status", "ticket_id"),
        ("GET", "/agents/nobody", "agent_id"),
        ("GET", "/requesters/R-none", "requester_id"),
        ("GET", "/accounts/none", "account_id"),
        ("GET", "/bugs/none", "bug_id"),
        ("GET", "/policy/versions/99", "revision"),
        ("POST", "/policy/versions/99/activate", "revision"),
    ],
)
def test_unknown_ids(api: Api, method: str, path: str, field: str) -> None:
    json = {"status": "open"} if path.endswith("/status") else None
    response = api.request(method, path, json=json)
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    assert _error(response)["field"] == field


def test_wrong_path_type(api: Api) -> None:
    response = api.request("GET", "/policy/versions/latest")
    assert response.status_code == 422
    assert _error(response)["field"] == "revision"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "params", "field"),
    [
        ("GET", "/tickets", {"cursor": _cursor("t:2147483648")}, "cursor"),
        ("GET", "/tickets", {"cursor": _cursor("t:9223372036854775808")}, "cursor"),
        ("GET", "/policy/versions/2147483648", None, "revision"),
        ("GET", "/policy/versions/99999999999999999999", None, "revision"),
        ("POST", "/policy/versions/99999999999999999999/activate", None, "revision"),
        ("GET", "/audit", {"after_id": "99999999999999999999"}, "after_id"),
    ],
)
def test_ids_beyond_the_id_range(
    api: Api, method: str, path: str, params: dict[str, str] | None, field: str
) -> None:
    response = api.request(method, path, params=params)
    assert response.status_code == 422
    assert _error(response)["field"] == field


def test_bad_query_values(api: Api) -> None:
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"status": "lost"}, "status[0]"),
        ({"cursor": "!!!"}, "cursor"),
        ({"created_after": "yesterday"}, "created_after"),
    ):
        response = api.request("GET", "/tickets", params=params)
        assert response.status_code == 422, params
        assert _error(response)["field"] == field


def test_unknown_route_and_method(api: Api) -> None:
    assert _error(api.request("GET", "/nothing"))["code"] == "route_not_found"
    response = api.request("DELETE", "/tickets")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_missing_and_bad_token(api: Api) -> None:
    response = api.client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"
    response = api.client.get(
        "/api/v1/tickets", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_token"


def test_invalid_policy_upload_keeps_active(api: Api) -> None:
    broken = SERVICE_POLICY.replace("version: 1", "version: 2").replace(
        "fallback_team: specialists", "fallback_team: ghosts"
    )
    audits = _count(api, AuditRow)
    response = api.request(
        "PUT",
        "/policy",
        content=broken.encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "policy_invalid"
    assert error["field"] == "teams[2].assignment.fallback_team"
    assert error["details"][0]["line"] > 0
    assert api.request("GET", "/policy").json()["revision"] == 1
    assert len(api.request("GET", "/policy/versions").json()) == 1
    assert _count(api, AuditRow) == audits


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"id: [unclosed", "application/yaml", 422, "policy_invalid"),
        (b"- just\n- a list\n", "text/yaml", 422, "policy_invalid"),
        (b"\xff\xfe", "application/yaml", 400, "invalid_encoding"),
        (b"{}", "application/json", 415, "unsupported_media_type"),
    ],
)
def test_bad_policy_bodies(
    api: Api, content: bytes, content_type: str, status: int, code: str
) -> None:
    response = api.request(
        "PUT", "/policy", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert _error(response)["code"] == code
    assert api.request("GET", "/policy").json()["revision"] == 1


def test_conflicts(api: Api) -> None:
    ticket = api.request(
        "POST", "/tickets", json={"subject": "x", "inquiry_type": "cards"}
    ).json()
    path = f"/tickets/{ticket['id']}"
    api.request("POST", f"{path}/status", json={"status": "open"})
    response = api.request("POST", f"{path}/status", json={"status": "new"})
    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_transition"
    assert _error(response)["field"] == "status"
    response = api.request("POST", f"{path}/csat-link")
    assert _error(response)["code"] == "ticket_not_solved"
    response = api.request("POST", f"{path}/assign", json={"agent_id": "ghost"})
    assert response.status_code == 422
    assert _error(response)["code"] == "unknown_reference"
    assert _error(response)["field"] == "agent_id"


def test_csat_errors(api: Api) -> None:
    response = api.client.post("/api/v1/csat/nothing", json={"score": 3})
    assert response.status_code == 404
    assert _error(response)["field"] == "token"
    response = api.client.post("/api/v1/csat/nothing", json={"score": 9})
    assert response.status_code == 422
    assert _error(response)["field"] == "score"


def test_no_500_on_odd_input(api: Api) -> None:
    odd = [
        ("POST", "/tickets", rb'{"subject": "nul \u0000", "inquiry_type": "cards"}'),
        ("POST", "/tickets", rb'{"subject": "half \ud800", "inquiry_type": "cards"}'),
        ("POST", "/tickets", rb'{"subject": "x", "requester": {"name": "\u0000"}}'),
        ("GET", "/tickets/T-%00", None),
        ("GET", "/tickets?team=%00", None),
        ("PATCH", "/tickets/T-x", b'{"priority": null}'),
        ("POST", "/agents", b'{"id": "a b", "name": "x", "teams": ["vendor"]}'),
        ("POST", "/agents", b'{"id": "ok", "name": "x", "teams": ["ghosts"]}'),
        ("PUT", "/accounts/A", b'{"attributes": {"plan": ["x"]}}'),
        ("POST", "/routing/dry-run", b'{"subject": "x", "revision": 0}'),
        (
            "POST",
            "/tickets",
            b'{"subject": "x", "inquiry_type": "cards", "subject": 1}',
        ),
    ]
    for method, path, content in odd:
        headers = {"Content-Type": "application/json"}
        response = api.request(method, path, content=content, headers=headers)
        assert 400 <= response.status_code < 500, (path, content, response.text)
        assert "code" in _error(response)
    assert _count(api, TicketRow) == 0


def test_locked_sqlite_gives_503(tmp_path: Path, clock: Clock) -> None:
    context = make_context(f"sqlite:///{tmp_path / 'locked.db'}")
    # Wait 50 ms for the write lock instead of 10 s.
    event.listen(
        context.engine,
        "connect",
        lambda connection, _: connection.execute("PRAGMA busy_timeout=50"),
    )
    context.engine.dispose()
    token = create_token(
        context.engine,
        name="t",
        role=Role.ADMIN,
        teams=[],
        agent_id=None,
        now=WEDNESDAY,
    ).token
    app = create_app(context, clock=clock)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            holder.execute("BEGIN IMMEDIATE")
            response = client.post(
                "/api/v1/tickets",
                json={"subject": "Locked", "inquiry_type": "cards"},
                headers={"Authorization": f"Bearer {token}"},
            )
            holder.execute("ROLLBACK")
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
            assert response.json()["error"]["code"] == "database_unavailable"
            retried = client.post(
                "/api/v1/tickets",
                json={"subject": "Locked", "inquiry_type": "cards"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert retried.status_code == 201
    finally:
        holder.close()
        context.engine.dispose()


def test_unreachable_postgres_gives_503(clock: Clock) -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    context = ServiceContext(engine)
    # A token this process has checked, so the first database read is the route's.
    context.tokens = TokenCache(60)
    context.tokens.put("tdk_known", ADMIN)
    app = create_app(context, clock=clock)
    headers = {"Authorization": "Bearer tdk_known"}
    with TestClient(app, raise_server_exceptions=False) as client:
        read = client.get("/api/v1/teams", headers=headers)
        # Ticket creation reads through the driver, outside SQLAlchemy's Connection.
        created = client.post(
            "/api/v1/tickets",
            json={"subject": "Card", "inquiry_type": "cards"},
            headers=headers,
        )
    for response in (read, created):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"


def test_model_check_message_is_plain(api: Api) -> None:
    response = api.request("POST", "/tickets", json={"inquiry_type": "cards"})
    assert response.status_code == 422
    error = _error(response)
    assert error["message"] == "body: a ticket needs a subject or a body"
    assert error["details"][0]["message"] == "a ticket needs a subject or a body"


def test_repeated_name_lists_its_detail(api: Api) -> None:
    response = api.request(
        "POST",
        "/tickets",
        content=b'{"subject": "a", "subject": "b", "inquiry_type": "cards"}',
        headers={"Content-Type": "application/json"},
    )
    error = _error(response)
    assert error["details"] == [
        {
            "code": "invalid_field",
            "field": "subject",
            "message": "the name appears more than once in its object; "
            "send each field once",
        }
    ]
