"""The columns of the per-ticket metrics table, in output order, with their meaning.

This list is the contract with the analytics that read the table: names and
meanings only change with a documented migration. `docs/metrics.md` shows the
same list, and a test checks that it names every column.
"""

from __future__ import annotations

# Prefix of the columns that carry event attributes named by the caller.
ATTRIBUTE_PREFIX = "attr_"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("ticket_id", "Ticket (case) id."),
    ("created_at", "Creation time, ISO 8601 with the offset the log recorded."),
    ("created_month", "Month of creation, YYYY-MM, in UTC."),
    ("inquiry_type", "Event attribute `inquiry_type`; empty when the log has none."),
    ("segment", "Event attribute that gives the segment; empty when none."),
    (
        "priority",
        "Event attribute that gives the priority; with a policy, the policy "
        "priority it selects (the default priority when it names none).",
    ),
    ("channel", "Event attribute `channel`; empty when the log has none."),
    ("sla_policy", "SLA policy whose targets apply; empty without a policy."),
    ("first_team", "First team assigned; empty when no event names a team."),
    (
        "first_tier",
        "First tier: the event's tier, else the policy team's (with a policy, "
        "the default routing rule's team when no event names a team).",
    ),
    ("final_team", "Team holding the ticket at the end."),
    ("final_tier", "Tier at the end, found the same way as `first_tier`."),
    ("status", "Canonical status at the end: new, open, pending, on_hold, ..."),
    ("creation_inferred", "True when the log had no creation record for it."),
    (
        "first_response_s",
        "Calendar seconds from creation to the first public agent reply.",
    ),
    ("first_response_business_s", "The same in business seconds."),
    ("first_resolution_s", "Calendar seconds from creation to the first solve."),
    ("first_resolution_business_s", "The same in business seconds."),
    (
        "final_resolution_s",
        "Calendar seconds from creation to the solve that began the ticket's "
        "final resolved period; empty when it ends unresolved or that period "
        "began with a close.",
    ),
    ("final_resolution_business_s", "The same in business seconds."),
    ("open_s", "Calendar seconds the ticket was neither solved nor closed."),
    ("paused_s", "Calendar seconds of `open_s` in a status that stops the clock."),
    (
        "handle_time_s",
        "Sum of the events' handle-time attribute; empty when no event has it.",
    ),
    ("public_replies", "Public replies by agents."),
    ("reopens", "Reopen events."),
    ("solved", "True when the ticket was solved at least once."),
    ("one_touch", "True when solved within the one-touch rule (see below)."),
    ("teams_visited", "JSON list of the teams in the order they held the ticket."),
    ("team_count", "Distinct teams that held the ticket."),
    ("transfers", "Team changes after the first assignment; empty without teams."),
    ("ping_pong", "True when the ticket returned to a team it had left."),
    ("ping_pong_returns", "Returns to a team the ticket had left."),
    ("tiers_visited", "JSON list of the tiers in the order they held the ticket."),
    ("highest_tier", "Highest tier that held the ticket, by tier rank."),
    ("highest_tier_rank", "Rank of `highest_tier`."),
    ("escalations", "Moves to a tier of higher rank; empty without ranks."),
    ("first_response_target_s", "First-response target in seconds."),
    (
        "first_response_clock_s",
        "Time on the first-response clock: business or calendar as the target "
        "says, without paused time.",
    ),
    ("first_response_sla", "met, breached, running or paused; empty without target."),
    ("first_response_due_at", "Due time, ISO 8601 in the owning team's timezone."),
    ("resolution_target_s", "Resolution target in seconds."),
    ("resolution_clock_s", "Time on the resolution clock, without paused time."),
    ("resolution_sla", "met, breached, running or paused; empty without target."),
    ("resolution_due_at", "Due time, ISO 8601 in the owning team's timezone."),
    ("resolution_breach_team", "Team holding the ticket when the target ran out."),
    ("resolution_breach_tier", "Tier holding the ticket when the target ran out."),
    ("next_response_target_s", "Next-response target in seconds."),
    ("next_response_cycles", "Next-response cycles (requester replies, reopens)."),
    ("next_response_breaches", "Cycles that breached the next-response target."),
    (
        "next_response_sla",
        "breached when any cycle breached, else the latest cycle's status; empty "
        "without cycles or target.",
    ),
    (
        "tier_held_s",
        "JSON object: seconds each tier held the unresolved ticket, without "
        "paused time, in the tier target's terms (business by default).",
    ),
    ("tier_targets_breached", "JSON list of the tiers that held it beyond target."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
