"""``/api/v1/registrations``: the registrar's current bindings (as written behind to the
database, so up to a moment behind the registrar's memory)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from autoprov.api.auth import require_admin
from autoprov.api.deps import DatabaseDep, PagingDep
from autoprov.api.errors import error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.schemas.catalog import RegistrationList
from autoprov.inventory.registrations import list_registrations
from autoprov.inventory.validation import LINE_PATTERN

router = APIRouter(
    prefix=f"{API_PREFIX}/registrations",
    tags=["registrations"],
    dependencies=[Depends(require_admin)],
)


@router.get("", response_model=RegistrationList, responses=error_responses(401, 403, 422))
async def list_current(
    db: DatabaseDep,
    window: PagingDep,
    aor: Annotated[
        str | None,
        Query(max_length=255, pattern=LINE_PATTERN, description="Only this address of record"),
    ] = None,
) -> RegistrationList:
    page = await db.read(
        lambda session: list_registrations(
            session, aor=aor, offset=window.offset, limit=window.limit
        )
    )
    return RegistrationList.model_validate(page)
