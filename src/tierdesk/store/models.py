"""Every table, imported once so that `Base.metadata` lists them all."""

from tierdesk.store.access import ApiTokenRow, IdempotencyKeyRow
from tierdesk.store.escalation import BugRow, CsatSurveyRow, TicketBugRow
from tierdesk.store.history import AuditRow, CommentRow, EventRow, SlaAlertRow
from tierdesk.store.mail import EmailMessageRow
from tierdesk.store.outbox import OutboxJobRow
from tierdesk.store.people import AgentRow, AgentTeamRow, RequesterRow
from tierdesk.store.policies import ActivePolicyRow, PolicyVersionRow
from tierdesk.store.schema import AccountRow, Base, DecisionRow, TicketRow
from tierdesk.store.webhooks import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)

__all__ = [
    "AccountRow",
    "ActivePolicyRow",
    "AgentRow",
    "AgentTeamRow",
    "ApiTokenRow",
    "AuditRow",
    "Base",
    "BugRow",
    "CommentRow",
    "CsatSurveyRow",
    "DecisionRow",
    "EmailMessageRow",
    "EventRow",
    "IdempotencyKeyRow",
    "OutboxJobRow",
    "PolicyVersionRow",
    "RequesterRow",
    "SlaAlertRow",
    "TicketBugRow",
    "TicketRow",
    "WebhookAttemptRow",
    "WebhookDeliveryRow",
    "WebhookSubscriptionRow",
]
