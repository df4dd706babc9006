"""``POST /api/v1/phone-batches``: create, or bring up to date, several phones in one request.

The auto-provisioning worker delivers its queue here (docs/autoprovision.md). A request per
phone cost the API several times the create itself (HTTP, routing, a trip to a worker thread);
a batch pays that once. Each item is a ``POST /api/v1/phones`` body, created as that creates
(``phones.create_phone``), in a transaction of its own. A batch holding an invalid phone is
refused as a whole (422) before anything is written, as a single create would be; a phone
that conflicts with the inventory (its ID reserved for another MAC) gets its own error and
undoes none of the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, Field
from sqlalchemy.orm import Session

from autoprov.api.auth import PhoneWriterDep
from autoprov.api.deps import DatabaseDep
from autoprov.api.errors import ErrorDetail, error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.routers.phones import create_from
from autoprov.api.schemas.common import RequestBody, ResponseBody
from autoprov.api.schemas.phones import Address, ModelId, PhoneCreate, PhoneOut
from autoprov.inventory import phones
from autoprov.inventory.errors import InvalidValue, InventoryError
from autoprov.inventory.records import PhoneRecord
from autoprov.inventory.validation import check_ip, check_model

# Not under /phones: there, "batch" would be taken for a MAC by the routes of one phone.
router = APIRouter(prefix=f"{API_PREFIX}/phone-batches", tags=["phones"])

MAX_PHONES = 100


def _checked(check: Callable[[str], object]) -> AfterValidator:
    """The inventory's own check of a value the schema alone does not enforce, run while the
    body is read: an invalid phone refuses the whole batch before anything is written."""

    def validate(value: str | None) -> str | None:
        if value is not None:
            try:
                check(value)
            except InvalidValue as exc:
                raise ValueError(exc.message) from None
        return value

    return AfterValidator(validate)


class BatchPhone(PhoneCreate):
    model: Annotated[ModelId, _checked(check_model)]
    ip: Annotated[Address | None, _checked(check_ip)] = None


class PhoneBatch(RequestBody):
    phones: Annotated[list[BatchPhone], Field(min_length=1, max_length=MAX_PHONES)]


class BatchResult(ResponseBody):
    mac: str
    status: int = Field(
        description="201 created; 200 known (its `ip`, `firmware` and `last_seen` brought up "
        "to date); otherwise the status a single create would have answered (409: its "
        "`unique_id` is reserved for another MAC), see `error`"
    )
    phone: PhoneOut | None
    error: ErrorDetail | None


class BatchAnswer(ResponseBody):
    results: list[BatchResult] = Field(description="One per phone, in the order given")


def _news(known: PhoneRecord, item: PhoneCreate) -> dict[str, Any]:
    """What a known phone's item tells that the inventory does not hold yet. An item not newer
    than the phone's last-seen time (a delivery repeated after its answer was lost, or one
    overtaken by a later sighting) changes nothing; the description, which an administrator
    may have edited, is never touched."""
    seen, known_seen = item.last_seen, known.last_seen
    if seen is not None and known_seen is not None and seen <= known_seen:
        return {}
    news: dict[str, Any] = {}
    if item.ip is not None and check_ip(item.ip) != known.ip:  # as stored: normalized
        news["ip"] = item.ip
    if item.firmware is not None and item.firmware != known.firmware:
        news["firmware"] = item.firmware
    if item.last_seen is not None:
        news["last_seen"] = item.last_seen
    return news


def _create_or_update(session: Session, item: PhoneCreate) -> BatchResult:
    record, created = create_from(session, item)
    news = {} if created else _news(record, item)
    if news:
        record = phones.update_phone(session, record.mac, **news)
    phone = PhoneOut.model_validate(record)
    return BatchResult(mac=record.mac, status=201 if created else 200, phone=phone, error=None)


def _apply(session: Session, items: Sequence[PhoneCreate]) -> list[BatchResult]:
    results = []
    for item in items:
        try:
            result = _create_or_update(session, item)
        except InventoryError as exc:
            session.rollback()
            error = ErrorDetail(status=exc.status, message=exc.message, field=exc.field)
            results.append(BatchResult(mac=item.mac, status=exc.status, phone=None, error=error))
            continue
        session.commit()
        results.append(result)
    return results


@router.post(
    "",
    response_model=BatchAnswer,
    responses=error_responses(400, 401, 409, 422),
    summary="Create several phones (idempotent by MAC); known ones get their address, "
    "firmware and last-seen time",
)
async def create_phones(_: PhoneWriterDep, body: PhoneBatch, db: DatabaseDep) -> BatchAnswer:
    results = await db.write(lambda session: _apply(session, body.phones))
    return BatchAnswer(results=results)
