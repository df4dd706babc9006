"""Uploads: what is accepted, where it is kept, and what comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoprov.config import Settings
from autoprov.provisioning.answers import Answer, Refusal, Stored, StoredFile, UploadSlot
from autoprov.provisioning.request import Auth, FileRequest, Method
from autoprov.provisioning.resolver import Resolver
from tests.provisioning.clients import ftp, http, tftp
from tests.provisioning.conftest import Refusals
from tests.provisioning.expect import refusal
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

MAC = "0004f2aabbcc"
OVERRIDES = (
    b'<?xml version="1.0" encoding="UTF-8"?><PHONE_CONFIG><OVERRIDES up.x="1"/></PHONE_CONFIG>'
)


async def upload(resolver: Resolver, request: FileRequest, data: bytes) -> Answer | Stored:
    answer = await resolver.resolve(request)
    if not isinstance(answer, UploadSlot):
        return answer
    return await resolver.store(request, answer, data)


async def test_logs_are_appended_without_credentials(
    resolver: Resolver, settings: Settings
) -> None:
    assert await upload(resolver, http(f"/{MAC}-boot.log", Method.PUT), b"one\n") == Stored()
    logs = f"/logs/{MAC}-boot.log"
    assert await upload(resolver, http(logs, Method.PUT), b"two\n") == Stored()
    assert await upload(resolver, ftp(logs, Method.PUT), b"three\n") == Stored()
    stored = settings.data_dir / "uploads" / MAC / f"{MAC}-boot.log"
    assert stored.read_bytes() == b"one\ntwo\nthree\n"


async def test_logs_rotate_at_their_cap(
    resolver: Resolver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("autoprov.provisioning.uploads.LOG_CAP", 10)
    for chunk in [b"aaaa", b"bbbb", b"cccc"]:
        assert await upload(resolver, http(f"/{MAC}-app.log", Method.PUT), chunk) == Stored()
    stored = settings.data_dir / "uploads" / MAC / f"{MAC}-app.log"
    assert stored.read_bytes() == b"cccc"
    assert stored.with_name(stored.name + ".1").read_bytes() == b"aaaabbbb"


async def test_logs_are_read_back_with_credentials_only(resolver: Resolver) -> None:
    await upload(resolver, http(f"/{MAC}-app.log", Method.PUT), b"log")
    head = http(f"/{MAC}-app.log", Method.HEAD)
    assert refusal(await resolver.resolve(head)) is Refusal.UNAUTHORIZED
    answer = await resolver.resolve(http(f"/logs/{MAC}-app.log", auth=Auth.VALID))
    assert isinstance(answer, StoredFile)
    with answer.open() as stored:
        assert stored.read() == b"log"


async def test_overrides_need_credentials_and_come_back(
    resolver: Resolver, refusals: Refusals
) -> None:
    path = f"/overrides/{MAC}-phone.cfg"
    unauthenticated = await upload(resolver, http(path, Method.PUT), OVERRIDES)
    assert refusal(unauthenticated) is Refusal.UNAUTHORIZED
    assert refusals() == []
    stored = await upload(resolver, http(path, Method.PUT, auth=Auth.VALID), OVERRIDES)
    assert stored == Stored()
    for read in [path, f"/{MAC}-phone.cfg"]:
        answer = await resolver.resolve(http(read, auth=Auth.VALID))
        assert isinstance(answer, StoredFile)
        with answer.open() as stored_file:
            assert stored_file.read() == OVERRIDES
    web = await resolver.resolve(http(f"/{MAC}-web.cfg", auth=Auth.VALID))
    assert refusal(web) is Refusal.NOT_FOUND


@pytest.mark.parametrize(
    ("data", "expected", "reason"),
    [
        pytest.param(b"<PHONE_CONFIG>", Refusal.BAD_REQUEST, "malformed-xml", id="unclosed"),
        pytest.param(
            b'<!DOCTYPE x [<!ENTITY a "b">]><PHONE_CONFIG a="&a;"/>',
            Refusal.BAD_REQUEST,
            "malformed-xml",
            id="entity",
        ),
        pytest.param(
            b"<a>" + b"x" * (256 * 1024) + b"</a>",
            Refusal.PAYLOAD_TOO_LARGE,
            "too-large",
            id="too-large",
        ),
    ],
)
async def test_bad_overrides_are_refused(
    resolver: Resolver,
    settings: Settings,
    refusals: Refusals,
    data: bytes,
    expected: Refusal,
    reason: str,
) -> None:
    request = http(f"/{MAC}-web.cfg", Method.PUT, auth=Auth.VALID)
    assert refusal(await upload(resolver, request, data)) is expected
    assert f"reason={reason}" in refusals()[0]
    assert not (settings.data_dir / "uploads" / MAC / f"{MAC}-web.cfg").exists()


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (tftp(f"{MAC}-boot.log", Method.PUT), "read-only"),
        (http("/000000000000.cfg", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http(f"/{MAC}.cfg", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http(f"/{MAC}-profile.cfg", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http(f"/{MAC}-license.cfg", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http("/sip.ld", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http("/000000000000-directory.xml", Method.PUT, auth=Auth.VALID), "not-uploadable"),
        (http("/001122334455-boot.log", Method.PUT), "not-polycom-mac"),
        (http(f"/{MAC}-boot.log", Method.PUT, agent="curl/8.5.0"), "not-polycom-agent"),
    ],
    ids=lambda value: value.path if isinstance(value, FileRequest) else value,
)
async def test_uploads_refused(
    resolver: Resolver, refusals: Refusals, request_: FileRequest, reason: str
) -> None:
    answer = await resolver.resolve(request_)
    assert refusal(answer) is Refusal.FORBIDDEN
    assert f"reason={reason}" in refusals()[0]


async def test_contacts_and_call_lists(resolver: Resolver) -> None:
    for name in [f"{MAC}-directory.xml", f"{MAC}-calls.xml"]:
        request = http(f"/contacts/{name}", Method.PUT, auth=Auth.VALID)
        assert await upload(resolver, request, b"<list/>") == Stored()
        answer = await resolver.resolve(http(f"/{name}", auth=Auth.VALID))
        assert isinstance(answer, StoredFile)


async def test_a_stored_copy_leading_outside_the_tree_is_not_found(
    resolver: Resolver, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.cfg"
    outside.write_bytes(OVERRIDES)
    directory = settings.data_dir / "uploads" / MAC
    directory.mkdir(parents=True)
    (directory / f"{MAC}-phone.cfg").symlink_to(outside)
    (directory / f"{MAC}-web.cfg").mkdir()
    for name in (f"{MAC}-phone.cfg", f"{MAC}-web.cfg", f"{MAC}-directory.xml"):
        answer = await resolver.resolve(http(f"/{name}", auth=Auth.VALID))
        assert refusal(answer) is Refusal.NOT_FOUND, name
