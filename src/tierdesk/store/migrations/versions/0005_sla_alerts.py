"""Add SLA alerts: warnings and breaches that the worker has recorded.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sla_alerts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint(
            "ticket_id",
            "clock",
            "kind",
            name=op.f("uq_sla_alerts_ticket_id_clock_kind"),
        ),
    )
    op.create_index(op.f("ix_sla_alerts_ticket_id"), "sla_alerts", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sla_alerts_ticket_id"), table_name="sla_alerts")
    op.drop_table("sla_alerts")
