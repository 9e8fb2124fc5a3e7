"""Policy versions in the service: upload, validation, switch and rollback."""

from __future__ import annotations

import pytest

from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, InvalidInput
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.policies import (
    activate_policy,
    get_policy_text,
    list_policy_versions,
    upload_policy,
)

from .conftest import ADMIN, SERVICE_POLICY, WEDNESDAY

VERSION_2 = SERVICE_POLICY.replace("version: 1", "version: 2").replace(
    "then: {team: vendor, sla_policy: standard}",
    "then: {team: specialists, sla_policy: standard}",
)


def _team_of_new_ticket(context: ServiceContext) -> str | None:
    draft = NewTicket(subject="x", inquiry_type="cards")
    return create_ticket(context, ADMIN, draft, WEDNESDAY).ticket.team


def test_upload_switches_and_rollback_restores(context: ServiceContext) -> None:
    assert _team_of_new_ticket(context) == "vendor"
    second = upload_policy(context, ADMIN, VERSION_2, WEDNESDAY)
    assert second.revision == 2
    assert second.active is True
    assert _team_of_new_ticket(context) == "specialists"
    back = activate_policy(context, ADMIN, 1, WEDNESDAY)
    assert back.version == "service-test@1"
    assert _team_of_new_ticket(context) == "vendor"
    versions = list_policy_versions(context, ADMIN)
    assert [(v.revision, v.active) for v in versions] == [(1, True), (2, False)]


def test_invalid_upload_changes_nothing(context: ServiceContext) -> None:
    broken = VERSION_2.replace("then: {team: product,", "then: {team: produkt,")
    with pytest.raises(InvalidInput) as caught:
        upload_policy(context, ADMIN, broken, WEDNESDAY)
    error = caught.value
    assert error.code == "policy_invalid"
    assert error.field == "routing.rules[1].then.team"
    assert error.details[0]["line"] is not None
    assert len(list_policy_versions(context, ADMIN)) == 1
    assert get_policy_text(context, ADMIN, None)[0].revision == 1


def test_same_label_other_text_rejected(context: ServiceContext) -> None:
    changed = SERVICE_POLICY.replace("name: Service test policy", "name: Renamed")
    with pytest.raises(Conflict) as caught:
        upload_policy(context, ADMIN, changed, WEDNESDAY)
    assert caught.value.code == "policy_version_exists"
    assert caught.value.field == "version"


def test_same_text_reuses_revision(context: ServiceContext) -> None:
    again = upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    assert again.revision == 1
    assert len(list_policy_versions(context, ADMIN)) == 1


def test_staged_upload_does_not_activate(context: ServiceContext) -> None:
    staged = upload_policy(context, ADMIN, VERSION_2, WEDNESDAY, activate=False)
    assert staged.active is False
    assert _team_of_new_ticket(context) == "vendor"


def test_ticket_keeps_its_policy_version(context: ServiceContext) -> None:
    draft = NewTicket(subject="x", inquiry_type="cards")
    before = create_ticket(context, ADMIN, draft, WEDNESDAY).ticket
    upload_policy(context, ADMIN, VERSION_2, WEDNESDAY)
    after = create_ticket(context, ADMIN, draft, WEDNESDAY).ticket
    assert before.policy_version == "service-test@1"
    assert after.policy_version == "service-test@2"
