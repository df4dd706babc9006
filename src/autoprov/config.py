"""Settings, read once from ``AUTOPROV_*`` environment variables and an optional TOML file.

Services receive a parsed :class:`Settings`; nothing below the CLI reads the environment.
The TOML file is named by ``AUTOPROV_CONFIG`` and uses the same keys without the prefix.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

AUTOPROVISION_USER = "~~id~autoprovision"
"""The special SIP identity every unassigned phone registers as (DESIGN.md step 3)."""


def _guess_host() -> str:
    """The address phones should use when none is configured: this host's primary address."""
    try:
        addr = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
    return addr


_HOST = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*"
)


def is_host(value: str) -> bool:
    """A host name or an IP address (IPv6 with or without brackets), as phones are given one."""
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return _HOST.fullmatch(value) is not None
    return True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOPROV_", extra="ignore", frozen=True)

    data_dir: Path = Path("autoprov-data")
    database_url: str | None = None
    bind: str = "0.0.0.0"
    external_host: str | None = None
    sip_domain: str | None = None

    sip_port: int = 5060
    sip_tls_port: int = 5061
    tls_cert: Path | None = None
    tls_key: Path | None = None
    provision_port: int = 8080
    ftp_port: int = 2121
    tftp_port: int = 6969
    api_port: int = 8000
    registrar_processes: int = Field(default=1, ge=1, le=64)
    """Registrar processes; above one, each owns a share of the AORs (docs/registrar.md)."""
    registrar_metrics_port: int = Field(default=0, ge=0)
    """Where the registrar process serves Prometheus ``/metrics``; 0: not served."""
    api_url: str | None = None

    admin_password: SecretStr | None = None
    provision_user: str | None = None
    provision_password: SecretStr | None = None
    ftp_user: str = "PlcmSpIp"
    ftp_password: SecretStr = SecretStr("PlcmSpIp")
    provision_networks: list[str] = Field(default_factory=list)
    time_server: str = "pool.ntp.org"
    """The SNTP server written into phone configurations (``tcpIpApp.sntp.address``)."""
    polycom_ouis: list[str] = Field(default_factory=lambda: ["0004f2", "64167f", "482567"])

    autoprovision_enabled: bool = True
    unassigned_cap: int = 5000
    provision_rate_per_minute: int = 600
    provision_http_workers: int = Field(default=0, ge=0)
    """HTTP processes sharing the provisioning port; 0 picks (see ``http_workers``)."""

    min_expires: int = 60
    default_expires: int = 3600
    max_expires: int = 7200
    max_contacts_per_aor: int = 5
    auth_fail_limit: int = 10
    auth_fail_window: int = 60
    nonce_ttl: int = 300
    digest_algorithms: list[str] = Field(default_factory=lambda: ["MD5", "SHA-256"])
    """What the registrar's 401 challenge offers, one WWW-Authenticate header each, in order.
    ``["MD5"]`` suits clients that give up on a challenge they cannot answer (baresip 1.0)."""
    register_plugins: list[str] = Field(default_factory=lambda: ["autoprovision"])
    binding_flush_interval: float = 0.5

    log_level: str = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("AUTOPROV_CONFIG")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @field_validator("provision_networks")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value

    @field_validator("time_server")
    @classmethod
    def _check_time_server(cls, value: str) -> str:
        cleaned = value.strip()
        if not is_host(cleaned):
            raise ValueError("give a host name or an IP address")
        return cleaned

    @field_validator("digest_algorithms")
    @classmethod
    def _check_digest_algorithms(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip().upper() for v in value]
        if not cleaned or len(set(cleaned)) != len(cleaned):
            raise ValueError("list each digest algorithm once, at least one")
        for algorithm in cleaned:
            if algorithm not in ("MD5", "SHA-256"):
                raise ValueError(f"not a digest algorithm: {algorithm!r} (MD5, SHA-256)")
        return cleaned

    @field_validator("polycom_ouis")
    @classmethod
    def _check_ouis(cls, value: list[str]) -> list[str]:
        cleaned = [v.lower().replace(":", "").replace("-", "") for v in value]
        for oui in cleaned:
            if len(oui) != 6 or any(c not in "0123456789abcdef" for c in oui):
                raise ValueError(f"not an OUI: {oui!r}")
        return cleaned

    @cached_property
    def host(self) -> str:
        """The address written into phone configurations."""
        return self.external_host or _guess_host()

    @cached_property
    def domain(self) -> str:
        """The SIP domain (and digest realm) the registrar serves."""
        return self.sip_domain or self.host

    @cached_property
    def http_workers(self) -> int:
        """The provisioning HTTP processes to run. Unset (0): two where this process may use
        two cores or more, which is where a second process pays (one uvicorn process is
        bound to one core), else one. More than two is left to the administrator, since the
        registrar and the API want cores too."""
        if self.provision_http_workers:
            return self.provision_http_workers
        return 2 if len(os.sched_getaffinity(0)) >= 2 else 1

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'autoprov.db'}"

    @cached_property
    def api_base_url(self) -> str:
        if self.api_url:
            return self.api_url
        # A wildcard bind is reachable on loopback; a specific address only on itself.
        host = "127.0.0.1" if self.bind in {"0.0.0.0", "::", ""} else self.bind
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.api_port}"

    @cached_property
    def provision_base_url(self) -> str:
        return f"http://{self.host}:{self.provision_port}"
