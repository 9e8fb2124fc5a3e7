"""Names of the job tasks, shared by the code that enqueues and the worker."""

DELIVER_WEBHOOK = "webhook.deliver"
SEND_SURVEY = "survey.send"
CLOSE_TICKET = "ticket.close"
SWEEP = "service.sweep"
