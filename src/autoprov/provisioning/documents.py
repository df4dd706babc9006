"""The files we generate, built from inventory facts with the Polycom templates.

A rendered file is kept, keyed on everything its bytes depend on: the values handed to the
template (a phone's MAC, model, lines and their passwords, the site's registrar) and the
generation of the templates. The caller still reads those values as fresh as before, so a
change in the inventory is a different key, never a stale file, and no two phones share an
entry unless their files are identical byte for byte. Only the render is saved (most of a
registration file's cost).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.polycom.firmware import firmware_paths
from autoprov.polycom.master import MasterFile, render_master
from autoprov.polycom.profile import (
    LineConfig,
    Registrar,
    SiteConfig,
    autoprovision_line,
    render_profile,
    render_registration,
    render_site,
    sip_address,
)
from autoprov.polycom.rendering import TemplateEnvironment
from autoprov.provisioning.answers import Generated
from autoprov.provisioning.caching import TimedCache
from autoprov.provisioning.routes import SITE_FILE, profile_name, registration_url
from autoprov.provisioning.store import LineAccount, PhoneAccounts, SiteSnapshot

RENDERED_FILES = 10_000
"""Rendered files kept, the least recently stored dropped first (under a few KB each)."""


def provisioning_base_url(settings: Settings) -> str:
    """Where phones reach the HTTP door: HTTPS when a certificate is configured."""
    scheme = "https" if settings.tls_cert and settings.tls_key else "http"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{scheme}://{host}:{settings.provision_port}"


class Documents:
    def __init__(self, env: TemplateEnvironment, settings: Settings) -> None:
        self._env = env
        self._settings = settings
        self.base_url = provisioning_base_url(settings)
        self._rendered: TimedCache[Hashable, Generated] = TimedCache(None, RENDERED_FILES)

    def site_master(self, images: frozenset[str]) -> Generated:
        """``000000000000.cfg``: the registration file first, then the site file."""

        def render() -> bytes:
            master = self._master((registration_url(self.base_url), SITE_FILE), images)
            return render_master(self._env, master)

        return self._render(("site-master", images), render)

    def phone_master(self, phone: PhoneAccounts, images: frozenset[str]) -> Generated:
        """``<mac>.cfg`` of an assigned phone: its profile, named relative to where this file
        came from, so the phone fetches it with the credentials it used here."""
        mac, model = phone.mac, phone.model

        def render() -> bytes:
            master = self._master((profile_name(mac),), images)
            return render_master(self._env, master, mac=mac, model=model)

        return self._render(("phone-master", images, mac, model), render)

    def registration(
        self, snapshot: SiteSnapshot, mac: str, unique_id: str, model: str | None
    ) -> Generated:
        """The busiest file: keyed on the plain values the line and registrar are built from,
        so that a repeated request builds neither."""
        site = snapshot.site

        def render() -> bytes:
            line = autoprovision_line(
                user=AUTOPROVISION_USER,
                password=snapshot.autoprovision_password,
                unique_id=unique_id,
                mac=mac,
                domain=site.sip_domain,
                registrar_host=site.registrar_host,
            )
            registrar = self._registrar(snapshot)
            return render_registration(self._env, line, registrar, mac=mac, model=model)

        secret = snapshot.autoprovision_password
        registrar = (site.sip_domain, site.registrar_host, site.registrar_port)
        return self._render(("registration", mac, unique_id, model, secret, *registrar), render)

    def profile(self, snapshot: SiteSnapshot, phone: PhoneAccounts) -> Generated:
        lines = tuple(self._line(snapshot, account) for account in phone.lines)
        registrar = self._registrar(snapshot)
        site = _site_config(snapshot)
        mac, model = phone.mac, phone.model
        return self._render(
            ("profile", lines, registrar, site, mac, model),
            lambda: render_profile(self._env, lines, registrar, site, mac=mac, model=model),
        )

    def site(self, snapshot: SiteSnapshot) -> Generated:
        site = _site_config(snapshot)
        return self._render(("site", site), lambda: render_site(self._env, site))

    def _render(self, inputs: tuple[Hashable, ...], render: Callable[[], bytes]) -> Generated:
        """``inputs`` must name the document and hold every value ``render`` uses."""
        key = (*inputs, self._env.generation())
        found = self._rendered.get(key)
        if found is None:
            found = Generated(render())
            self._rendered.put(key, found)
        return found

    def _master(self, config_files: tuple[str, ...], images: Collection[str]) -> MasterFile:
        app_file_path, model_images = firmware_paths(images)
        return MasterFile(
            app_file_path=app_file_path,
            config_files=config_files,
            log_dir=f"{self.base_url}/logs",
            overrides_dir=f"{self.base_url}/overrides",
            contacts_dir=f"{self.base_url}/contacts",
            model_images=model_images,
        )

    def _registrar(self, snapshot: SiteSnapshot) -> Registrar:
        return Registrar(
            address=snapshot.site.registrar_host,
            port=snapshot.site.registrar_port,
            expires=self._settings.default_expires,
        )

    @staticmethod
    def _line(snapshot: SiteSnapshot, account: LineAccount) -> LineConfig:
        name = account.display_name or account.username
        return LineConfig(
            position=account.position,
            address=sip_address(
                account.username, snapshot.site.sip_domain, snapshot.site.registrar_host
            ),
            user_id=account.username,
            password=account.password,
            label=name,
            display_name=name,
            mwi_subscribe=account.username,
        )


def _site_config(snapshot: SiteSnapshot) -> SiteConfig:
    return SiteConfig(time_server=snapshot.site.time_server)
