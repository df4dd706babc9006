"""trigram indexes updated at insert

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:50:00.000000

A GIN index takes new rows into a pending list, merged into the index only by a vacuum (or
when the list outgrows ``gin_pending_list_limit``, 4 MB). Every search reads the whole list,
row by row: after 10,000 phones were created, a search read them all (15 ms for one column,
and the planner, seeing the cost, scanned the table instead, 15 to 20 ms), where the merged
index answers in 0.03 ms. Phones arrive in bursts (a boot storm), faster than autovacuum
comes round, and a server may run without it. With ``fastupdate`` off, each insert updates
the index itself: a little more work per phone created, and searches that do not depend on
vacuuming. The pending list already there is merged now.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = (
    "ix_phones_mac_trgm",
    "ix_phones_model_trgm",
    "ix_phones_description_trgm",
    "ix_unique_ids_uid_trgm",
    "ix_users_username_trgm",
)


def _existing(names: tuple[str, ...]) -> list[str]:
    """The indexes among ``names`` that exist (0003 skips them without ``pg_trgm``)."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    present = {row[0] for row in rows}
    return [name for name in names if name in present]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _existing(INDEXES):
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _existing(INDEXES):
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
