"""Hands each response that arrives to the client transaction it belongs to (RFC 3261
17.1.3: top Via branch, sent-by and CSeq method); anything else is dropped."""

from __future__ import annotations

from collections.abc import Callable

from autoprov.sip import Response, SIPError
from autoprov.sip.transaction import TransactionKey

ResponseHandler = Callable[[Response], None]


class ResponseRouter:
    def __init__(self) -> None:
        self._waiting: dict[TransactionKey, ResponseHandler] = {}

    def expect(self, key: TransactionKey, handler: ResponseHandler) -> None:
        self._waiting[key] = handler

    def forget(self, key: TransactionKey) -> None:
        self._waiting.pop(key, None)

    def route(self, response: Response) -> None:
        try:
            key = TransactionKey.for_response(response)
        except SIPError:
            return
        handler = self._waiting.get(key)
        if handler is not None:
            handler(response)
