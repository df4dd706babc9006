"""A small SIP test client over real sockets, with its own digest code (RFC 2617/7616), so
the registrar is checked against an implementation other than the one it uses."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass, field

CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')
STATUS_LINE = re.compile(rb"^SIP/2\.0 (\d{3}) ")


@dataclass
class Reply:
    raw: bytes

    @property
    def status(self) -> int:
        match = STATUS_LINE.match(self.raw)
        assert match, self.raw[:80]
        return int(match.group(1))

    def headers(self, name: str) -> list[str]:
        text = self.raw.decode("utf-8", "surrogateescape")
        head = text.split("\r\n\r\n", 1)[0]
        found = []
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                found.append(value.strip())
        return found

    def header(self, name: str) -> str | None:
        values = self.headers(name)
        return values[0] if values else None


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.queue.put_nowait(data)


def digest_authorization(
    challenge: str,
    *,
    username: str,
    password: str,
    method: str,
    uri: str,
    nc: int = 1,
) -> str:
    params = {
        m.group(1).lower(): m.group(2) or m.group(3) for m in CHALLENGE_PARAM.finditer(challenge)
    }
    algorithm = params.get("algorithm", "MD5")
    hash_name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]

    def h(text: str) -> str:
        return hashlib.new(hash_name, text.encode()).hexdigest()

    realm, nonce = params["realm"], params["nonce"]
    ha1 = h(f"{username}:{realm}:{password}")
    ha2 = h(f"{method}:{uri}")
    cnonce = secrets.token_hex(8)
    nc_text = f"{nc:08x}"
    if "qop" in params:
        response = h(f"{ha1}:{nonce}:{nc_text}:{cnonce}:auth:{ha2}")
        qop = f', qop=auth, nc={nc_text}, cnonce="{cnonce}"'
    else:
        response = h(f"{ha1}:{nonce}:{ha2}")
        qop = ""
    return (
        f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", algorithm={algorithm}{qop}'
    )


@dataclass
class SipClient:
    """One UDP socket; builds REGISTERs for one user and sends them to the registrar."""

    server: tuple[str, int]
    domain: str
    transport: asyncio.DatagramTransport
    receiver: _Receiver
    call_id: str = field(default_factory=lambda: secrets.token_hex(8))
    cseq: int = 0

    @classmethod
    async def open(cls, server: tuple[str, int], domain: str) -> SipClient:
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(
            _Receiver, local_addr=("127.0.0.1", 0)
        )
        return cls(server, domain, transport, receiver)

    @property
    def local_port(self) -> int:
        port: int = self.transport.get_extra_info("sockname")[1]
        return port

    def close(self) -> None:
        self.transport.close()

    def register_bytes(
        self,
        user: str,
        *,
        contact: str | None = None,
        expires: int | None = 3600,
        headers: tuple[str, ...] = (),
        to_user: str | None = None,
        display_name: str | None = None,
        branch: str | None = None,
        cseq: int | None = None,
        method: str = "REGISTER",
    ) -> bytes:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        branch = branch or "z9hG4bK" + secrets.token_hex(8)
        contact = contact if contact is not None else f"<sip:{user}@127.0.0.1:{self.local_port}>"
        display = f'"{display_name}" ' if display_name else ""
        lines = [
            f"{method} sip:{self.domain} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.local_port};branch={branch};rport",
            "Max-Forwards: 70",
            f"From: {display}<sip:{user}@{self.domain}>;tag={secrets.token_hex(4)}",
            f"To: <sip:{to_user or user}@{self.domain}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {cseq} {method}",
        ]
        if contact:
            lines.append(f"Contact: {contact}")
        if expires is not None:
            lines.append(f"Expires: {expires}")
        lines += [*headers, "User-Agent: autoprov-tests", "Content-Length: 0", "", ""]
        return "\r\n".join(lines).encode()

    async def send(self, data: bytes, wait: float = 5.0) -> Reply:
        self.transport.sendto(data, self.server)
        return await self.receive(wait)

    async def receive(self, wait: float = 5.0) -> Reply:
        return Reply(await asyncio.wait_for(self.receiver.queue.get(), wait))

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.receiver.queue.get(), seconds)
        except TimeoutError:
            return True
        return False

    async def register(
        self,
        user: str,
        password: str,
        *,
        algorithm: str = "MD5",
        auth_user: str | None = None,
        **options: object,
    ) -> Reply:
        """REGISTER, answer the challenge (the one with ``algorithm``), return the answer."""
        first = await self.send(self.register_bytes(user, **options))  # type: ignore[arg-type]
        if first.status != 401:
            return first
        challenge = next(c for c in first.headers("WWW-Authenticate") if algorithm in c)
        authorization = digest_authorization(
            challenge,
            username=auth_user or user,
            password=password,
            method="REGISTER",
            uri=f"sip:{self.domain}",
        )
        headers = (*options.pop("headers", ()), f"Authorization: {authorization}")  # type: ignore[misc]
        return await self.send(self.register_bytes(user, headers=headers, **options))  # type: ignore[arg-type]
