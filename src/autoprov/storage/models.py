"""The database schema. Alembic migrations under ``migrations/`` create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


DISPLAYED_MAC = "substr(display_name, length(display_name) - 11)"
"""The last 12 characters (a MAC's length) of a binding's display name: where an
auto-provisioned phone shows its MAC."""


class Base(DeclarativeBase):
    pass


def _trigram_index(name: str, column: str) -> Index:
    """A ``pg_trgm`` GIN index for substring search (migrations 0003 and 0005; PostgreSQL only,
    and only where the extension could be created)."""
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        # Updated at insert, without a pending list for searches to read (migration 0005).
        postgresql_with={"fastupdate": "off"},
    ).ddl_if(dialect="postgresql")


class User(Base):
    """A SIP account. ``is_system`` marks the auto-provisioning identity, hidden from admins."""

    __tablename__ = "users"
    __table_args__ = (_trigram_index("ix_users_username_trgm", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    lines: Mapped[list[Line]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Phone(Base):
    __tablename__ = "phones"
    # Pages sorted by last-seen (nulls last, then id) stop after their page (migration 0002).
    __table_args__ = (
        Index("ix_phones_last_seen_at", "last_seen_at", "id"),
        Index(
            "ix_phones_last_seen_at_desc", text("last_seen_at DESC NULLS LAST"), text("id DESC")
        ).ddl_if(dialect="postgresql"),
        _trigram_index("ix_phones_mac_trgm", "mac"),
        _trigram_index("ix_phones_model_trgm", "model"),
        _trigram_index("ix_phones_description_trgm", "description"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mac: Mapped[str] = mapped_column(String(12), unique=True)
    model: Mapped[str] = mapped_column(String(32))
    firmware: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sync_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sync_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    lines: Mapped[list[Line]] = relationship(
        back_populates="phone", cascade="all, delete-orphan", order_by="Line.position"
    )


class Line(Base):
    __tablename__ = "lines"
    __table_args__ = (UniqueConstraint("phone_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_id: Mapped[int] = mapped_column(ForeignKey("phones.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    phone: Mapped[Phone] = relationship(back_populates="lines")
    user: Mapped[User] = relationship(back_populates="lines")


class UniqueId(Base):
    """MAC <-> short ID reservation. Both columns are unique: the guarantee is the database's."""

    __tablename__ = "unique_ids"
    __table_args__ = (_trigram_index("ix_unique_ids_uid_trgm", "uid"),)

    mac: Mapped[str] = mapped_column(String(12), primary_key=True)
    uid: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Setting(Base):
    """Site-wide settings editable at run time (admin UI), plus generated secrets."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Binding(Base):
    """A registrar location-service binding, written behind from the registrar's memory."""

    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint("aor", "contact"),
        # An auto-provisioned phone's bindings by the MAC its display name ends with
        # (migration 0004; the expression ``inventory/registrations.py`` queries with).
        Index("ix_bindings_aor_displayed_mac", "aor", text(DISPLAYED_MAC)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aor: Mapped[str] = mapped_column(String(255), index=True)
    contact: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[float] = mapped_column(Float)
    call_id: Mapped[str] = mapped_column(String(255))
    cseq: Mapped[int] = mapped_column(Integer)
    q: Mapped[float | None] = mapped_column(Float, nullable=True)
    instance: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source: Mapped[str] = mapped_column(String(128))
    source_host: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """``source`` without its port or IPv6 brackets (migration 0006): the check-sync notifier
    finds a phone's other registrations by its address."""
    transport: Mapped[str] = mapped_column(String(8))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    display_name: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[float] = mapped_column(Float)


class OutboxEntry(Base):
    """Durable queue of auto-provisioned phones awaiting delivery to the inventory API.

    One row per MAC: a newer sighting of the same phone merges into the queued row.
    """

    __tablename__ = "autoprov_outbox"

    mac: Mapped[str] = mapped_column(String(12), primary_key=True)
    payload: Mapped[dict[str, str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0)
    enqueued_at: Mapped[float] = mapped_column(Float)


class RegistrarCommand(Base):
    """Commands for running registrars (credentials changed, remove a binding), polled by id."""

    __tablename__ = "registrar_commands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    arg: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)


# The Core tables, for the statements that skip the ORM's unit of work (hot reads, bulk writes).
PHONES = cast(Table, Phone.__table__)
LINES = cast(Table, Line.__table__)
USERS = cast(Table, User.__table__)
UNIQUE_IDS = cast(Table, UniqueId.__table__)
BINDINGS = cast(Table, Binding.__table__)
OUTBOX = cast(Table, OutboxEntry.__table__)
