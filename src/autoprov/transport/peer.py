"""Who sent a message and how to write back to it: the vocabulary the transports share."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from autoprov.sip import Request, Response, SIPError


class Peer(NamedTuple):
    transport: str
    """``"udp"``, ``"tcp"`` or ``"tls"``."""
    host: str
    port: int


class Channel(Protocol):
    """Where bytes for a peer go: the UDP socket, or the peer's TCP/TLS connection."""

    def send(self, data: bytes, peer: Peer) -> None: ...


class RequestHandler(Protocol):
    """The application behind the transports (the registrar). Called on the event loop for
    each new request (retransmissions are absorbed before); must not block. None = no answer."""

    def handle_request(
        self, request: Request, transport: str, host: str, port: int
    ) -> Response | None: ...


class Receiver(Protocol):
    """What the listeners hand messages to: the endpoint itself, or a router in front of
    endpoints in several processes."""

    def receive_datagram(self, data: bytes, peer: Peer, channel: Channel) -> None: ...

    def receive_message(
        self, message: Request | Response, peer: Peer, channel: Channel
    ) -> None: ...

    def reject(self, error: SIPError, peer: Peer, channel: Channel) -> None: ...
