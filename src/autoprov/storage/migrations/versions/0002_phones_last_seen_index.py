"""index phones by last seen

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:40:00.000000

A page of phones sorted by last-seen (``last_seen`` or ``-last_seen``, nulls last, then by id)
walks an index and stops after its page instead of sorting every phone. SQLite walks the one
index either way; PostgreSQL walks an index only in the null order it was built with, so it
gets a second one for the descending sort.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_phones_last_seen_at", "phones", ["last_seen_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_phones_last_seen_at_desc",
            "phones",
            [sa.text("last_seen_at DESC NULLS LAST"), sa.text("id DESC")],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_phones_last_seen_at_desc", table_name="phones")
    op.drop_index("ix_phones_last_seen_at", table_name="phones")
