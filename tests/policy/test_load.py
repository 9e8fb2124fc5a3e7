"""Policy loading: one test per kind of error, each asserting file, line and field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy import load_policy, parse_policy
from tierdesk.policy.model import Policy

from ..conftest import EXAMPLES


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    error = caught.value
    if isinstance(error, PolicyErrors):
        assert len(error.errors) >= 1
        return error.errors[0]
    return error


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def test_small_policy_loads(small_policy_text: str) -> None:
    loaded = parse_policy(small_policy_text, "policy.yaml")
    assert isinstance(loaded.policy, Policy)
    assert loaded.policy.version_label == "small@3"
    assert loaded.warnings == []
    assert len(loaded.digest) == 64


@pytest.mark.parametrize(
    "name",
    [
        "policies/ads-partner-support.yaml",
        "policies/it-service-desk.yaml",
        "banking/policy.yaml",
    ],
)
def test_example_policies_load_cleanly(name: str) -> None:
    loaded = load_policy(EXAMPLES / name)
    assert loaded.warnings == []


def test_unknown_key_names_path_and_allowed_keys(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "  - {id: vendor, name: Vendor,", "  - {id: vendor, colour: red, name: Vendor,"
    )
    error = _error(text)
    assert error.path == "teams[0].colour"
    assert error.line == _line_of(text, "colour: red")
    assert "unknown key 'colour'" in error.detail
    assert "cost_per_ticket" in error.detail


def test_unknown_top_level_key(small_policy_text: str) -> None:
    error = _error(small_policy_text + "escalations: []\n")
    assert error.path == "escalations"
    assert "unknown key" in error.detail


def test_undefined_team_reference(small_policy_text: str) -> None:
    text = small_policy_text.replace("then: {team: product,", "then: {team: produkt,")
    error = _error(text)
    assert error.path == "routing.rules[1].then.team"
    assert error.line == _line_of(text, "team: produkt")
    assert "unknown team 'produkt'" in error.detail


def test_undefined_segment_in_segment_rule(small_policy_text: str) -> None:
    text = small_policy_text.replace("    segment: smb\n", "    segment: small\n")
    error = _error(text)
    assert error.path == "segment_rules[2].segment"
    assert "unknown segment 'small'" in error.detail


def test_undefined_inquiry_type_in_condition(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "when: {inquiry_type: billing,", "when: {inquiry_type: invoices,"
    )
    error = _error(text)
    assert error.path == "routing.rules[2].when.inquiry_type"
    assert "unknown inquiry type 'invoices'" in error.detail
    assert "password_reset" in error.detail


def test_undefined_account_attribute(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "account.country: {ne: US}", "account.region: {ne: US}"
    )
    error = _error(text)
    assert error.path == "routing.rules[3].when.account.region"
    assert "unknown field 'account.region'" in error.detail


def test_numeric_operator_on_text_field(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "account.country: {ne: US}", "account.country: {gt: 3}"
    )
    error = _error(text)
    assert error.path == "routing.rules[3].when.account.country"
    assert "needs a numeric field" in error.detail


def test_segment_without_sla_target(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "      - {segment: smb, first_response: 8h, resolution: 2d}\n", ""
    )
    with pytest.raises(PolicyErrors) as caught:
        parse_policy(text, "policy.yaml")
    gaps = [e for e in caught.value.errors if "no target for segment 'smb'" in e.detail]
    paths = {e.path for e in gaps}
    assert "routing.rules[1].then.sla_policy" in paths
    assert "routing.triage_sla_policy" in paths


def test_segment_missing_one_priority(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "{segment: smb, first_response: 8h",
        "{segment: smb, priority: normal, first_response: 8h",
    )
    error = _error(text)
    assert "segment 'smb'" in error.detail
    assert "low" in error.detail


def test_duplicate_team_id(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "{id: specialists, name: Specialists", "{id: vendor, name: Specialists"
    )
    with pytest.raises(PolicyErrors) as caught:
        parse_policy(text, "policy.yaml")
    paths = [e.path for e in caught.value.errors]
    assert "teams[1].id" in paths
    duplicate = next(e for e in caught.value.errors if e.path == "teams[1].id")
    assert "duplicate id 'vendor'" in duplicate.detail
    assert duplicate.line == _line_of(text, "{id: vendor, name: Specialists")


def test_label_mapped_twice(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "{id: ad_delivery, name: Ad delivery, complexity: complex}",
        "{id: ad_delivery, name: Ad delivery, complexity: complex, labels: [refund]}",
    )
    error = _error(text)
    assert error.path == "inquiry_types[2].labels"
    assert "'refund'" in error.detail


def test_shadowed_rule(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "    - id: default\n",
        "    - id: enterprise-billing\n"
        "      when: {segment: enterprise, inquiry_type: billing}\n"
        "      then: {team: vendor, sla_policy: standard}\n"
        "    - id: default\n",
    )
    error = _error(text)
    assert error.path == "routing.rules[4]"
    assert error.line == _line_of(text, "- id: enterprise-billing")
    assert "shadowed by earlier rule 'enterprise'" in error.detail


def test_shadowed_by_numeric_range(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "    - id: default\n",
        "    - id: very-unsure-billing\n"
        "      when: {inquiry_type: billing, confidence: {lt: 0.6}, channel: email}\n"
        "      then: {team: vendor, sla_policy: standard}\n"
        "    - id: default\n",
    )
    error = _error(text)
    assert error.path == "routing.rules[4]"
    assert "'unsure-billing'" in error.detail


def test_narrower_earlier_rule_does_not_shadow(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "    - id: default\n",
        "    - id: any-billing\n"
        "      when: {inquiry_type: billing}\n"
        "      then: {team: vendor, sla_policy: standard}\n"
        "    - id: default\n",
    )
    assert parse_policy(text, "policy.yaml").policy.routing.rules[4].id == "any-billing"


def test_rule_after_default_is_shadowed(small_policy_text: str) -> None:
    text = small_policy_text + (
        "    - id: late\n"
        "      when: {segment: smb}\n"
        "      then: {team: vendor, sla_policy: standard}\n"
    )
    with pytest.raises(PolicyErrors) as caught:
        parse_policy(text, "policy.yaml")
    details = " | ".join(e.detail for e in caught.value.errors)
    assert "missing default rule" in details
    assert "'late' is shadowed by earlier rule 'default'" in details


def test_missing_default_segment_rule(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "  - id: rest\n    segment: smb\n",
        "  - id: rest\n    segment: smb\n    when: {spend: {lt: 100000}}\n",
    )
    error = _error(text)
    assert error.path == "segment_rules[2]"
    assert "missing default rule" in error.detail


def test_contradictory_rule(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "when: {inquiry_type: billing, confidence: {lt: 0.8}}",
        "when: {inquiry_type: billing, confidence: {lt: 0.6, gt: 0.7}}",
    )
    error = _error(text)
    assert error.path == "routing.rules[2].when"
    assert "can never match" in error.detail


def test_confidence_below_threshold_is_unreachable(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "when: {inquiry_type: billing, confidence: {lt: 0.8}}",
        "when: {inquiry_type: billing, confidence: {lt: 0.4}}",
    )
    error = _error(text)
    assert error.path == "routing.rules[2].when.confidence"
    assert "min_confidence" in error.detail


def test_bad_duration(small_policy_text: str) -> None:
    text = small_policy_text.replace("first_response: 30m", "first_response: soon")
    error = _error(text)
    assert error.path == "sla_policies[0].targets[0].first_response"
    assert "'8h'" in error.detail


def test_unknown_timezone(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "timezone: Europe/Lisbon", "timezone: Europe/Lisboa"
    )
    error = _error(text)
    assert error.path == "teams[0].timezone"
    assert "Europe/Lisboa" in error.detail


def test_min_confidence_needs_triage_team(small_policy_text: str) -> None:
    text = small_policy_text.replace("  triage_team: triage\n", "")
    error = _error(text)
    assert error.path == "routing.triage_team"
    assert "missing" in error.detail


def test_target_never_applies(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "      - {segment: enterprise, priority: urgent, first_response: 30m, resolution: 4h}\n"
        "      - {segment: enterprise, first_response: 2h, resolution: 8h}\n",
        "      - {segment: enterprise, first_response: 2h, resolution: 8h}\n"
        "      - {segment: enterprise, priority: urgent, first_response: 30m, resolution: 4h}\n",
    )
    error = _error(text)
    assert error.path == "sla_policies[0].targets[1]"
    assert "never applies" in error.detail


def test_invalid_yaml_names_line() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy("id: x\nname: [unclosed\nversion: 1\n", "policy.yaml")
    assert caught.value.line is not None
    assert "invalid YAML" in caught.value.detail


def test_duplicate_yaml_key(small_policy_text: str) -> None:
    text = small_policy_text.replace("version: 3\n", "version: 3\nversion: 4\n")
    error = _error(text)
    assert error.line == _line_of(text, "version: 4")
    assert "duplicate key 'version'" in error.detail


def test_yaml_alias_bomb_rejected() -> None:
    # Nine levels of nine aliases expand to 387 million values.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(PolicyError) as caught:
        parse_policy("\n".join(lines) + "\n", "bomb.yaml")
    assert "expands to more than" in caught.value.detail
    assert caught.value.line is not None


def test_yaml_small_aliases_allowed(small_policy_text: str) -> None:
    text = "x-hours: &hours [mon]\n" + small_policy_text
    error = _error(text)
    assert error.path == "x-hours"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("version: 2024-02-30", "day is out of range for month"),
        ("version: !custom x", "could not determine a constructor"),
        ("version: !!int abc", "invalid value 'abc'"),
        ("<<: {a: 1}", "merge keys (<<) are not supported"),
    ],
)
def test_invalid_yaml_value_rejected(line: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(f"id: x\n{line}\n", "bad.yaml")
    assert message in caught.value.detail
    assert caught.value.line == 2


def test_recursive_yaml_alias_rejected() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy("loop: &loop\n  - *loop\n", "loop.yaml")
    assert "refers to a mapping or list that contains it" in caught.value.detail


def test_missing_required_field(small_policy_text: str) -> None:
    text = small_policy_text.replace("name: Small test policy\n", "")
    error = _error(text)
    assert error.path == "name"
    assert error.detail == "missing required field"


def test_error_message_names_file_line_and_path(
    tmp_path: Path, small_policy_text: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(small_policy_text.replace("team: product,", "team: nobody,"))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert "routing.rules[1].then.team" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "absent.yaml")
    assert "file not found" in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "UTF-8" in str(caught.value)


def test_all_errors_reported_together(small_policy_text: str) -> None:
    text = small_policy_text.replace("team: product,", "team: nobody,").replace(
        "sla_policy: standard, priority: low", "sla_policy: gold, priority: low"
    )
    with pytest.raises(PolicyErrors) as caught:
        parse_policy(text, "policy.yaml")
    paths = {e.path for e in caught.value.errors}
    assert "routing.rules[1].then.team" in paths
    assert "routing.rules[3].then.sla_policy" in paths


CALENDARS = """\
calendars:
  - id: dublin-office
    name: Dublin office hours
    timezone: Europe/Dublin
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
            thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holiday_feeds: [{country: IE}]
