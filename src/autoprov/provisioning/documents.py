"""The files we generate, built from inventory facts with the Polycom templates."""

from __future__ import annotations

from collections.abc import Collection

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
from autoprov.provisioning.routes import SITE_FILE, profile_name, registration_url
from autoprov.provisioning.store import LineAccount, PhoneAccounts, SiteSnapshot


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
        self._site = SiteConfig()

    def site_master(self, images: Collection[str]) -> bytes:
        """``000000000000.cfg``: the registration file first, then the site file."""
        config_files = (registration_url(self.base_url), SITE_FILE)
        return render_master(self._env, self._master(config_files, images))

    def phone_master(self, phone: PhoneAccounts, images: Collection[str]) -> bytes:
        """``<mac>.cfg`` of an assigned phone: its profile, named relative to where this file
        came from, so the phone fetches it with the credentials it used here."""
        master = self._master((profile_name(phone.mac),), images)
        return render_master(self._env, master, mac=phone.mac, model=phone.model)

    def registration(
        self, snapshot: SiteSnapshot, mac: str, unique_id: str, model: str | None
    ) -> bytes:
        line = autoprovision_line(
            user=AUTOPROVISION_USER,
            password=snapshot.autoprovision_password,
            unique_id=unique_id,
            mac=mac,
            domain=snapshot.site.sip_domain,
            registrar_host=snapshot.site.registrar_host,
        )
        return render_registration(self._env, line, self._registrar(snapshot), mac=mac, model=model)

    def profile(self, snapshot: SiteSnapshot, phone: PhoneAccounts) -> bytes:
        lines = [self._line(snapshot, account) for account in phone.lines]
        return render_profile(
            self._env,
            lines,
            self._registrar(snapshot),
            self._site,
            mac=phone.mac,
            model=phone.model,
        )

    def site(self) -> bytes:
        return render_site(self._env, self._site)

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
