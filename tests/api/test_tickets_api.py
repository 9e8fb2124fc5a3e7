"""Tickets over HTTP: idempotent create, read, list with cursors, lifecycle."""

from __future__ import annotations

from sqlalchemy import func, select

from tierdesk.store.schema import TicketRow

from .conftest import Api


def _create(api: Api, key: str | None = None, **fields: object):  # type: ignore[no-untyped-def]
    body = {"subject": "My card has not arrived", "inquiry_type": "cards", **fields}
    headers = {"Idempotency-Key": key} if key else {}
    return api.request("POST", "/tickets", json=body, headers=headers)


def test_create_returns_decision(api: Api) -> None:
    response = _create(api, channel="email", requester={"email": "Ana@Example.com"})
    assert response.status_code == 201
    ticket = response.json()
    assert ticket["team"] == "vendor"
    assert ticket["decision"]["rule"] == "default"
    assert ticket["decision"]["reason"]
    assert ticket["policy_version"] == "service-test@1"
    assert ticket["policy_revision"] == 1
    assert ticket["requester"]["email"] == "ana@example.com"


def test_create_is_idempotent(api: Api) -> None:
    first = _create(api, key="k-1")
    second = _create(api, key="k-1")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    with api.context.engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(TicketRow))
    assert count == 1


def test_reused_key_with_other_body(api: Api) -> None:
    _create(api, key="k-2")
    response = _create(api, key="k-2", subject="something else")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["field"] == "Idempotency-Key"


def test_keys_are_per_token(api: Api) -> None:
    first = _create(api, key="shared")
    body = {"subject": "My card has not arrived", "inquiry_type": "cards"}
    second = api.request(
        "POST",
        "/tickets",
        "integration",
        json=body,
        headers={"Idempotency-Key": "shared"},
    )
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


def test_list_pages_with_cursor(api: Api) -> None:
    ids = [_create(api).json()["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", "/tickets", params=params).json()
        seen += [ticket["id"] for ticket in page["tickets"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_list_filters(api: Api) -> None:
    _create(api)
    _create(api, inquiry_type="identity")
    product = api.request("GET", "/tickets", params={"team": "product"}).json()
    assert [t["inquiry_type"] for t in product["tickets"]] == ["identity"]
    new = api.request("GET", "/tickets", params={"status": ["new", "open"]}).json()
    assert len(new["tickets"]) == 2
    none = api.request("GET", "/tickets", params={"status": "solved"}).json()
    assert none["tickets"] == []


def test_lifecycle_over_http(api: Api) -> None:
    ticket = _create(api).json()
    path = f"/tickets/{ticket['id']}"
    reply = api.request(
        "POST", f"{path}/comments", json={"body": "Sent", "public": True}
    )
    assert reply.status_code == 201
    solved = api.request("POST", f"{path}/status", json={"status": "solved"})
    assert solved.json()["status"] == "solved"
    events = api.request("GET", f"{path}/events").json()
    assert [e["kind"] for e in events] == [
        "created",
        "team_assigned",
        "public_reply",
        "status_changed",
        "solved",
    ]
    comments = api.request("GET", f"{path}/comments").json()
    assert comments[0]["body"] == "Sent"


def test_update_records_change(api: Api) -> None:
    ticket = _create(api).json()
    response = api.request(
        "PATCH", f"/tickets/{ticket['id']}", json={"priority": "high"}
    )
    assert response.json()["priority"] == "high"
    events = api.request("GET", f"/tickets/{ticket['id']}/events").json()
    assert events[-1]["kind"] == "internal_note"
    assert events[-1]["attributes"] == {
        "change": "priority",
        "from": "normal",
        "to": "high",
    }