"""


def _with_calendar(text: str) -> str:
    text = text.replace("segments:\n", CALENDARS + "segments:\n", 1)
    return text.replace(
        "timezone: Europe/Dublin, cost_per_ticket: 25}",
        "timezone: Europe/Dublin, calendar: dublin-office, cost_per_ticket: 25}",
    )


def test_calendar_section_loads(small_policy_text: str) -> None:
    policy = parse_policy(_with_calendar(small_policy_text), "policy.yaml").policy
    assert policy.teams_by_id["specialists"].calendar == "dublin-office"
    assert policy.calendars_by_id["dublin-office"].timezone == "Europe/Dublin"


def test_unknown_team_calendar(small_policy_text: str) -> None:
    text = _with_calendar(small_policy_text).replace("calendar: dublin-office,", "calendar: cork,")
    error = _error(text)
    assert error.path == "teams[1].calendar"
    assert "unknown calendar 'cork'" in error.detail


def test_team_timezone_must_match_calendar(small_policy_text: str) -> None:
    text = _with_calendar(small_policy_text).replace(
        "timezone: Europe/Dublin, calendar:", "timezone: Europe/London, calendar:"
    )
    error = _error(text)
    assert error.path == "teams[1].timezone"
    assert "differs from the timezone 'Europe/Dublin'" in error.detail


def test_never_open_calendar_is_rejected(small_policy_text: str) -> None:
    text = _with_calendar(small_policy_text)
    text = text.replace(
        'hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],\n'
        '            thu: ["09:00-17:00"], fri: ["09:00-17:00"]}',
        "hours: {}",
    )
    error = _error(text)
    assert error.path.startswith("calendars[0]")
    assert "never open" in error.detail


def test_tier_target_unknown_tier(small_policy_text: str) -> None:
    text = small_policy_text.replace(
        "  - id: standard\n    name: Standard\n",
        "  - id: standard\n    name: Standard\n    tier_targets: [{tier: tier3, held: 4h}]\n",
    )
    error = _error(text)
    assert error.path == "sla_policies[0].tier_targets[0].tier"
    assert "unknown tier 'tier3'" in error.detail
