"""A phone's registrations, read from its parameters (``reg.x.*``, ``voIpProt.server.y.*``)."""

from __future__ import annotations

from dataclasses import dataclass

from autoprov.simulate.params import ConfigParams
from autoprov.simulate.xmlfile import ConfigError

DEFAULT_SIP_PORT = 5060
DEFAULT_EXPIRES = 3600
DEFAULT_OVERLAP = 60
_UDP_TRANSPORTS = frozenset({"", "DNSnaptr", "UDPOnly", "TCPpreferred"})
"""What a phone may use UDP for; the emulator speaks SIP over UDP only."""


@dataclass(frozen=True, slots=True)
class LineConfig:
    index: int
    user: str
    domain: str
    auth_user: str
    password: str
    display_name: str
    server_host: str
    server_port: int
    expires: int
    overlap: int

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.domain}"


def _int(params: ConfigParams, key: str, default: int) -> int:
    text = params.get(key)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{key}={text!r} is not a number") from None
    return value or default


def _line(params: ConfigParams, index: int) -> LineConfig | None:
    reg = f"reg.{index}"
    address = params.get(f"{reg}.address")
    if not address:
        return None
    # A line's own server settings replace the global ones as a whole, not key by key.
    server = f"{reg}.server.1" if params.get(f"{reg}.server.1.address") else "voIpProt.server.1"
    host = params.get(f"{server}.address")
    user, _, domain = address.partition("@")
    domain = domain or host
    if not host and not domain:
        raise ConfigError(f"{reg}.address {address!r} names no server")
    transport = params.get(f"{server}.transport")
    if transport not in _UDP_TRANSPORTS:
        raise ConfigError(f"{server}.transport={transport!r}: this phone speaks SIP over UDP")
    return LineConfig(
        index=index,
        user=user,
        domain=domain,
        auth_user=params.get(f"{reg}.auth.userId") or user,
        password=params.get(f"{reg}.auth.password"),
        display_name=params.get(f"{reg}.displayName"),
        server_host=host or domain,
        server_port=_int(params, f"{server}.port", DEFAULT_SIP_PORT),
        expires=_int(params, f"{server}.expires", DEFAULT_EXPIRES),
        overlap=_int(params, f"{server}.expires.overlap", DEFAULT_OVERLAP),
    )


def configured_lines(params: ConfigParams, max_lines: int) -> tuple[LineConfig, ...]:
    """The registrations a phone with ``max_lines`` line keys would attempt, in order."""
    found = (_line(params, index) for index in range(1, max_lines + 1))
    return tuple(line for line in found if line is not None)


def always_reboots_on_check_sync(params: ConfigParams) -> bool:
    return params.get("voIpProt.SIP.specialEvent.checkSync.alwaysReboot") == "1"
