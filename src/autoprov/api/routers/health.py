"""``/api/v1/health``: the one route answering without credentials (for load balancers and
process supervisors). It says only whether the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from autoprov.api.deps import DatabaseDep
from autoprov.api.errors import error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.schemas.catalog import Health

router = APIRouter(prefix=API_PREFIX, tags=["health"])


@router.get("/health", response_model=Health, responses=error_responses(503))
async def health(db: DatabaseDep) -> Health:
    # OperationalError (database down) becomes the documented 503.
    await db.read(lambda session: session.execute(text("SELECT 1")))
    return Health(status="ok", database="ok")
