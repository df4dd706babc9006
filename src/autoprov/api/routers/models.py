"""``/api/v1/models``: the phone models the inventory knows (the package's model table)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from autoprov.api.auth import require_admin
from autoprov.api.errors import error_responses
from autoprov.api.paths import API_PREFIX
from autoprov.api.schemas.catalog import ModelList, ModelOut
from autoprov.polycom.models import all_models

router = APIRouter(
    prefix=f"{API_PREFIX}/models", tags=["models"], dependencies=[Depends(require_admin)]
)


@router.get("", response_model=ModelList, responses=error_responses(401, 403))
async def list_models() -> ModelList:
    items = [
        ModelOut(
            id=model.ua_token,
            family=model.family,
            name=model.name,
            part_number=model.part_number,
            lines=model.lines,
        )
        for model in sorted(all_models().values(), key=lambda m: m.ua_token)
    ]
    return ModelList(items=items, total=len(items))
