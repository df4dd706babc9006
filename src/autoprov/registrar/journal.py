"""Binding changes not yet written to the database (the write-behind's to-do list).

The location service records every save and removal here on the hot path (one dict store);
the write-behind drains the journal in batches from a thread. Rows are identified by
``(aor, contact)``, the table's unique key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoprov.registrar.location import Binding

RowKey = tuple[str, str]


@dataclass(slots=True)
class JournalBatch:
    upserts: dict[RowKey, Binding] = field(default_factory=dict)
    deletes: dict[RowKey, float] = field(default_factory=dict)
    """Row key -> ``updated_at`` of the removed binding: only rows not newer are deleted, so
    a row another registrar process refreshed meanwhile survives."""

    def __len__(self) -> int:
        return len(self.upserts) + len(self.deletes)


class BindingJournal:
    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = JournalBatch()

    def __len__(self) -> int:
        return len(self._pending)

    def saved(self, binding: Binding) -> None:
        key = (binding.aor, binding.contact)
        self._pending.deletes.pop(key, None)
        self._pending.upserts[key] = binding

    def removed(self, binding: Binding) -> None:
        key = (binding.aor, binding.contact)
        self._pending.upserts.pop(key, None)
        self._pending.deletes[key] = binding.updated_at

    def drain(self) -> JournalBatch:
        batch, self._pending = self._pending, JournalBatch()
        return batch

    def requeue(self, batch: JournalBatch) -> None:
        """Put back a batch that could not be written; changes recorded since then win."""
        pending = self._pending
        for key, binding in batch.upserts.items():
            if key not in pending.upserts and key not in pending.deletes:
                pending.upserts[key] = binding
        for key, updated_at in batch.deletes.items():
            if key not in pending.upserts and key not in pending.deletes:
                pending.deletes[key] = updated_at
