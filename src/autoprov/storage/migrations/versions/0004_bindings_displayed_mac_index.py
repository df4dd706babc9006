"""index auto-provisioning bindings by the MAC they display

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:30:00.000000

Whether a phone is registered is asked of every phone read (create, get, each page): for the
auto-provisioning identity, by the last 12 characters of the binding's display name, where the
phone puts its MAC. Every phone met in a boot storm holds a binding of that one address of
record, so the index on ``aor`` alone narrowed to all of them and each look-up filtered every
such binding (7.5 ms on SQLite at 10,000, for each create: quadratic over a storm). This index
on the address of record and the displayed MAC finds the phone's bindings directly. The
expression must stay the one ``inventory/registrations.py`` queries with (``- 11`` a literal,
not a parameter), or neither database will use it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_bindings_aor_displayed_mac",
        "bindings",
        ["aor", sa.text("substr(display_name, length(display_name) - 11)")],
    )


def downgrade() -> None:
    op.drop_index("ix_bindings_aor_displayed_mac", table_name="bindings")
