"""Add procrastinate's job queue tables and functions, on PostgreSQL only.

The schema is the one shipped with the installed procrastinate (pinned to
major version 3 in pyproject.toml). SQLite databases keep their jobs in the
`job_outbox` table instead, so this revision changes nothing there.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Objects of procrastinate's schema are all named with this prefix.
_PREFIX = "procrastinate"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # Run on psycopg directly: without parameters it reads the `%` signs in the
    # schema's PL/pgSQL literally, and it stays in the migration's transaction.
    bind.connection.dbapi_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    pattern = f"{_PREFIX}%"
    tables = (
        bind.execute(
            sa.text(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename LIKE :p"
            ),
            {"p": pattern},
        )
        .scalars()
        .all()
    )
    for table in tables:
        bind.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    functions = (
        bind.execute(
            sa.text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.proname LIKE :p"
            ),
            {"p": pattern},
        )
        .scalars()
        .all()
    )
    for function in functions:
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    types = (
        bind.execute(
            sa.text(
                "SELECT t.typname FROM pg_type t "
                "JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = current_schema() AND t.typname LIKE :p "
                "AND t.typtype IN ('e', 'c')"
            ),
            {"p": pattern},
        )
        .scalars()
        .all()
    )
    for name in types:
        bind.exec_driver_sql(f'DROP TYPE IF EXISTS "{name}" CASCADE')
