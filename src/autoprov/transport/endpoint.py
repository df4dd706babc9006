"""The transaction user's door: messages from any transport in, answers out.

A request first meets its server transaction: a retransmission gets the stored answer again
and never reaches the application twice. A new request goes to the application (the
registrar), whose answer is sent and kept for retransmissions. A request that cannot be
parsed is answered with its error's status when its headers could be read, and otherwise
dropped, like any unreadable response (RFC 3261 8.2, 16.3). This server sends no requests,
so a response that arrives answers nothing of ours and is dropped (RFC 3261 18.1.2).
"""

from __future__ import annotations

import logging

from autoprov.logs import quote
from autoprov.sip import (
    Request,
    Response,
    SIPError,
    make_error_response,
    make_response,
    new_tag,
    parse_message,
    serialize,
)
from autoprov.transport.peer import Channel, Peer, RequestHandler
from autoprov.transport.transactions import ServerTransactions, transaction_key

log = logging.getLogger("autoprov.transport")


class SipEndpoint:
    def __init__(self, handler: RequestHandler) -> None:
        self._handler = handler
        self.server_transactions = ServerTransactions()
        self.bad_messages = 0
        self._tag = new_tag()

    def receive_datagram(self, data: bytes, peer: Peer, channel: Channel) -> None:
        try:
            message = parse_message(data)
        except SIPError as error:
            self.reject(error, peer, channel)
            return
        self.receive_message(message, peer, channel)

    def receive_message(self, message: Request | Response, peer: Peer, channel: Channel) -> None:
        if isinstance(message, Response):
            log.debug("stray-response ip=%s status=%d", peer.host, message.status_code)
            return
        if message.method == "ACK":
            return  # ACKs only end INVITE transactions, and this server answers no INVITE
        transactions = self.server_transactions
        try:
            message.validate()
            key = transaction_key(message)
            if transactions.retransmit(key, channel, peer):
                return
            response = self._handler.handle_request(message, peer.transport, peer.host, peer.port)
        except SIPError as error:
            error.request_headers = message.headers
            self.reject(error, peer, channel)
            return
        except Exception:
            log.exception("request-failed ip=%s method=%s", peer.host, quote(message.method))
            response = make_response(message, 500, to_tag=self._tag, source=(peer.host, peer.port))
        if response is None:
            return
        data = serialize(response)
        channel.send(data, peer)
        transactions.answered(key, peer, data)

    def reject(self, error: SIPError, peer: Peer, channel: Channel) -> None:
        self.bad_messages += 1
        headers = error.request_headers
        # without a Via there is nowhere to send an answer (RFC 3261 18.2.2): drop it
        response = (
            make_error_response(error, to_tag=self._tag, source=(peer.host, peer.port))
            if headers is not None and "Via" in headers
            else None
        )
        if response is None:
            log.debug("bad-message-dropped ip=%s error=%s", peer.host, quote(error.detail[:200]))
            return
        log.info(
            "bad-message ip=%s status=%d error=%s",
            peer.host,
            error.status_code,
            quote(error.detail[:200]),
        )
        channel.send(serialize(response), peer)

    def close(self) -> None:
        self.server_transactions.clear()
