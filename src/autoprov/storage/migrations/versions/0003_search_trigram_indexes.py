"""trigram indexes for phone search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:05:00.000000

A phone search matches substrings (``ILIKE '%term%'``), which no B-tree index serves: on
PostgreSQL every search read and matched every phone. ``pg_trgm`` GIN indexes on each searched
column let it read only the candidates. PostgreSQL only; SQLite has no such index.

Without the privilege to create the extension (or without the extension itself), the migration
still succeeds without the indexes, with a warning: search then works as before, scanning. To
add them later, have a superuser run ``CREATE EXTENSION pg_trgm`` in the database, then migrate
down to 0002 and up again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("autoprov.storage")

INDEXES = (
    ("ix_phones_mac_trgm", "phones", "mac"),
    ("ix_phones_model_trgm", "phones", "model"),
    ("ix_phones_description_trgm", "phones", "description"),
    ("ix_unique_ids_uid_trgm", "unique_ids", "uid"),
    ("ix_users_username_trgm", "users", "username"),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        # A savepoint: a refusal must not abort the migration's transaction.
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        log.warning(
            "phone search without trigram indexes (slower): cannot create extension pg_trgm: %s",
            str(error.orig).strip(),
        )
        return
    for name, table, column in INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # IF EXISTS: upgrade skipped them when it could not create the extension. The extension
    # stays: other objects may use it, and dropping it may need privileges this role lacks.
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
