"""Background jobs: SLA sweeps, CSAT survey e-mails, webhook deliveries and the
closing of solved tickets once the reopen window has passed.

A job is enqueued in the same transaction as the change that causes it, so a
rolled-back change leaves no job and a committed one always has its job. On
PostgreSQL the jobs live in procrastinate's tables; on SQLite, the development
default, they live in the `job_outbox` table and `tierdesk worker` runs them.
"""
