"""Insert a row unless a UNIQUE constraint already holds one like it, without raising.

``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike) lets concurrent writers of
the same key from several processes settle in the database: the loser waits for the winner's
commit, inserts nothing and reads the winner's row. No savepoint is involved, which matters on
SQLite, where the pysqlite driver commits an outermost SAVEPOINT on release.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.dml import ReturningInsert


@cache
def _statement(table: Table, dialect: str) -> ReturningInsert[Any]:
    """Built once per table: the values travel as parameters, so the compiled form is reused."""
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no conflict-free insert for {dialect}")
    # RETURNING, not rowcount: PostgreSQL's rowcount does not tell a skipped row apart here.
    return statement.returning(*table.primary_key.columns)


def insert_if_absent(
    session: Session, entity: type[DeclarativeBase], values: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The new row's primary key, or None when a row with one of its unique keys exists."""
    connection = session.connection()
    # The table, not the mapped class: a plain Core insert skips the ORM's bulk-DML machinery.
    statement = _statement(cast(Table, entity.__table__), connection.dialect.name)
    row = connection.execute(statement, values).first()
    return None if row is None else tuple(row)
