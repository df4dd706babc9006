"""REGISTER requests as a Polycom sends them (POLYCOM.md section 4, captured VVX 350):
uppercase hex tags and branches, a 32-hex-digit Call-ID, the phone's own address in Contact
with a ``methods`` parameter, ``Accept-Language: en``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from autoprov.simulate.lines import LineConfig
from autoprov.sip import MAGIC_COOKIE, NameAddr, Request, SipURI, Via, build_request

METHODS = "INVITE,ACK,BYE,CANCEL,OPTIONS,INFO,MESSAGE,SUBSCRIBE,NOTIFY,PRACK,UPDATE,REFER"


def polycom_branch() -> str:
    return MAGIC_COOKIE + secrets.token_hex(8).upper()


def polycom_tag() -> str:
    """``F87D2248-BCC05E87``."""
    return f"{secrets.token_hex(4)}-{secrets.token_hex(4)}".upper()


def polycom_call_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class RegisterDialog:
    """What stays the same across one boot's REGISTERs of a line: Call-ID, From tag, Contact."""

    line: LineConfig
    user_agent: str
    host: str
    """The phone's own address and UDP port, for Via and Contact."""
    port: int
    call_id: str
    from_tag: str

    @classmethod
    def new(cls, line: LineConfig, user_agent: str, host: str, port: int) -> RegisterDialog:
        return cls(line, user_agent, host, port, polycom_call_id(), polycom_tag())

    @property
    def contact_uri(self) -> SipURI:
        return SipURI("sip", self.line.user, None, self.host, self.port, (("transport", "udp"),))

    def is_mine(self, contact: NameAddr) -> bool:
        uri = contact.uri
        return (
            isinstance(uri, SipURI)
            and uri.user == self.line.user
            and uri.host == self.host
            and uri.port == self.port
        )

    def request(self, cseq: int, authorization: str | None = None) -> Request:
        line = self.line
        aor = SipURI("sip", line.user, None, line.domain, None)
        headers = [
            ("Contact", f'{NameAddr(None, self.contact_uri)};methods="{METHODS}"'),
            ("User-Agent", self.user_agent),
            ("Accept-Language", "en"),
        ]
        if authorization is not None:
            headers.append(("Authorization", authorization))
        headers.append(("Expires", str(line.expires)))
        return build_request(
            "REGISTER",
            SipURI("sip", None, None, line.domain, None, (("transport", "udp"),)),
            via=Via("SIP/2.0", "UDP", self.host, self.port, (("branch", polycom_branch()),)),
            from_=NameAddr(line.display_name or None, aor, (("tag", self.from_tag),)),
            to=NameAddr(None, aor),
            call_id=self.call_id,
            cseq=cseq,
            headers=headers,
        )
