"""Add requesters, agents, policy versions, ticket state, events and comments.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("version_label", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("uploaded_at", _TIME, nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("digest", name=op.f("uq_policy_versions_digest")),
        sa.UniqueConstraint(
            "version_label", name=op.f("uq_policy_versions_version_label")
        ),
    )
    op.create_table(
        "active_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("activated_at", _TIME, nullable=False),
        sa.Column("activated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_version_id"],
            ["policy_versions.id"],
            name=op.f("fk_active_policy_policy_version_id_policy_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_policy")),
    )
    op.create_table(
        "requesters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("account_external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requesters")),
        sa.UniqueConstraint("email", name=op.f("uq_requesters_email")),
        sa.UniqueConstraint("external_id", name=op.f("uq_requesters_external_id")),
    )
    op.create_index(
        op.f("ix_requesters_account_external_id"),
        "requesters",
        ["account_external_id"],
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("last_assigned_at", _TIME, nullable=True),
        sa.Column("turn", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("external_id", name=op.f("uq_agents_external_id")),
    )
    op.create_table(
        "agent_teams",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_teams_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "team", name=op.f("pk_agent_teams")),
    )
    op.create_index(op.f("ix_agent_teams_team"), "agent_teams", ["team"])

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("team", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("segment", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("inquiry_type", sa.String(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("inquiry_type_source", sa.String(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("complexity", sa.String(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("priority_rank", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("policy_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("queued_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("assigned_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("solved_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("closed_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("updated_at", _TIME, nullable=True))
        batch_op.add_column(
            sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=200), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_tickets_agent_id"), ["agent_id"])
        batch_op.create_index(batch_op.f("ix_tickets_requester_id"), ["requester_id"])
        batch_op.create_index(batch_op.f("ix_tickets_team"), ["team"])
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_agent_id_agents"),
            "agents",
            ["agent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_requester_id_requesters"),
            "requesters",
            ["requester_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_policy_version_id_policy_versions"),
            "policy_versions",
            ["policy_version_id"],
            ["id"],
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("source_status", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "ticket_id", "sequence", name=op.f("uq_events_ticket_id_sequence")
        ),
    )
    op.create_index(op.f("ix_events_at"), "events", ["at"])
    op.create_index(op.f("ix_events_ticket_id"), "events", ["ticket_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_comments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_ticket_id"), "comments", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_comments_ticket_id"), table_name="comments")
    op.drop_table("comments")
    op.drop_index(op.f("ix_events_ticket_id"), table_name="events")
    op.drop_index(op.f("ix_events_at"), table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_policy_version_id_policy_versions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_requester_id_requesters"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_agent_id_agents"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_tickets_team"))
        batch_op.drop_index(batch_op.f("ix_tickets_requester_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_agent_id"))
        for column in (
            "created_by",
            "reopen_count",
            "updated_at",
            "closed_at",
            "solved_at",
            "assigned_at",
            "queued_at",
            "policy_version_id",
            "decision_id",
            "priority_rank",
            "complexity",
            "confidence",
            "inquiry_type_source",
            "inquiry_type",
            "segment",
            "agent_id",
            "tier",
            "team",
            "requester_id",
        ):
            batch_op.drop_column(column)
    op.drop_index(op.f("ix_agent_teams_team"), table_name="agent_teams")
    op.drop_table("agent_teams")
    op.drop_table("agents")
    op.drop_index(op.f("ix_requesters_account_external_id"), table_name="requesters")
    op.drop_table("requesters")
    op.drop_table("active_policy")
    op.drop_table("policy_versions")
