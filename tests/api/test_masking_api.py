"""Vendor agents see requester names, e-mail addresses and phones masked."""

from __future__ import annotations

from .conftest import Api

TEXT = "I am Ana Lopez, mail ana@example.com or call +44 20 7946 0958."


def _ticket(api: Api) -> dict:
    body = {
        "subject": "Card for Ana Lopez",
        "body": TEXT,
        "inquiry_type": "cards",
        "requester": {
            "email": "ana@example.com",
            "name": "Ana Lopez",
            "phone": "+44 20 7946 0958",
        },
    }
    return api.request("POST", "/tickets", json=body).json()


def test_vendor_sees_masked_ticket(api: Api) -> None:
    ticket = _ticket(api)
    seen = api.request("GET", f"/tickets/{ticket['id']}", "vendor_agent").json()
    assert seen["requester"]["email"] == "[email]"
    assert seen["requester"]["name"] == "[name]"
    assert seen["requester"]["phone"] == "[phone]"
    assert seen["subject"] == "Card for [name]"
    assert seen["body"] == "I am [name], mail [email] or call [phone]."
    for text in ("ana@example.com", "Lopez", "7946"):
        assert text not in str(seen)


def test_vendor_sees_masked_comments_and_lists(api: Api) -> None:
    ticket = _ticket(api)
    api.request(
        "POST",
        f"/tickets/{ticket['id']}/comments",
        json={"body": "Ana Lopez called from +44 20 7946 0958", "public": False},
    )
    comments = api.request(
        "GET", f"/tickets/{ticket['id']}/comments", "vendor_agent"
    ).json()
    assert comments[0]["body"] == "[name] called from [phone]"
    listed = api.request("GET", "/tickets", "vendor_agent").json()["tickets"]
    assert listed[0]["requester"]["email"] == "[email]"
    assert listed[0]["body"] == "I am [name], mail [email] or call [phone]."
    requester = api.request(
        "GET", f"/requesters/{ticket['requester']['id']}", "vendor_agent"
    ).json()
    assert requester["email"] == "[email]"


def test_other_roles_see_unmasked(api: Api) -> None:
    ticket = _ticket(api)
    for role in ("admin", "ops_analyst"):
        seen = api.request("GET", f"/tickets/{ticket['id']}", role).json()
        assert seen["requester"]["email"] == "ana@example.com"
        assert seen["body"] == TEXT


def test_vendor_cannot_export(api: Api) -> None:
    response = api.request("GET", "/exports/corrections.csv", "vendor_agent")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_logs_hold_no_personal_data(api: Api, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG", logger="tierdesk")
    ticket = _ticket(api)
    api.request("GET", f"/tickets/{ticket['id']}", "vendor_agent")
    api.request("POST", f"/tickets/{ticket['id']}/status", json={"status": "solved"})
    link = api.request("POST", f"/tickets/{ticket['id']}/csat-link").json()
    api.client.post(
        f"/api/v1/csat/{link['token']}", json={"score": 4, "comment": "Ana"}
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "created ticket" in logged
    for secret in (
        "ana@example.com",
        "Lopez",
        "7946",
        link["token"],
        api.tokens["admin"],
    ):
        assert secret not in logged
