"""Sample messages shared by the SIP core tests."""

from __future__ import annotations

REGISTER = (
    b"REGISTER sip:pbx.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.168.1.57:5060;branch=z9hG4bK4d5f1e8a;rport\r\n"
    b'From: "DJ7K3M-0004f2aabbcc" <sip:~~id~autoprovision@pbx.example.com>;tag=9C5E4B2A\r\n'
    b"To: <sip:~~id~autoprovision@pbx.example.com>\r\n"
    b"CSeq: 2 REGISTER\r\n"
    b"Call-ID: 6f3a1b2c-8e4d5f60@192.168.1.57\r\n"
    b"Contact: <sip:~~id~autoprovision@192.168.1.57;transport=udp>"
    b';methods="INVITE, ACK, BYE";+sip.instance="<urn:uuid:0004f2aa-bbcc>"\r\n'
    b"User-Agent: PolycomVVX-VVX_410-UA/5.9.5.0614\r\n"
    b'Authorization: Digest username="~~id~autoprovision", realm="pbx.example.com", '
    b'nonce="abc", qop=auth, cnonce="xyz", nc=00000001, uri="sip:pbx.example.com", '
    b'response="6629fae49393a05397450978507c4ef1", algorithm=MD5\r\n'
    b"Max-Forwards: 70\r\n"
    b"Supported: path, gruu\r\n"
    b"Expires: 3600\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)

OK = (
    b"SIP/2.0 200 OK\r\n"
    b"Via: SIP/2.0/UDP 192.168.1.57:5060;branch=z9hG4bK4d5f1e8a;rport=5060\r\n"
    b"From: <sip:1001@pbx.example.com>;tag=9C5E4B2A\r\n"
    b"To: <sip:1001@pbx.example.com>;tag=srv1\r\n"
    b"Call-ID: 6f3a1b2c-8e4d5f60@192.168.1.57\r\n"
    b"CSeq: 2 REGISTER\r\n"
    b"Contact: <sip:1001@192.168.1.57>;expires=3600\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


def with_header(message: bytes, line: bytes) -> bytes:
    """The message with one more header line just before the empty line."""
    head, _, body = message.partition(b"\r\n\r\n")
    return head + b"\r\n" + line + b"\r\n\r\n" + body


def without_header(message: bytes, name: bytes) -> bytes:
    head, _, body = message.partition(b"\r\n\r\n")
    lines = [
        line for line in head.split(b"\r\n") if not line.lower().startswith(name.lower() + b":")
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
