"""Regression test on the Volvo IT incident log: the simulator, learning from half
of the incidents, predicts the other half within tolerances.

Each tolerance is the figure's in-sample error (replaying every incident it
learned from) plus three standard errors of the difference between two random
halves of the log, estimated by bootstrap. `docs/simulation.md` shows the
numbers, and benchmarks/simulate_volvo_validation.py computes them.
"""

from __future__ import annotations

import pytest

from tierdesk.events import group_by_ticket
from tierdesk.importers import import_event_log, load_mapping
from tierdesk.metrics import MetricsOptions
from tierdesk.policy import load_policy
from tierdesk.simulate.behaviour import LearningOptions
from tierdesk.simulate.history import prepare_history
from tierdesk.simulate.infer import infer_staffing
from tierdesk.simulate.replications import Settings
from tierdesk.simulate.routes import ReplayFields
from tierdesk.simulate.validation import validate

from ..conftest import EXAMPLES, SHARED_DATA

LOG = SHARED_DATA / "volvo-incidents" / "incidents.csv"
pytestmark = pytest.mark.skipif(not LOG.exists(), reason=f"{LOG} is not present")

# Figure: largest accepted |predicted - observed|, in its unit (share or hours).
TOLERANCES = {
    "first_response_within_target": 0.015,
    "resolved_within_target": 0.025,
    "first_response_business_p90_h": 0.15,
    "resolution_business_median_h": 3.6,
    "resolution_business_p90_h": 20.0,
    "resolution_calendar_median_h": 19.5,
    "resolution_calendar_p90_h": 82.0,
    "one_touch_share": 0.05,
    "highest_tier_share:frontline": 0.065,
    "highest_tier_share:escalation": 0.065,
    "highest_tier_share:expert": 0.02,
}


@pytest.fixture(scope="module")
def checks():  # type: ignore[no-untyped-def]
    mapping = load_mapping(EXAMPLES / "mappings" / "volvo-incidents.yaml")
    policy = load_policy(EXAMPLES / "policies" / "volvo-incidents.yaml").policy
    histories = group_by_ticket(import_event_log(LOG, mapping).events)
    fields = ReplayFields(inquiry_type="product", priority="impact")
    learning = LearningOptions(
        pause_source_statuses=mapping.pause_statuses,
        queued_statuses=["Awaiting Assignment"],
    )
    history = prepare_history(histories, policy, fields, learning)
    staffing, _ = infer_staffing(histories, policy, history.behaviour)
    result = validate(
        histories,
        policy,
        staffing,
        fields=fields,
        learning=learning,
        metrics=MetricsOptions(
            priority_attribute="impact", pause_source_statuses=mapping.pause_statuses
        ),
        settings=Settings(runs=4, seed=0),
        now=max(events[-1].at for events in histories.values()),
        learn_share=0.5,
        split_seed=0,
    )
    return {check.figure: check for check in result}


@pytest.mark.parametrize("figure", sorted(TOLERANCES))
def test_volvo_prediction_within_tolerance(checks, figure: str) -> None:  # type: ignore[no-untyped-def]
    check = checks[figure]
    assert abs(check.error) <= TOLERANCES[figure], (
        f"{figure}: predicted {check.predicted.mean:.3f}, observed "
        f"{check.observed:.3f}, tolerance {TOLERANCES[figure]}"
    )
