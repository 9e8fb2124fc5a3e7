"""What-if replay: past tickets under a candidate policy and staffing plan.

`prepare_history` learns stints from a log, `setup_policy` routes its tickets
under a policy, `run_replications` runs them, and `build_comparison` puts the
policies side by side. `docs/simulation.md` describes the method and its limits.
"""

from tierdesk.simulate.behaviour import BehaviourModel, LearningOptions
from tierdesk.simulate.compare import Comparison, build_comparison, render_comparison
from tierdesk.simulate.history import HistoryInput, prepare_history, setup_policy
from tierdesk.simulate.outcome import RunSummary, Target
from tierdesk.simulate.replications import Settings, run_replications
from tierdesk.simulate.routes import ReplayFields
from tierdesk.simulate.setup import PolicySetup, RunOptions
from tierdesk.simulate.staffing import StaffingPlan, load_staffing, parse_staffing

__all__ = [
    "BehaviourModel",
    "Comparison",
    "HistoryInput",
    "LearningOptions",
    "PolicySetup",
    "ReplayFields",
    "RunOptions",
    "RunSummary",
    "Settings",
    "StaffingPlan",
    "Target",
    "build_comparison",
    "load_staffing",
    "parse_staffing",
    "prepare_history",
    "render_comparison",
    "run_replications",
    "setup_policy",
]
