"""Add bugs, their links to tickets, and CSAT surveys.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bugs")),
        sa.UniqueConstraint("external_id", name=op.f("uq_bugs_external_id")),
    )
    op.create_table(
        "ticket_bugs",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("bug_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", _TIME, nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["bug_id"],
            ["bugs.id"],
            name=op.f("fk_ticket_bugs_bug_id_bugs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_bugs_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "bug_id", name=op.f("pk_ticket_bugs")),
    )
    op.create_index(op.f("ix_ticket_bugs_bug_id"), "ticket_bugs", ["bug_id"])
    op.create_table(
        "csat_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("solve_number", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_csat_surveys_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_surveys")),
        sa.UniqueConstraint(
            "ticket_id",
            "solve_number",
            name=op.f("uq_csat_surveys_ticket_id_solve_number"),
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_csat_surveys_token_hash")),
    )
    op.create_index(op.f("ix_csat_surveys_ticket_id"), "csat_surveys", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_csat_surveys_ticket_id"), table_name="csat_surveys")
    op.drop_table("csat_surveys")
    op.drop_index(op.f("ix_ticket_bugs_bug_id"), table_name="ticket_bugs")
    op.drop_table("ticket_bugs")
    op.drop_table("bugs")
