"""Input checks over HTTP: times need an offset, JSON bodies hold finite numbers
and parse as UTF-8, account attributes follow the policy, booleans and integers
are not coerced, requesters are scoped, and unexpected errors are logged once."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tierdesk.api import people
from tierdesk.api.app import create_app
from tierdesk.api.json_body import MAX_JSON_DEPTH
from tierdesk.store.history import CommentRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import AccountRow, TicketRow

from ..service.conftest import WEDNESDAY, Clock
from .conftest import MAX_BODY, Api

JSON = {"Content-Type": "application/json"}


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _count(api: Api, model: type) -> int:
    with api.context.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


def _ticket(api: Api, **fields: object) -> dict[str, Any]:
    response = api.request(
        "POST", "/tickets", json={"subject": "x", "inquiry_type": "cards", **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created_after", "2024-01-01T00:00:00"),
        ("created_before", "2030-01-01T00:00:00"),
        ("created_after", "2024-01-01"),
        ("created_after", "0001-01-01T00:00:00+14:00"),
        ("created_before", "9999-12-31T23:59:59-14:00"),
    ],
)
def test_ticket_listing_times_need_offset(api: Api, field: str, value: str) -> None:
    response = api.request("GET", "/tickets", params={field: value})
    assert response.status_code == 422, response.text
    error = _error(response)
    assert error["code"] == "invalid_field"
    assert error["field"] == field


def test_ticket_listing_naive_time_message(api: Api) -> None:
    params = {"created_after": "2024-01-01T00:00:00"}
    message = _error(api.request("GET", "/tickets", params=params))["message"]
    assert "UTC offset is required" in message


def test_ticket_listing_times_with_offset(api: Api) -> None:
    ticket = _ticket(api)
    for params, expected in (
        ({"created_after": "2024-05-08T09:00:00Z"}, [ticket["id"]]),
        ({"created_after": "2024-05-08T12:00:00+01:00"}, []),
        ({"created_before": "2024-05-08T11:00:00+01:00"}, []),
        ({"created_before": "2024-05-08T11:00:01+01:00"}, [ticket["id"]]),
    ):
        response = api.request("GET", "/tickets", params=params)
        assert response.status_code == 200, params
        assert [t["id"] for t in response.json()["tickets"]] == expected, params


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_account_attribute_not_finite(api: Api, number: bytes) -> None:
    body = b'{"attributes": {"plan": "pro", "balance": ' + number + b"}}"
    response = api.request("PUT", "/accounts/ACME", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    error = _error(response)
    assert error["code"] == "invalid_field"
    assert error["field"] == "attributes.balance"
    assert _count(api, AccountRow) == 0


@pytest.mark.parametrize(
    ("path", "content", "field"),
    [
        ("/tickets", b'{"subject": NaN, "inquiry_type": "cards"}', "subject"),
        ("/routing/dry-run", b'{"subject": "x", "confidence": NaN}', "confidence"),
        ("/agents", b'{"id": "a", "name": "A", "teams": [Infinity]}', "teams[0]"),
        ("/tickets", b"NaN", "body"),
    ],
)
def test_non_finite_rejected_everywhere(
    api: Api, path: str, content: bytes, field: str
) -> None:
    response = api.request("POST", path, content=content, headers=JSON)
    assert response.status_code == 422, response.text
    assert _error(response)["field"] == field
    assert _count(api, TicketRow) == 0


@pytest.mark.parametrize(
    "content",
    [
        b'{"subject": "caf\xe9", "inquiry_type": "cards"}',
        b"\xff\xfe{\x00}\x00",
        # Deeper than Python's recursion limit, within the test's body limit.
        b"[" * 31_000 + b"]" * 31_000,
        b'{"a": ' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
    ],
    ids=["latin-1", "utf-16", "deep", "over-limit"],
)
def test_unreadable_json_bodies(api: Api, content: bytes) -> None:
    response = api.request("POST", "/tickets", content=content, headers=JSON)
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "malformed_json"
    assert error["field"] == "body"
    assert _count(api, TicketRow) == 0


def test_every_json_route_rejects_nan(api: Api) -> None:
    """The body is parsed before authentication and validation, on every route."""
    schema = api.request("GET", "/openapi.json").json()
    checked = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            response = api.client.request(method, url, content=b"NaN", headers=JSON)
            assert response.status_code == 422, (method, path)
            assert _error(response)["field"] == "body", (method, path)
            checked.append(path)
    assert "/api/v1/accounts/{account_id}" in checked


@pytest.mark.parametrize(
    ("attributes", "code", "field"),
    [
        ({"plan": "pro", "shoe_size": 42}, "unknown_field", "attributes.shoe_size"),
        ({"plan": "gold"}, "invalid_field", "attributes.plan"),
        ({"plan": 5}, "invalid_field", "attributes.plan"),
    ],
)
def test_account_attributes_follow_policy(
    api: Api, attributes: dict[str, object], code: str, field: str
) -> None:
    response = api.request("PUT", "/accounts/ACME", json={"attributes": attributes})
    assert response.status_code == 422, response.text
    error = _error(response)
    assert error["code"] == code
    assert error["field"] == field
    assert _count(api, AccountRow) == 0


def test_account_attribute_error_names_expected(api: Api) -> None:
    unknown = api.request("PUT", "/accounts/A", json={"attributes": {"shoe_size": 4}})
    assert "plan" in _error(unknown)["message"]
    gold = api.request("PUT", "/accounts/A", json={"attributes": {"plan": "gold"}})
    assert "free, pro, enterprise" in _error(gold)["message"]


def test_account_declared_attribute_stored(api: Api) -> None:
    response = api.request(
        "PUT", "/accounts/ACME", json={"attributes": {"plan": "enterprise"}}
    )
    assert response.status_code == 200
    assert response.json()["attributes"] == {"plan": "enterprise"}
    assert response.json()["segment"] == "enterprise"


def test_dry_run_account_follows_policy(api: Api) -> None:
    response = api.request(
        "POST",
        "/routing/dry-run",
        json={"subject": "x", "inquiry_type": "cards", "account": {"tier": "x"}},
    )
    assert response.status_code == 422
    assert _error(response)["field"] == "account.tier"


COMMENTS = "/tickets/{ticket}/comments"
NEW_AGENT = {"id": "a", "name": "A", "teams": ["vendor"]}
NEW_WEBHOOK = {"url": "http://127.0.0.1:9/", "events": ["ticket.created"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", COMMENTS, {"body": "x", "public": "yes"}, "public"),
        ("POST", COMMENTS, {"body": "x", "public": 1}, "public"),
        ("POST", "/agents", {**NEW_AGENT, "capacity": "5"}, "capacity"),
        ("PATCH", "/agents/vera", {"level": True}, "level"),
        ("POST", "/routing/dry-run", {"subject": "x", "revision": "1"}, "revision"),
        ("POST", "/webhooks", {**NEW_WEBHOOK, "include_content": 1}, "include_content"),
    ],
)
def test_wrong_types_not_coerced(
    api: Api, method: str, path: str, body: dict[str, object], field: str
) -> None:
    ticket = _ticket(api)
    response = api.request(method, path.format(ticket=ticket["id"]), json=body)
    assert response.status_code == 422, response.text
    assert _error(response)["field"] == field
    assert _count(api, CommentRow) == 0


def test_csat_score_string_rejected(api: Api) -> None:
    ticket = _ticket(api)
    api.request("POST", f"/tickets/{ticket['id']}/status", json={"status": "solved"})
    link = api.request("POST", f"/tickets/{ticket['id']}/csat-link").json()
    response = api.client.post(f"/api/v1/csat/{link['token']}", json={"score": "5"})
    assert response.status_code == 422
    assert _error(response)["field"] == "score"
    response = api.client.post(f"/api/v1/csat/{link['token']}", json={"score": 5})
    assert response.status_code == 200, response.text


def test_documented_comment_accepted(api: Api) -> None:
    ticket = _ticket(api)
    response = api.request(
        "POST",
        f"/tickets/{ticket['id']}/comments",
        json={"body": "We sent a new card.", "public": True, "status": "pending"},
    )
    assert response.status_code == 201, response.text


def test_requester_of_other_team_hidden(api: Api) -> None:
    vendor = _ticket(api, requester={"email": "ana@example.com"})
    assert vendor["team"] == "vendor"
    requester_id = vendor["requester"]["id"]
    seen = api.request("GET", f"/requesters/{requester_id}", "vendor_agent")
    assert seen.status_code == 200
    hidden = api.request("GET", f"/requesters/{requester_id}", "agent")
    assert hidden.status_code == 404
    assert _error(hidden)["code"] == "not_found"
    patched = api.request(
        "PATCH", f"/requesters/{requester_id}", "agent", json={"name": "Eve"}
    )
    assert patched.status_code == 404
    assert api.request("GET", f"/requesters/{requester_id}").json()["name"] is None


def test_requester_without_tickets_hidden(api: Api) -> None:
    created = api.request("POST", "/requesters", json={"email": "bo@example.com"})
    requester_id = created.json()["id"]
    assert api.request("GET", f"/requesters/{requester_id}").status_code == 200
    for role in ("agent", "vendor_agent"):
        response = api.request("GET", f"/requesters/{requester_id}", role)
        assert response.status_code == 404, role
    assert api.request("GET", f"/requesters/{requester_id}", "ops_analyst").is_success


@pytest.fixture
def strict_api(api: Api, clock: Clock) -> Api:
    """An app whose test client raises any exception that leaves the app."""
    app = create_app(api.context, clock=clock, max_body_bytes=MAX_BODY)
    client = TestClient(app, raise_server_exceptions=True)
    return Api(client, api.tokens, api.context)


def test_unexpected_error_logged_once(
    strict_api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(people, "get_account", fail)
    with caplog.at_level(logging.INFO):
        response = strict_api.request("GET", "/accounts/ACME")
    assert response.status_code == 500
    assert _error(response)["code"] == "internal_error"
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert len(tracebacks) == 1
    assert "/accounts/{account_id}" in tracebacks[0].getMessage()
    request_lines = [r for r in caplog.records if r.name == "tierdesk.api.app"]
    assert "500" in request_lines[-1].getMessage()


def test_database_error_log_has_no_values(
    strict_api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    email = "private.person@example.com"

    def duplicate(context, *args: object) -> None:  # type: ignore[no-untyped-def]
        with context.engine.begin() as connection:
            for external_id in ("R-one", "R-two"):
                connection.execute(
                    RequesterRow.__table__.insert().values(
                        external_id=external_id,
                        email=email,
                        created_at=WEDNESDAY,
                        updated_at=WEDNESDAY,
                    )
                )

    monkeypatch.setattr(people, "get_requester", duplicate)
    with caplog.at_level(logging.INFO):
        response = strict_api.request("GET", "/requesters/R-one")
    assert response.status_code == 500
    assert email not in caplog.text
    assert "IntegrityError" in caplog.text
    assert _count(strict_api, RequesterRow) == 0
