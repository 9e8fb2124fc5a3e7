"""Webhook routes: admin only, secret shown once, deliveries listed."""

from __future__ import annotations

import pytest

from .conftest import Api

SUBSCRIPTION = {"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]}


@pytest.mark.parametrize(
    "role", ["ops_analyst", "agent", "vendor_agent", "integration"]
)
def test_webhooks_admin_only(api: Api, role: str) -> None:
    response = api.request("POST", "/webhooks", role, json=SUBSCRIPTION)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_create_shows_secret_once(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION)
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    subscription_id = body["subscription"]["id"]
    read = api.request("GET", f"/webhooks/{subscription_id}").json()
    assert "secret" not in read
    assert read["events"] == ["ticket.created"]


def test_unknown_event_type_rejected(api: Api) -> None:
    response = api.request(
        "POST", "/webhooks", json={**SUBSCRIPTION, "events": ["ticket.deleted"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "events[0]"


def test_non_http_url_rejected(api: Api) -> None:
    response = api.request("POST", "/webhooks", json={**SUBSCRIPTION, "url": "ftp://x"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "url"


def test_deliveries_listed_after_create(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION).json()
    subscription_id = created["subscription"]["id"]
    ticket = api.request(
        "POST", "/tickets", json={"subject": "card", "inquiry_type": "cards"}
    ).json()
    deliveries = api.request("GET", f"/webhooks/{subscription_id}/deliveries").json()
    assert len(deliveries) == 1
    assert deliveries[0]["status"] == "pending"
    assert deliveries[0]["ticket_id"] == ticket["id"]
    assert deliveries[0]["payload"]["type"] == "ticket.created"
    one = api.request("GET", f"/webhooks/deliveries/{deliveries[0]['id']}")
    assert one.status_code == 200


def test_deactivate_and_rotate(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION).json()
    subscription_id = created["subscription"]["id"]
    patched = api.request(
        "PATCH", f"/webhooks/{subscription_id}", json={"active": False}
    ).json()
    assert patched["active"] is False
    rotated = api.request("POST", f"/webhooks/{subscription_id}/rotate-secret").json()
    assert rotated["secret"] != created["secret"]


def test_redeliver_pending_conflicts(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION).json()
    api.request("POST", "/tickets", json={"subject": "card", "inquiry_type": "cards"})
    subscription_id = created["subscription"]["id"]
    delivery = api.request("GET", f"/webhooks/{subscription_id}/deliveries").json()[0]
    response = api.request("POST", f"/webhooks/deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "delivery_not_finished"


@pytest.mark.parametrize(
    "url",
    [
        "http://",
        "https://:443/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://[::169.254.169.254]/hook",
        "http://2852039166/hook",
        "http://example.com:99999/hook",
    ],
)
def test_webhook_url_rejected(api: Api, url: str) -> None:
    response = api.request("POST", "/webhooks", json={**SUBSCRIPTION, "url": url})
    assert response.status_code == 422, url
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["field"] == "url"
    assert api.request("GET", "/webhooks").json() == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "https://example.com/"]
)
def test_webhook_url_accepted(api: Api, url: str) -> None:
    response = api.request("POST", "/webhooks", json={**SUBSCRIPTION, "url": url})
    assert response.status_code == 201, response.text


def test_webhook_link_local_update_rejected(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION).json()
    subscription_id = created["subscription"]["id"]
    response = api.request(
        "PATCH", f"/webhooks/{subscription_id}", json={"url": "http://169.254.1.1/"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "url"


def test_webhook_unknown_team_rejected(api: Api) -> None:
    response = api.request(
        "POST", "/webhooks", json={**SUBSCRIPTION, "teams": ["vendor", "ghost"]}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_reference"
    assert error["field"] == "teams[1]"
    assert api.request("GET", "/webhooks").json() == []


def test_webhook_unknown_team_update_rejected(api: Api) -> None:
    created = api.request("POST", "/webhooks", json=SUBSCRIPTION).json()
    subscription_id = created["subscription"]["id"]
    response = api.request(
        "PATCH", f"/webhooks/{subscription_id}", json={"teams": ["ghost"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "teams[0]"
    read = api.request("GET", f"/webhooks/{subscription_id}").json()
    assert read["teams"] == []
