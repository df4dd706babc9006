"""The HTTP door: a bare ASGI app that turns requests into resolver calls and answers into
responses. GET and HEAD read, PUT uploads. Files stream in chunks (with Range support), so
a firmware image is never held in memory. Errors are plain text, never HTML.

Every file carries an ETag (stored files a Last-Modified too), and a request that shows it
already holds the same bytes (If-None-Match, or If-Modified-Since alone) is answered 304.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

import anyio.to_thread
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
_VALIDATORS = frozenset({b"if-none-match", b"if-modified-since"})


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
        validators: dict[bytes, str] = {}
        for name, value in scope["headers"]:
            if name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"authorization":
                authorization = value.decode("latin-1")
            elif name in _VALIDATORS:
                validators[name] = value.decode("latin-1")
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
            await _send_generated(answer, validators, send)
        elif isinstance(answer, StoredFile):
            await (await _stored_file(answer, validators))(scope, receive, send)
        else:
            await self._response(answer, stale)(scope, receive, send)

    def _response(self, answer: Refused | Stored | UploadSlot, stale: bool) -> Response:
        match answer:
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


async def _send_generated(answer: Generated, validators: dict[bytes, str], send: Send) -> None:
    """The busiest answer (master and registration files), sent without a Response object."""
    etag = (b"etag", answer.etag.encode("latin-1"))
    if validators and _not_modified(validators, {"etag": answer.etag}):
        await send({"type": "http.response.start", "status": 304, "headers": [etag]})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode("latin-1")),
        etag,
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _stored_file(answer: StoredFile, validators: dict[bytes, str]) -> Response:
    """The file, or 304 when the client holds this version (the validators come from the
    file's status, read here so that they can be compared before anything is sent)."""
    found = await anyio.to_thread.run_sync(os.stat, answer.path)
    response = FileResponse(answer.path, media_type=answer.content_type, stat_result=found)
    if _not_modified(validators, response.headers):
        headers = {name: response.headers[name] for name in ("etag", "last-modified")}
        return Response(status_code=304, headers=headers)
    return response


def _not_modified(validators: dict[bytes, str], headers: Mapping[str, str]) -> bool:
    """Whether the client's copy is current, given the answer's ``etag`` (and, for a stored
    file, ``last-modified``). RFC 9110 13.2.2: If-None-Match, when sent, decides alone; its
    comparison is weak."""
    if_none_match = validators.get(b"if-none-match")
    if if_none_match is not None:
        offered = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in offered or headers["etag"].removeprefix("W/") in offered
    if_modified_since = validators.get(b"if-modified-since")
    last_modified = headers.get("last-modified")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # not a date: ignored, as RFC 9110 asks


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
