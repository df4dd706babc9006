"""The route class of every UI page: it turns the UI's refusals and the inventory's errors
into pages (a redirect to log in, 403, 404...) instead of the REST API's JSON answers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from autoprov.inventory.errors import InventoryError
from autoprov.web.guard import FormRefused, LoginRequired, login_location
from autoprov.web.pages import render_error
from autoprov.web.templating import url_path


class UIRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except LoginRequired as refusal:
                target = login_location(url_path(request, "ui_login"), refusal.next_path)
                return RedirectResponse(target, status_code=303)
            except FormRefused as refusal:
                return render_error(request, 403, "refused.html", {"reason": refusal.reason})
            except InventoryError as error:
                return render_error(request, error.status, "error.html", {"message": error.message})

        return answer
