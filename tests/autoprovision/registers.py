"""REGISTER requests and the bindings a registrar makes of them, as a phone would send them."""

from __future__ import annotations

import time

from autoprov.config import AUTOPROVISION_USER
from autoprov.registrar.location import Binding
from autoprov.sip import Request, parse_message

VVX_410 = "PolycomVVX-VVX_410-UA/5.9.5.0614"


def register(
    display_name: str | None,
    user_agent: str | None = VVX_410,
    contact: str = "sip:~~id~autoprovision@192.0.2.10:5060",
    aor: str = AUTOPROVISION_USER,
) -> tuple[Request, Binding]:
    display = "" if display_name is None else f'"{display_name}" '
    lines = [
        "REGISTER sip:192.0.2.1 SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK0001",
        f"From: {display}<sip:{aor}@192.0.2.1>;tag=1",
        f"To: <sip:{aor}@192.0.2.1>",
        "Call-ID: c1@192.0.2.10",
        "CSeq: 2 REGISTER",
        f"Contact: <{contact}>",
        "Expires: 3600",
    ]
    if user_agent is not None:
        lines.append(f"User-Agent: {user_agent}")
    request = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(request, Request)
    now = time.time()
    binding = Binding(
        aor=aor,
        contact=contact,
        expires_at=now + 3600,
        call_id="c1@192.0.2.10",
        cseq=2,
        q=None,
        instance=None,
        source_host="198.51.100.7",
        source_port=5060,
        transport="udp",
        user_agent=user_agent or "",
        display_name=display_name or "",
        updated_at=now,
    )
    return request, binding
