"""Policy over HTTP: read, upload and switch, stage, roll back; CSAT; OpenAPI."""

from __future__ import annotations

from ..service.test_policies import VERSION_2
from .conftest import Api

YAML = {"Content-Type": "application/yaml"}


def _team_of_new_ticket(api: Api) -> str:
    body = {"subject": "x", "inquiry_type": "cards"}
    return api.request("POST", "/tickets", json=body).json()["team"]


def test_upload_switch_and_rollback(api: Api) -> None:
    active = api.request("GET", "/policy").json()
    assert active["revision"] == 1
    assert active["text"].startswith("id: service-test")
    uploaded = api.request("PUT", "/policy", content=VERSION_2.encode(), headers=YAML)
    assert uploaded.status_code == 200
    assert uploaded.json()["revision"] == 2
    assert api.request("GET", "/policy").json()["version"] == "service-test@2"
    assert _team_of_new_ticket(api) == "specialists"
    rolled = api.request("POST", "/policy/versions/1/activate")
    assert rolled.json()["active"] is True
    assert _team_of_new_ticket(api) == "vendor"
    versions = api.request("GET", "/policy/versions").json()
    assert [(v["revision"], v["active"]) for v in versions] == [(1, True), (2, False)]


def test_staged_version_and_dry_run(api: Api) -> None:
    staged = api.request(
        "POST", "/policy/versions", content=VERSION_2.encode(), headers=YAML
    )
    assert staged.status_code == 201
    assert staged.json()["active"] is False
    body = {"subject": "x", "inquiry_type": "cards"}
    current = api.request("POST", "/routing/dry-run", json=body).json()
    candidate = api.request(
        "POST", "/routing/dry-run", json={**body, "revision": 2}
    ).json()
    assert current["decision"]["team"] == "vendor"
    assert candidate["decision"]["team"] == "specialists"
    assert candidate["policy_revision"] == 2
    assert [check["rule"] for check in current["rules_tried"]] == [
        "enterprise",
        "complex",
        "default",
    ]


def test_dry_run_with_account_attributes(api: Api) -> None:
    body = {"subject": "x", "inquiry_type": "cards", "account": {"plan": "enterprise"}}
    result = api.request("POST", "/routing/dry-run", "integration", json=body).json()
    assert result["decision"]["segment"] == "enterprise"
    assert result["decision"]["team"] == "specialists"


def test_csat_over_http(api: Api) -> None:
    ticket = api.request(
        "POST", "/tickets", json={"subject": "x", "inquiry_type": "cards"}
    )
    ticket_id = ticket.json()["id"]
    api.request("POST", f"/tickets/{ticket_id}/status", json={"status": "solved"})
    link = api.request("POST", f"/tickets/{ticket_id}/csat-link").json()
    assert link["url"] == f"http://127.0.0.1:8000/api/v1/csat/{link['token']}"
    rated = api.client.post(f"/api/v1/csat/{link['token']}", json={"score": 1})
    assert rated.status_code == 200
    assert rated.json()["escalated"] is True
    again = api.client.post(f"/api/v1/csat/{link['token']}", json={"score": 5})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rated"


def test_openapi_is_published(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "tierdesk"
    assert "/api/v1/tickets" in spec["paths"]
    assert "/api/v1/policy" in spec["paths"]
    assert api.client.get("/api/v1/health").json() == {"status": "ok"}
