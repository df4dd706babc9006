"""The phone list: search, the "- unassigned -" filter, sortable columns, pages, and the
fragment the page polls so a phone that auto-provisions shows up without a reload."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from autoprov.api.deps import SessionDep
from autoprov.inventory.phones import SORT_COLUMNS, PhoneQuery, list_phones
from autoprov.inventory.records import PhonePage
from autoprov.web.guard import AdminSession
from autoprov.web.pages import render
from autoprov.web.routing import UIRoute
from autoprov.web.templating import TEMPLATES, url_path

router = APIRouter(route_class=UIRoute)
PER_PAGE = 25
DEFAULT_SORT = "created"
"""Newest first (with the default order): a phone just plugged in tops the list."""
FILTERS = (("", "All phones"), ("unassigned", "- unassigned -"))


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str

    @property
    def sortable(self) -> bool:
        return self.key in SORT_COLUMNS


COLUMNS = (
    Column("unique_id", "ID"),
    Column("mac", "MAC"),
    Column("model", "Model"),
    Column("firmware", "Firmware"),
    Column("ip", "IP"),
    Column("lines", "Lines"),
    Column("registered", "Registered"),
    Column("last_seen", "Last seen"),
)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The list's query string, read leniently: a bad value falls back to the default."""

    q: str = ""
    filter: str = ""
    sort: str = DEFAULT_SORT
    order: str = "desc"
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_request(cls, request: Request) -> ListQuery:
        params = request.query_params
        sort = params.get("sort", DEFAULT_SORT)
        page = params.get("page", "1")
        return cls(
            q=params.get("q", "").strip()[:200],
            filter="unassigned" if params.get("filter") == "unassigned" else "",
            sort=sort if sort in SORT_COLUMNS else DEFAULT_SORT,
            order="asc" if params.get("order") == "asc" else "desc",
            page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
        )

    def to_inventory(self) -> PhoneQuery:
        return PhoneQuery(
            search=self.q or None,
            unassigned=self.filter == "unassigned",
            sort=self.sort if self.order == "asc" else f"-{self.sort}",
            offset=(self.page - 1) * self.per_page,
            limit=self.per_page,
        )

    def query_string(self, **changes: Any) -> str:
        changed = replace(self, **changes)
        params = {"q": changed.q, "filter": changed.filter, "sort": changed.sort}
        params |= {"order": changed.order, "page": str(changed.page)}
        return urlencode({key: value for key, value in params.items() if value})

    def sorted_by(self, key: str) -> str:
        """The query string for a click on ``key``'s header: ascending, or reversed if sorted."""
        order = "desc" if self.sort == key and self.order == "asc" else "asc"
        return self.query_string(sort=key, order=order, page=1)


def _table(request: Request, query: ListQuery, result: PhonePage) -> tuple[Markup, str]:
    """The table fragment and its version (the page polls it; an unchanged one is kept)."""
    base = url_path(request, "ui_phones")
    pages = max(1, -(-result.total // query.per_page))
    html = TEMPLATES.get_template("_phone_table.html").render(
        request=request,
        query=query,
        result=result,
        pages=pages,
        columns=[
            {
                "key": c.key,
                "label": c.label,
                "sortable": c.sortable,
                "href": f"{base}?{query.sorted_by(c.key)}",
            }
            for c in COLUMNS
        ],
        page_href=lambda page: f"{base}?{query.query_string(page=page)}",
    )
    # Rendered by an autoescaping template: already safe HTML.
    return Markup(html), hashlib.sha256(html.encode()).hexdigest()[:16]  # noqa: S704


def _page(db: Session, query: ListQuery) -> tuple[ListQuery, PhonePage]:
    result = list_phones(db, query.to_inventory())
    last = max(1, -(-result.total // query.per_page))
    if query.page > last:  # e.g. phones were deleted since the link was made
        query = replace(query, page=last)
        result = list_phones(db, query.to_inventory())
    return query, result


@router.get("/phones", name="ui_phones")
def phones(
    request: Request,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    query, result = _page(db, ListQuery.from_request(request))
    fragment, version = _table(request, query, result)
    return render(
        request,
        session,
        "phones.html",
        {
            "section": "ui_phones",
            "query": query,
            "filters": FILTERS,
            "fragment": fragment,
            "fragment_version": version,
            "fragment_url": f"{url_path(request, 'ui_phones_table')}?{query.query_string()}",
        },
    )


@router.get("/fragments/phones", name="ui_phones_table")
def phones_table(
    request: Request,
    _session: AdminSession,
    db: SessionDep,
) -> Response:
    query, result = _page(db, ListQuery.from_request(request))
    fragment, version = _table(request, query, result)
    return HTMLResponse(
        fragment, headers={"X-Fragment-Version": version, "Cache-Control": "no-store"}
    )
