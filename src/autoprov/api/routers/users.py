"""``/api/v1/users``: SIP accounts (admin only). Passwords are accepted, never returned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from autoprov.api.auth import require_admin
from autoprov.api.deps import DatabaseDep, PagingDep, request_resync
from autoprov.api.errors import error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.schemas.users import UserCreate, UserDeleted, UserList, UserOut, UserUpdate
from autoprov.inventory import users
from autoprov.inventory.errors import InvalidValue
from autoprov.inventory.keep import KEEP
from autoprov.inventory.validation import LINE_PATTERN, USERNAME_MAX, USERNAME_PATTERN

router = APIRouter(
    prefix=f"{API_PREFIX}/users", tags=["users"], dependencies=[Depends(require_admin)]
)

UsernamePath = Annotated[
    str, Path(pattern=USERNAME_PATTERN, max_length=USERNAME_MAX, examples=["1001"])
]


@router.get("", response_model=UserList, responses=error_responses(401, 403, 422))
async def list_users(
    db: DatabaseDep,
    window: PagingDep,
    search: Annotated[
        str | None,
        Query(max_length=200, pattern=LINE_PATTERN, description="Username or display name"),
    ] = None,
) -> UserList:
    page = await db.read(
        lambda session: users.list_users(
            session, search=search, offset=window.offset, limit=window.limit
        )
    )
    return UserList.model_validate(page)


@router.post(
    "",
    status_code=201,
    response_model=UserOut,
    responses=error_responses(400, 401, 403, 409, 422),
)
async def create_user(body: UserCreate, db: DatabaseDep) -> UserOut:
    record = await db.write(
        lambda session: users.create_user(session, body.username, body.password, body.display_name)
    )
    return UserOut.model_validate(record)


@router.get("/{username}", response_model=UserOut, responses=error_responses(401, 403, 404, 422))
async def get_user(username: UsernamePath, db: DatabaseDep) -> UserOut:
    return UserOut.model_validate(await db.read(lambda session: users.get_user(session, username)))


@router.patch(
    "/{username}",
    response_model=UserOut,
    responses=error_responses(400, 401, 403, 404, 422),
)
async def update_user(username: UsernamePath, body: UserUpdate, db: DatabaseDep) -> UserOut:
    given = body.model_fields_set
    if "password" in given and body.password is None:
        raise InvalidValue("a user always has a password", field="password")
    password = body.password if body.password is not None else KEEP
    display_name = (body.display_name or "") if "display_name" in given else KEEP
    record = await db.write(
        lambda session: users.update_user(
            session, username, password=password, display_name=display_name
        )
    )
    return UserOut.model_validate(record)


@router.delete(
    "/{username}",
    response_model=UserDeleted,
    responses=error_responses(401, 403, 404, 422),
    summary="Delete a user; the phones it was on lose that line and re-sync",
)
async def delete_user(username: UsernamePath, db: DatabaseDep, request: Request) -> UserDeleted:
    macs = await db.write(lambda session: users.delete_user(session, username))
    for mac in macs:
        request_resync(request, mac)
    return UserDeleted(username=username, unassigned_phones=macs)
