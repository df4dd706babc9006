"""Lines: a user on a phone at a position, at most as many as the phone's model has.

The caller re-syncs the phone once it has committed; the re-sync also retires the phone's
auto-provisioning binding (``notifier``), after it has used it to reach the phone.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from autoprov.inventory.errors import Conflict, NotFound
from autoprov.inventory.phones import phone_record, require_phone
from autoprov.inventory.records import PhoneRecord
from autoprov.inventory.users import require_user
from autoprov.polycom.models import find_model
from autoprov.storage.models import Line


def assign_line(
    session: Session, mac: str, username: str, position: int | None = None
) -> PhoneRecord:
    """Put the user on the phone, at ``position`` or the first free one.

    404 naming ``mac`` or ``username`` for an unknown phone or user; 409 naming ``position``
    beyond the model's line count or taken, 409 naming ``username`` if already on the phone.
    """
    phone = require_phone(session, mac)
    user = require_user(session, username)
    model = find_model(phone.model)
    line_count = model.lines if model else 0
    if any(line.user_id == user.id for line in phone.lines):
        raise Conflict(f"{username} is already on {phone.mac}", field="username")
    taken = {line.position for line in phone.lines}
    if position is None:
        position = first_free_position(phone.mac, phone.model, taken)
    elif not 1 <= position <= line_count:
        raise Conflict(
            f"{phone.model} has lines 1 to {line_count}; there is no line {position}",
            field="position",
        )
    elif position in taken:
        raise Conflict(f"line {position} of {phone.mac} is taken", field="position")
    phone.lines.append(Line(user=user, position=position))
    session.flush()
    return phone_record(session, phone)


def first_free_position(mac: str, model: str, taken: Collection[int]) -> int:
    """The lowest line of the model not in ``taken``; 409 naming ``position`` when all are."""
    found = find_model(model)
    line_count = found.lines if found else 0
    for position in range(1, line_count + 1):
        if position not in taken:
            return position
    raise Conflict(f"all {line_count} lines of {mac} ({model}) are taken", field="position")


def unassign_line(session: Session, mac: str, username: str) -> PhoneRecord:
    """Take the user off the phone; 404 naming ``username`` if it is not on it."""
    phone = require_phone(session, mac)
    line = next((line for line in phone.lines if line.user.username == username), None)
    if line is None:
        raise NotFound(f"{username!r} has no line on {phone.mac}", field="username")
    phone.lines.remove(line)
    session.flush()
    return phone_record(session, phone)
