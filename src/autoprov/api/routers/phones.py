"""``/api/v1/phones``: the inventory of phones, their lines, and restarts.

The service token may create (``POST``) and update (``PATCH``) phones; everything else here
needs the admin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from autoprov.api.auth import AdminDep, PhoneWriterDep
from autoprov.api.deps import DatabaseDep, PagingDep, request_resync
from autoprov.api.errors import error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.rendered import Rendered
from autoprov.api.schemas.phones import (
    LineAssign,
    PhoneCreate,
    PhoneList,
    PhoneOut,
    PhoneReplace,
    PhoneUpdate,
    RestartAccepted,
)
from autoprov.inventory import lines, phones
from autoprov.inventory.records import PhonePage, PhoneRecord
from autoprov.inventory.validation import LINE_PATTERN, MAC_PATTERN, USERNAME_MAX, USERNAME_PATTERN

router = APIRouter(prefix=f"{API_PREFIX}/phones", tags=["phones"])

# Answers are serialized from the records (``PhoneOut`` and ``PhoneList`` document them).
PHONE = Rendered(PhoneRecord)
PAGE = Rendered(PhonePage)

MacPath = Annotated[
    str,
    Path(
        pattern=MAC_PATTERN,
        max_length=64,
        description="The phone's MAC, any usual spelling",
        examples=["0004f2aabbcc"],
    ),
]
UsernamePath = Annotated[
    str, Path(pattern=USERNAME_PATTERN, max_length=USERNAME_MAX, examples=["1001"])
]


@router.get(
    "",
    response_model=PhoneList,
    responses=error_responses(401, 403, 422),
    summary="List phones, with search, the unassigned filter, paging and sorting",
)
async def list_phones(
    _: AdminDep,
    db: DatabaseDep,
    window: PagingDep,
    search: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=LINE_PATTERN,
            description="Unique ID, MAC (any spelling, partial), description, model or username",
        ),
    ] = None,
    unassigned: Annotated[bool, Query(description="Only phones without lines")] = False,
    sort: Annotated[
        str,
        Query(
            description="`mac`, `model`, `unique_id`, `ip`, `last_seen` or `created`; "
            "a leading `-` sorts descending",
            json_schema_extra={"enum": list(phones.SORT_FIELDS)},
        ),
    ] = "mac",
) -> Response:
    query = phones.PhoneQuery(
        search=search, unassigned=unassigned, sort=sort, offset=window.offset, limit=window.limit
    )
    return PAGE.response(await db.read(lambda session: phones.list_phones(session, query)))


@router.post(
    "",
    status_code=201,
    response_model=PhoneOut,
    responses={
        200: {"model": PhoneOut, "description": "The MAC was known: the existing phone"},
        201: {"description": "Created"},
        **error_responses(400, 401, 409, 422),
    },
    summary="Create a phone (idempotent by MAC)",
)
async def create_phone(_: PhoneWriterDep, body: PhoneCreate, db: DatabaseDep) -> Response:
    record, created = await db.write(lambda session: create_from(session, body))
    return PHONE.response(record, 201 if created else 200)


def create_from(session: Session, body: PhoneCreate) -> tuple[PhoneRecord, bool]:
    """``phones.create_phone`` with a create's body (also each item of a batch)."""
    return phones.create_phone(
        session,
        body.mac,
        body.model,
        description=body.description,
        ip=body.ip,
        firmware=body.firmware,
        last_seen=body.last_seen,
        unique_id=body.unique_id,
    )


@router.get("/{mac}", response_model=PhoneOut, responses=error_responses(401, 403, 404, 422))
async def get_phone(_: AdminDep, mac: MacPath, db: DatabaseDep) -> Response:
    return PHONE.response(await db.read(lambda session: phones.get_phone(session, mac)))


@router.patch(
    "/{mac}",
    response_model=PhoneOut,
    responses=error_responses(400, 401, 404, 409, 422),
    summary="Change some fields of a phone",
)
async def update_phone(
    _: PhoneWriterDep, mac: MacPath, body: PhoneUpdate, db: DatabaseDep
) -> Response:
    changes = body.model_dump(exclude_unset=True)
    record = await db.write(lambda session: phones.update_phone(session, mac, **changes))
    return PHONE.response(record)


@router.put(
    "/{mac}",
    response_model=PhoneOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
    summary="Replace a phone's editable fields",
)
async def replace_phone(_: AdminDep, mac: MacPath, body: PhoneReplace, db: DatabaseDep) -> Response:
    fields = body.model_dump()
    record = await db.write(lambda session: phones.update_phone(session, mac, **fields))
    return PHONE.response(record)


@router.delete("/{mac}", status_code=204, responses=error_responses(401, 403, 404, 422))
async def delete_phone(_: AdminDep, mac: MacPath, db: DatabaseDep) -> Response:
    await db.write(lambda session: phones.delete_phone(session, mac))
    return Response(status_code=204)


@router.post(
    "/{mac}/lines",
    status_code=201,
    response_model=PhoneOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
    summary="Assign a user to the phone (the phone re-syncs)",
)
async def assign_line(
    _: AdminDep, mac: MacPath, body: LineAssign, db: DatabaseDep, request: Request
) -> Response:
    record = await db.write(
        lambda session: lines.assign_line(session, mac, body.username, body.position)
    )
    request_resync(request, record.mac)
    return PHONE.response(record, 201)


@router.delete(
    "/{mac}/lines/{username}",
    response_model=PhoneOut,
    responses=error_responses(401, 403, 404, 422),
    summary="Take a user off the phone (the phone re-syncs)",
)
async def unassign_line(
    _: AdminDep, mac: MacPath, username: UsernamePath, db: DatabaseDep, request: Request
) -> Response:
    record = await db.write(lambda session: lines.unassign_line(session, mac, username))
    request_resync(request, record.mac)
    return PHONE.response(record)


@router.post(
    "/{mac}/restart",
    status_code=202,
    response_model=RestartAccepted,
    responses=error_responses(401, 403, 404, 422),
    summary="Ask the phone to re-sync (reboot and fetch its configuration)",
)
async def restart_phone(
    _: AdminDep, mac: MacPath, db: DatabaseDep, request: Request
) -> RestartAccepted:
    found = await db.read(lambda session: phones.require_phone(session, mac).mac)
    request_resync(request, found)
    return RestartAccepted(mac=found)
