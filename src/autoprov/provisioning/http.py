"""The HTTP door: a bare ASGI app that turns requests into resolver calls and answers into
responses. GET and HEAD read, PUT uploads. Files stream in chunks (with Range support), so
a firmware image is never held in memory. Errors are plain text, never HTML.

Every file carries an ETag (stored files a Last-Modified too), and a request that shows it
already holds the same bytes (If-None-Match, or If-Modified-Since alone) is answered 304.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from functools import lru_cache

import anyio.to_thread
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from autoprov.provisioning.answers import (
    Answer,
    Generated,
    Refusal,
    Refused,
    Stored,
    StoredFile,
    UploadSlot,
)
from autoprov.provisioning.credentials import HttpAuth, HttpCredentials
from autoprov.provisioning.request import Auth, Client, Door, FileRequest, Method
from autoprov.provisioning.resolver import Resolver

_METHODS = {"GET": Method.GET, "HEAD": Method.HEAD, "PUT": Method.PUT}
_VALIDATORS = frozenset({b"if-none-match", b"if-modified-since"})


class _Disconnected(Exception):
    pass


class _Authorization:
    """A request's Authorization header, checked when the resolver first asks
    (``CheckCredentials``): once at most, since a Digest nonce count is accepted only once.
    ``stale`` tells afterwards whether it answered an expired Digest nonce."""

    __slots__ = ("_checked", "_credentials", "_header", "_method", "_path")

    def __init__(self, credentials: HttpCredentials, header: str, method: str, path: str) -> None:
        self._credentials = credentials
        self._header = header
        self._method = method
        self._path = path
        self._checked: HttpAuth | None = None

    def __call__(self, user: str, password: str) -> Auth:
        if self._checked is None:
            self._checked = self._credentials.check(
                self._header, self._method, self._path, user, password
            )
        return self._checked.auth

    @property
    def stale(self) -> bool:
        return self._checked is not None and self._checked.stale


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
        check = (
            _Authorization(self._credentials, authorization, scope["method"], path)
            if authorization
            else None
        )
        client = scope.get("client")
        request = FileRequest(
            path=path,
            method=method,
            client=Client(client[0] if client else "", Door.HTTP, check or Auth.NONE, user_agent),
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
        elif isinstance(answer, Refused):
            await self._send_refusal(answer, check is not None and check.stale, send)
        else:
            await Response(status_code=204)(scope, receive, send)

    async def _send_refusal(self, answer: Refused, stale: bool, send: Send) -> None:
        headers, body = _refusal_parts(answer.refusal, answer.message)
        if answer.refusal is Refusal.UNAUTHORIZED:
            challenges = self._credentials.challenges(stale=stale)
            headers = (*headers, *((b"www-authenticate", c.encode("latin-1")) for c in challenges))
        await send(
            {"type": "http.response.start", "status": answer.refusal.value, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})


@lru_cache(maxsize=256)
def _refusal_parts(refusal: Refusal, message: str) -> tuple[tuple[tuple[bytes, bytes], ...], bytes]:
    """The headers and body of a plain-text refusal, built once: a booting fleet is refused the
    same few ways (most often 404 for the optional files) thousands of times."""
    body = (message + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("latin-1")),
    ]
    if refusal is Refusal.METHOD_NOT_ALLOWED:
        headers.append((b"allow", b"GET, HEAD, PUT"))
    elif refusal in {Refusal.TOO_MANY_REQUESTS, Refusal.UNAVAILABLE}:
        headers.append((b"retry-after", b"1"))
    return tuple(headers), body


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
