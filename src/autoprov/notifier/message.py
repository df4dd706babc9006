"""The check-sync NOTIFY (POLYCOM.md section 4): no subscription, an empty body, and
``Event: check-sync``, which a Polycom answers with 200 before it re-reads its configuration
(and reboots, with ``voIpProt.SIP.specialEvent.checkSync.alwaysReboot="1"``)."""

from __future__ import annotations

from autoprov.notifier.targets import Target
from autoprov.sip import (
    NameAddr,
    Request,
    SipURI,
    Via,
    build_request,
    new_branch,
    new_call_id,
    new_tag,
    parse_uri,
)

SENDER_USER = "autoprov"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def check_sync(target: Target, *, domain: str, local_host: str, local_port: int) -> Request:
    """A NOTIFY for ``target``, sent from ``local_host:local_port`` (where answers come back)."""
    uri = parse_uri(target.uri)
    local = _host(local_host)
    return build_request(
        "NOTIFY",
        uri,
        via=Via(
            "SIP/2.0",
            target.transport.upper(),
            local,
            local_port,
            (("branch", new_branch()), ("rport", None)),
        ),
        from_=NameAddr(
            None, SipURI("sip", SENDER_USER, None, _host(domain), None), (("tag", new_tag()),)
        ),
        to=NameAddr(None, uri),
        call_id=new_call_id(local),
        cseq=1,
        headers=(
            ("Contact", f"<sip:{SENDER_USER}@{local}:{local_port}>"),
            ("Event", "check-sync"),
        ),
    )
