"""bindings by the host they came from

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 16:00:00.000000

A re-sync looks for every binding a phone registered from its address (after a line is taken
away the phone is still registered as that user). ``source`` holds host and port, and a
``LIKE 'host:%'`` on it cannot use an index on either database: each re-sync read every
binding, which an import re-syncing 10,000 phones did 10,000 times. The host gets a column
of its own, indexed; rows already there get theirs from ``source``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BINDINGS = sa.table(
    "bindings",
    sa.column("id", sa.Integer),
    sa.column("source", sa.String),
    sa.column("source_host", sa.String),
)


def _host(source: str) -> str:
    host = source.rpartition(":")[0]
    return host.removeprefix("[").removesuffix("]")


def upgrade() -> None:
    op.add_column("bindings", sa.Column("source_host", sa.String(64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_BINDINGS.c.id, _BINDINGS.c.source)).all()
    if rows:
        connection.execute(
            sa.update(_BINDINGS)
            .where(_BINDINGS.c.id == sa.bindparam("row_id"))
            .values(source_host=sa.bindparam("host")),
            [{"row_id": row_id, "host": _host(source)} for row_id, source in rows],
        )
    op.create_index("ix_bindings_source_host", "bindings", ["source_host"])


def downgrade() -> None:
    op.drop_index("ix_bindings_source_host", table_name="bindings")
    # Both databases drop a column in place (SQLite since 3.35); no table rebuild, which
    # would have to carry migration 0004's expression index across.
    op.execute("ALTER TABLE bindings DROP COLUMN source_host")
