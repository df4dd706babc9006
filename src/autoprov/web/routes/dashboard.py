"""The dashboard: counts, the newest phones, provisioning per day, and the DHCP values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from autoprov.api.deps import SessionDep
from autoprov.config import Settings
from autoprov.inventory.phones import PhoneQuery, count_phones, list_phones
from autoprov.inventory.registrations import registered_macs
from autoprov.inventory.site import load_site_settings
from autoprov.polycom.bootserver import boot_server_url
from autoprov.provisioning.documents import provisioning_base_url
from autoprov.storage.models import Phone
from autoprov.web.chart import daily_chart
from autoprov.web.guard import AdminSession
from autoprov.web.pages import render
from autoprov.web.routing import UIRoute

router = APIRouter(route_class=UIRoute)
CHART_DAYS = 14
RECENT = 8
REGISTERED_SLICE = 200


def count_registered(db: Session) -> int:
    # In slices: the lookup builds one condition per phone, and SQLite caps expression depth.
    phones = db.scalars(select(Phone)).all()
    return sum(
        len(registered_macs(db, phones[start : start + REGISTERED_SLICE]))
        for start in range(0, len(phones), REGISTERED_SLICE)
    )


@router.get("/", name="ui_dashboard")
def dashboard(
    request: Request,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    settings: Settings = request.app.state.settings
    site = load_site_settings(db, settings)
    counts = count_phones(db)
    now = datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=CHART_DAYS - 1), datetime.min.time(), UTC)
    created = db.scalars(select(Phone.created_at).where(Phone.created_at >= since))
    return render(
        request,
        session,
        "dashboard.html",
        {
            "section": "ui_dashboard",
            "counts": {
                "total": counts.total,
                "unassigned": counts.unassigned,
                "registered": count_registered(db),
            },
            "recent": list_phones(db, PhoneQuery(sort="-created", limit=RECENT)).items,
            "chart": daily_chart(created, now.date(), CHART_DAYS),
            "boot_url": boot_server_url(
                provisioning_base_url(settings), site.provision_user, site.provision_password
            ),
        },
    )
