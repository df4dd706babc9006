"""The location service: address-of-record -> contact bindings, in memory (RFC 3261 10.3).

Two kinds of AOR:
- ordinary users keep at most ``max_contacts`` bindings; a new one replaces the oldest;
- shared AORs (the auto-provisioning identity, used by thousands of phones at once) keep any
  number of bindings, one per device, and a device only ever sees or removes its own.

A binding is identified within its AOR by its ``+sip.instance`` when it has one, else by its
contact URI. Bindings expire on a timer wheel with one-second slots swept by :meth:`expire`:
no timer object per binding. Every change is recorded in the journal for the write-behind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoprov.registrar.journal import BindingJournal


@dataclass(slots=True, init=False)
class Binding:
    """One registered contact. Treated as immutable: a refresh stores a new object, so a
    plugin or the write-behind reading it from another thread never sees it half-changed."""

    aor: str
    contact: str
    expires_at: float
    call_id: str
    cseq: int
    q: float | None
    instance: str | None
    source_host: str
    source_port: int
    transport: str
    user_agent: str
    display_name: str
    updated_at: float

    # explicit, so that mypyc compiles it: the __init__ `dataclass` writes stays interpreted
    def __init__(
        self,
        aor: str,
        contact: str,
        expires_at: float,
        call_id: str,
        cseq: int,
        q: float | None,
        instance: str | None,
        source_host: str,
        source_port: int,
        transport: str,
        user_agent: str,
        display_name: str,
        updated_at: float,
    ) -> None:
        self.aor = aor
        self.contact = contact
        self.expires_at = expires_at
        self.call_id = call_id
        self.cseq = cseq
        self.q = q
        self.instance = instance
        self.source_host = source_host
        self.source_port = source_port
        self.transport = transport
        self.user_agent = user_agent
        self.display_name = display_name
        self.updated_at = updated_at

    @property
    def key(self) -> str:
        return self.instance or self.contact

    def expires_in(self, now: float) -> int:
        return max(0, math.ceil(self.expires_at - now))


class OutOfOrder(Exception):
    """Same Call-ID with a CSeq not higher than the stored binding's (RFC 3261 10.3 steps 6-7):
    the whole request fails and nothing changes."""


class LocationService:
    def __init__(
        self,
        max_contacts: int,
        shared_aors: Iterable[str] = (),
        journal: BindingJournal | None = None,
    ) -> None:
        self._max_contacts = max(1, max_contacts)
        # a tuple per AOR (most hold one binding): smaller than a list, replaced on a change
        self._limited: dict[str, tuple[Binding, ...]] = {}
        self._shared: dict[str, dict[str, Binding]] = {aor: {} for aor in shared_aors}
        self._journal = journal
        self._count = 0
        # second -> parallel lists of (aor, key) due then; entries left behind by a refresh
        # are skipped when their slot is swept
        self._wheel: dict[int, tuple[list[str], list[str]]] = {}
        self._swept_until: int | None = None

    def __len__(self) -> int:
        return self._count

    def is_shared(self, aor: str) -> bool:
        return aor in self._shared

    def find(self, aor: str, key: str) -> Binding | None:
        shared = self._shared.get(aor)
        if shared is not None:
            return shared.get(key)
        for binding in self._limited.get(aor, ()):
            if binding.key == key:
                return binding
        return None

    def bindings(self, aor: str, now: float) -> list[Binding]:
        """Every current binding of the AOR."""
        shared = self._shared.get(aor)
        found: Iterable[Binding] = (
            shared.values() if shared is not None else self._limited.get(aor, ())
        )
        return [b for b in found if b.expires_at > now]

    def reply_bindings(self, aor: str, keys: Iterable[str], now: float) -> list[Binding]:
        """What a 200 to a REGISTER lists: all of an ordinary AOR's bindings, but only the
        requester's own for a shared AOR (the others are other phones' business, and thousands
        of contacts would not fit in a datagram)."""
        shared = self._shared.get(aor)
        if shared is None:
            return self.bindings(aor, now)
        found = (shared.get(key) for key in keys)
        return [b for b in found if b is not None and b.expires_at > now]

    def update(self, aor: str, changes: Sequence[Binding], now: float) -> list[Binding]:
        """Apply a REGISTER's contacts all or nothing. A change whose ``expires_at`` is not in
        the future removes its binding. Returns the bindings added or refreshed."""
        for change in changes:
            current = self.find(aor, change.key)
            if (
                current is not None
                and current.call_id == change.call_id
                and change.cseq <= current.cseq
            ):
                raise OutOfOrder(change.key)
        kept: list[Binding] = []
        for change in changes:
            current = self.find(aor, change.key)
            if change.expires_at <= now:
                if current is not None:
                    self._remove(current)
                continue
            self._store(change, current)
            kept.append(change)
        if aor not in self._shared:
            self._trim(aor, kept)
        return kept

    def remove_all(self, aor: str, call_id: str, cseq: int) -> list[Binding]:
        """``Contact: *``. For a shared AOR only the requester's bindings (same Call-ID) go."""
        shared = self._shared.get(aor)
        if shared is None:
            targets = list(self._limited.get(aor, ()))
        else:
            targets = [b for b in shared.values() if b.call_id == call_id]
        if any(b.call_id == call_id and cseq <= b.cseq for b in targets):
            raise OutOfOrder("*")
        for binding in targets:
            self._remove(binding)
        return targets

    def remove_matching(self, aor: str, predicate: Callable[[Binding], bool]) -> list[Binding]:
        shared = self._shared.get(aor)
        found: Iterable[Binding] = (
            shared.values() if shared is not None else self._limited.get(aor, ())
        )
        targets = [b for b in found if predicate(b)]
        for binding in targets:
            self._remove(binding)
        return targets

    def expire(self, now: float) -> list[Binding]:
        """Remove every binding whose time has come; call about once a second."""
        until = int(now)
        start = self._swept_until
        if start is None or until - start > len(self._wheel):
            # first sweep or a long pause (suspend, clock jump): walk the slots that exist
            seconds: Iterable[int] = sorted(s for s in self._wheel if s <= until)
        else:
            seconds = range(start + 1, until + 1)
        expired: list[Binding] = []
        for second in seconds:
            slot = self._wheel.pop(second, None)
            if slot is None:
                continue
            aors, keys = slot
            for aor, key in zip(aors, keys, strict=True):
                binding = self.find(aor, key)
                if binding is not None and binding.expires_at <= now:
                    self._remove(binding)
                    expired.append(binding)
        self._swept_until = until
        return expired

    def restore(self, bindings: Iterable[Binding], now: float) -> int:
        """Load bindings saved before a restart (not journaled: the database has them)."""
        loaded = 0
        for binding in bindings:
            if binding.expires_at <= now:
                continue
            current = self.find(binding.aor, binding.key)
            if current is not None and current.updated_at >= binding.updated_at:
                continue
            self._store(binding, current, journal=False)
            loaded += 1
        return loaded

    def _store(self, binding: Binding, current: Binding | None, *, journal: bool = True) -> None:
        aor = binding.aor
        shared = self._shared.get(aor)
        if shared is not None:
            shared[binding.key] = binding
        else:
            entries = self._limited.get(aor, ())
            if current is None:
                self._limited[aor] = (*entries, binding)
            else:
                self._limited[aor] = tuple(binding if b is current else b for b in entries)
        if current is None:
            self._count += 1
        elif current.contact != binding.contact and self._journal is not None and journal:
            self._journal.removed(current)
        self._schedule(binding)
        if self._journal is not None and journal:
            self._journal.saved(binding)

    def _remove(self, binding: Binding) -> None:
        aor = binding.aor
        shared = self._shared.get(aor)
        if shared is not None:
            del shared[binding.key]
        else:
            entries = tuple(b for b in self._limited[aor] if b is not binding)
            if entries:
                self._limited[aor] = entries
            else:
                del self._limited[aor]
        self._count -= 1
        if self._journal is not None:
            self._journal.removed(binding)

    def _trim(self, aor: str, kept: list[Binding]) -> None:
        entries = self._limited.get(aor)
        if entries is None or len(entries) <= self._max_contacts:
            return
        # the oldest go first; this request's own bindings only if it alone exceeds the limit
        fresh = {id(b) for b in kept}
        order = sorted(entries, key=lambda b: (id(b) in fresh, b.updated_at))
        for binding in order[: len(entries) - self._max_contacts]:
            self._remove(binding)

    def _schedule(self, binding: Binding) -> None:
        second = math.ceil(binding.expires_at)
        if self._swept_until is not None and second <= self._swept_until:
            second = self._swept_until + 1
        slot = self._wheel.get(second)
        if slot is None:
            slot = self._wheel[second] = ([], [])
        slot[0].append(binding.aor)
        slot[1].append(binding.key)
