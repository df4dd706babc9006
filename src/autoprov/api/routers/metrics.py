"""``/metrics``: Prometheus text format, admin credentials required (a scrape job sets
``basic_auth`` or ``authorization`` with the admin token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from autoprov.api.auth import require_admin
from autoprov.api.errors import error_responses
from autoprov.api.metrics import ApiMetrics

router = APIRouter(tags=["metrics"], dependencies=[Depends(require_admin)])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        **error_responses(401, 403),
    },
)
def metrics(request: Request) -> Response:
    collected: ApiMetrics = request.app.state.metrics
    return Response(collected.render(), media_type=CONTENT_TYPE_LATEST)
