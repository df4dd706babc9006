from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.site import SiteSettings, load_site_settings
from tests.web.forms import post_form

FORM = {
    "sip_domain": "pbx.example.com",
    "registrar_host": "192.0.2.10",
    "registrar_port": "5080",
    "provision_user": "phones",
    "provision_password": "long-secret-1",
    "provision_networks": "10.1.0.0/16\n192.0.2.0/24",
    "time_server": "ntp.example.com",
    "unassigned_cap": "200",
}


def _site(engine: Engine, settings: Settings) -> SiteSettings:
    with Session(engine) as db, db.begin():
        return load_site_settings(db, settings)


def test_settings_are_saved_and_shown(
    admin: httpx.Client, ui_engine: Engine, settings: Settings
) -> None:
    answer = post_form(admin, "/ui/settings", "/ui/settings", FORM)
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/settings")
    assert _site(ui_engine, settings) == SiteSettings(
        sip_domain="pbx.example.com",
        registrar_host="192.0.2.10",
        registrar_port=5080,
        provision_user="phones",
        provision_password="long-secret-1",
        provision_networks=("10.1.0.0/16", "192.0.2.0/24"),
        time_server="ntp.example.com",
        autoprovision_enabled=False,
        unassigned_cap=200,
    )
    page = admin.get("/ui/settings").text
    assert "Settings saved." in page
    assert 'value="pbx.example.com"' in page
    assert "10.1.0.0/16\n192.0.2.0/24</textarea>" in page
    assert 'id="autoprovision_enabled" name="autoprovision_enabled"' in page
    assert " checked>" not in page
    dashboard = admin.get("/ui/").text
    assert "http://phones:long-secret-1@127.0.0.1:" in dashboard


def test_invalid_settings_are_explained_and_not_saved(
    admin: httpx.Client, ui_engine: Engine, settings: Settings
) -> None:
    before = _site(ui_engine, settings)
    bad = {
        **FORM,
        "registrar_port": "99999",
        "provision_networks": "10.1.0.1/16",
        "time_server": "ntp server",
    }
    answer = post_form(admin, "/ui/settings", "/ui/settings", bad)
    assert answer.status_code == 422
    assert "3 fields need a change" in answer.text
    assert "Time server must be a host name or an IP address." in answer.text
    assert "Registrar port must be a number from 1 to 65535." in answer.text
    assert "did you mean 10.1.0.0/16?" in answer.text
    assert 'value="99999"' in answer.text  # what was typed stays in the form
    assert _site(ui_engine, settings) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # files only
def test_firmware_files_are_listed(admin: httpx.Client, settings: Settings) -> None:
    assert "No firmware files" in admin.get("/ui/settings").text
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    (firmware / "2345-46135-001.sip.ld").write_bytes(b"\0" * 2048)
    page = admin.get("/ui/settings").text
    assert "2345-46135-001.sip.ld" in page
    assert "2.0 kB" in page
