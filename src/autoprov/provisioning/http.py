"""The HTTP door: a bare ASGI app that turns requests into resolver calls and answers into
responses. GET and HEAD read, PUT uploads. Files stream in chunks (with Range support), so
a firmware image is never held in memory. Errors are plain text, never HTML."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from autoprov.logs import quote
from autoprov.provisioning.answers import (
    Answer,
    Generated,
    Refusal,
    Refused,
    Stored,
    StoredFile,
    UploadSlot,
)
from autoprov.provisioning.credentials import HttpCredentials
from autoprov.provisioning.request import Auth, Client, Door, FileRequest, Method
from autoprov.provisioning.resolver import UNAVAILABLE, Resolver

log = logging.getLogger("autoprov.provisioning")

_METHODS = {"GET": Method.GET, "HEAD": Method.HEAD, "PUT": Method.PUT}
_ALLOW = {"Allow": "GET, HEAD, PUT"}
_RETRY = {"Retry-After": "1"}


class _Disconnected(Exception):
    pass


class ProvisioningApp:
    def __init__(self, resolver: Resolver, credentials: HttpCredentials) -> None:
        self._resolver = resolver
        self._credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        user_agent = authorization = None
        for name, value in scope["headers"]:
            if name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"authorization":
                authorization = value.decode("latin-1")
        method = _METHODS.get(scope["method"], Method.OTHER)
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        auth, stale = Auth.NONE, False
        if authorization:
            try:
                user, password = await self._resolver.credentials()
            except SQLAlchemyError:
                log.exception("database-error path=%s", quote(path[:200]))
                await self._response(UNAVAILABLE, stale)(scope, receive, send)
                return
            checked = self._credentials.check(authorization, scope["method"], path, user, password)
            auth, stale = checked.auth, checked.stale
        client = scope.get("client")
        request = FileRequest(
            path=path,
            method=method,
            client=Client(client[0] if client else "", Door.HTTP, auth, user_agent),
        )
        answer: Answer | Stored = await self._resolver.resolve(request)
        if isinstance(answer, UploadSlot):
            try:
                body = await _read_body(receive, answer.max_bytes + 1)
            except _Disconnected:
                return
            answer = await self._resolver.store(request, answer, body)
        if isinstance(answer, Generated):
            await _send_generated(answer, send)
        else:
            await self._response(answer, stale)(scope, receive, send)

    def _response(self, answer: Answer | Stored, stale: bool) -> Response:
        match answer:
            case StoredFile():
                return FileResponse(answer.path, media_type=answer.content_type)
            case Stored():
                return Response(status_code=204)
            case Refused(refusal, message):
                return self._refusal(refusal, message, stale)
        raise TypeError(f"no response for {answer!r}")

    def _refusal(self, refusal: Refusal, message: str, stale: bool) -> Response:
        headers = {}
        if refusal is Refusal.METHOD_NOT_ALLOWED:
            headers = _ALLOW
        elif refusal in {Refusal.TOO_MANY_REQUESTS, Refusal.UNAVAILABLE}:
            headers = _RETRY
        response = PlainTextResponse(message + "\n", refusal.value, headers)
        if refusal is Refusal.UNAUTHORIZED:
            for value in self._credentials.challenges(stale=stale):
                response.raw_headers.append((b"www-authenticate", value.encode("latin-1")))
        return response


async def _send_generated(answer: Generated, send: Send) -> None:
    """The busiest answer (master and registration files), sent without a Response object."""
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode("latin-1")),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The request body, or its first ``limit`` bytes if it is longer."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        chunks.append(chunk[: limit - size])
        size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
