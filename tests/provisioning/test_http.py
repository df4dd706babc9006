"""The HTTP door over real sockets, with httpx and curl."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets
from autoprov.provisioning.credentials import HttpAuth, HttpCredentials
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.store import Store
from autoprov.provisioning.webserver import http_server
from tests.helpers import require_tool
from tests.polycom.xmlfile import parameters
from tests.provisioning.clients import APP_AGENT
from tests.provisioning.conftest import Refusals
from tests.provisioning.inventory import add_phone, assign
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

MAC = "0004f2aabbcc"
AGENT = {"User-Agent": APP_AGENT}


async def serve(settings: Settings, resolver: Resolver) -> AsyncIterator[str]:
    server = http_server(settings, resolver, secrets.token_bytes(32))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the HTTP door did not start"
        await asyncio.sleep(0.01)
    scheme = "https" if settings.tls_cert else "http"
    try:
        yield f"{scheme}://127.0.0.1:{settings.provision_port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def base_url(settings: Settings, resolver: Resolver) -> AsyncIterator[str]:
    async for url in serve(settings, resolver):
        yield url


async def curl(*args: str) -> tuple[int, dict[str, str], bytes]:
    """Run curl; (status, lower-cased response headers, body)."""
    process = await asyncio.create_subprocess_exec(
        require_tool("curl"),
        "--silent",
        "--show-error",
        "--include",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    # with --digest curl prints the 401 it answered first: keep the last response
    head, _, body = out.rpartition(b"\r\n\r\nHTTP/")[2].partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


async def test_master_file(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, headers=AGENT) as client:
        response = await client.get("/000000000000.cfg")
        head = await client.head("/000000000000.cfg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert "[PHONE_MAC_ADDRESS]-registration.cfg" in parameters(response.content)["CONFIG_FILES"]
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(response.content))


async def test_a_current_copy_is_answered_304(base_url: str, engine: Engine) -> None:
    add_phone(engine, MAC, users=("1001",))
    url, auth = f"/{MAC}-profile.cfg", ("prov", "prov-secret")
    async with httpx.AsyncClient(base_url=base_url, headers=AGENT, auth=auth) as client:
        first = await client.get(url)
        etag = first.headers["etag"]
        again = await client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
        other = await client.get(url, headers={"If-None-Match": '"other"'})
        assign(engine, MAC, "1002")
        changed = await client.get(url, headers={"If-None-Match": etag})
        master = await client.get("/000000000000.cfg")
        master_again = await client.head("/000000000000.cfg", headers={"If-None-Match": "*"})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert (other.status_code, other.content) == (200, first.content)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "reg.2.auth.password" in parameters(changed.content)
    assert master.headers["etag"] != etag and master_again.status_code == 304


async def test_a_current_stored_file_is_answered_304(base_url: str, settings: Settings) -> None:
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    (firmware / "sip.ld").write_bytes(b"image")
    async with httpx.AsyncClient(base_url=base_url, headers=AGENT) as client:
        first = await client.get("/sip.ld")
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        by_tag = await client.get("/sip.ld", headers={"If-None-Match": etag})
        by_date = await client.get("/sip.ld", headers={"If-Modified-Since": modified})
        old_date = await client.get(
            "/sip.ld", headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"}
        )
        # If-None-Match decides alone when both are sent
        other_tag = await client.get(
            "/sip.ld", headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
        )
        not_a_date = await client.get("/sip.ld", headers={"If-Modified-Since": "yesterday"})
    assert (by_tag.status_code, by_tag.content, by_tag.headers["etag"]) == (304, b"", etag)
    assert by_date.status_code == 304 and by_date.headers["last-modified"] == modified
    assert [r.status_code for r in (old_date, other_tag, not_a_date)] == [200, 200, 200]
    assert old_date.content == b"image"


async def test_registration_file_with_curl(base_url: str, secrets: Secrets) -> None:
    url = f"{base_url}/autoprov/{MAC}-registration.cfg"
    status, _, body = await curl("-A", APP_AGENT, url)
    assert status == 200
    found = parameters(body)
    assert found["reg.1.auth.password"] == secrets.autoprovision_password
    assert found["reg.1.displayName"].endswith(f"-{MAC}")


async def test_refusals_are_plain_text(base_url: str, refusals: Refusals) -> None:
    status, headers, body = await curl(f"{base_url}/autoprov/{MAC}-registration.cfg")
    assert status == 403
    assert headers["content-type"].startswith("text/plain")
    assert body == b"not a Polycom phone\n"
    unknown = "FileTransport PolycomVVX-VVX_9999-UA/6.0.0.1 Type/Application"
    status, _, body = await curl("-A", unknown, f"{base_url}/autoprov/{MAC}-registration.cfg")
    assert (status, body) == (403, b"unknown Polycom model VVX_9999\n")
    first, second = refusals()
    assert "reason=not-polycom-agent" in first
    assert "reason=unknown-model" in second


async def test_the_address_is_the_connections(base_url: str, refusals: Refusals) -> None:
    forwarded = "X-Forwarded-For: 198.51.100.7"
    status, _, _ = await curl("--path-as-is", "-H", forwarded, f"{base_url}/../secret.txt")
    assert status == 404
    (line,) = refusals()
    assert line.startswith("refused ip=127.0.0.1 ")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "/secret.txt%00.cfg",
        "//etc/passwd",
        "/../firmware-old/secret.txt",
    ],
)
async def test_traversal_with_curl(
    base_url: str, settings: Settings, refusals: Refusals, path: str
) -> None:
    (settings.data_dir / "firmware" / "sub").mkdir(parents=True)
    (settings.data_dir / "firmware-old").mkdir()
    for secret in [settings.data_dir / "secret.txt", settings.data_dir / "firmware-old/secret.txt"]:
        secret.write_text("secret")
    status, _, body = await curl("--path-as-is", f"{base_url}{path}")
    assert (status, body) == (404, b"not found\n")
    (line,) = refusals()
    assert line.startswith(f'refused ip=127.0.0.1 path="{path}" reason=')


async def test_profile_credentials(
    base_url: str, settings: Settings, engine: Engine, refusals: Refusals
) -> None:
    add_phone(engine, MAC, users=("1001",))
    url = f"{base_url}/{MAC}-profile.cfg"
    status, _, _ = await curl(url)
    assert status == 401
    assert refusals() == []
    status, _, body = await curl("--digest", "-u", "prov:prov-secret", url)
    assert status == 200 and parameters(body)["reg.1.auth.password"] == "1001-pw"
    status, _, body = await curl("--basic", "-u", "prov:prov-secret", url)
    assert status == 200 and parameters(body)["reg.1.auth.userId"] == "1001"
    status, _, _ = await curl("--anyauth", "-u", "prov:prov-secret", url)
    assert status == 200
    for scheme in ("--digest", "--basic"):
        status, _, body = await curl(scheme, "-u", "prov:wrong", url)
        assert status == 401 and b"password" not in body.replace(b"credentials", b"")
    assert [line.split(" reason=")[1] for line in refusals()] == ["bad-credentials door=http"] * 2
    async with httpx.AsyncClient() as client:
        challenge = await client.get(url)
        challenges = challenge.headers.get_list("www-authenticate")
        assert [value.split()[0] for value in challenges] == ["Digest", "Basic"]
        assert 'realm="autoprov"' in challenges[0] and 'qop="auth"' in challenges[0]
        digest = httpx.DigestAuth("prov", "prov-secret")
        assert (await client.get(url, auth=digest)).status_code == 200
        # a Digest answer is bound to its path: replayed for another file it is refused
        replayed = await client.get(url, auth=digest)
        other = await client.get(
            f"{base_url}/site.cfg",
            headers={"Authorization": replayed.request.headers["authorization"]},
        )
        assert other.status_code == 200  # site.cfg needs no credentials: ignored
        stolen = await client.get(
            f"{base_url}/{MAC}-phone.cfg",
            headers={"Authorization": replayed.request.headers["authorization"]},
        )
        assert stolen.status_code == 401


async def test_credentials_are_checked_only_for_files_that_need_them(
    base_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_phone(engine, MAC, users=("1001",))
    checked: list[str] = []
    check = HttpCredentials.check

    def counted(
        self: HttpCredentials, authorization: str | None, method: str, path: str, *login: str
    ) -> HttpAuth:
        checked.append(path)
        return check(self, authorization, method, path, *login)

    monkeypatch.setattr(HttpCredentials, "check", counted)
    auth = httpx.BasicAuth("prov", "prov-secret")
    async with httpx.AsyncClient(base_url=base_url, headers=AGENT, auth=auth) as client:
        assert (await client.get("/site.cfg")).status_code == 200
        assert (await client.get(f"/{MAC}.cfg")).status_code == 200
        assert (await client.get(f"/{MAC}-phone.cfg")).status_code == 404
        assert (await client.get(f"/{MAC}-profile.cfg")).status_code == 200
    assert checked == [f"/{MAC}-phone.cfg", f"/{MAC}-profile.cfg"]


async def test_uploads_with_curl(
    base_url: str, settings: Settings, tmp_path: Path, refusals: Refusals
) -> None:
    log = tmp_path / "boot.log"
    log.write_bytes(b"0101000000|cfg |4|00|Prov|Starting\n")
    status, _, _ = await curl("-A", APP_AGENT, "-T", str(log), f"{base_url}/{MAC}-boot.log")
    assert status == 204
    stored = settings.data_dir / "uploads" / MAC / f"{MAC}-boot.log"
    assert stored.read_bytes() == log.read_bytes()
    overrides = tmp_path / "phone.cfg"
    overrides.write_bytes(
        b'<PHONE_CONFIG><OVERRIDES up.backlight.idleIntensity="1"/></PHONE_CONFIG>'
    )
    url = f"{base_url}/overrides/{MAC}-phone.cfg"
    status, _, _ = await curl("-A", APP_AGENT, "-T", str(overrides), url)
    assert status == 401
    creds = ("--digest", "-u", "prov:prov-secret")
    status, _, _ = await curl("-A", APP_AGENT, *creds, "-T", str(overrides), url)
    assert status == 204
    status, _, body = await curl(*creds, f"{base_url}/{MAC}-phone.cfg")
    assert (status, body) == (200, overrides.read_bytes())
    overrides.write_bytes(b"<PHONE_CONFIG>")
    status, _, body = await curl("-A", APP_AGENT, *creds, "-T", str(overrides), url)
    assert (status, body) == (400, b"not well-formed\n")
    assert "reason=malformed-xml" in refusals()[-1]


async def test_oversized_upload(base_url: str, tmp_path: Path, refusals: Refusals) -> None:
    big = tmp_path / "app.log"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    status, _, body = await curl("-A", APP_AGENT, "-T", str(big), f"{base_url}/{MAC}-app.log")
    assert (status, body) == (413, b"too large\n")
    assert "reason=too-large" in refusals()[0]


async def test_other_methods(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/000000000000.cfg", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, PUT"


async def test_firmware_streams_with_ranges(base_url: str, settings: Settings) -> None:
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    image = bytes(range(256)) * 8192  # 2 MiB
    (firmware / "3111-44500-001.sip.ld").write_bytes(image)
    url = f"{base_url}/3111-44500-001.3111-44500-001.sip.ld"
    async with httpx.AsyncClient() as client, client.stream("GET", url, headers=AGENT) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(len(image))
        digest = hashlib.sha256()
        async for chunk in response.aiter_bytes():
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(image).hexdigest()
    status, headers, body = await curl("-r", "100-199", url)
    assert (status, body) == (206, image[100:200])
    assert headers["content-range"] == f"bytes 100-199/{len(image)}"


async def test_rate_limited(
    settings: Settings, engine: Engine, secrets: Secrets, refusals: Refusals
) -> None:
    limited = settings.model_copy(update={"provision_rate_per_minute": 3})
    async for url in serve(limited, Resolver(limited, Store(engine, limited))):
        async with httpx.AsyncClient(base_url=url) as client:
            statuses = [(await client.get("/site.cfg")).status_code for _ in range(5)]
            last = await client.get("/site.cfg")
    assert statuses == [200, 200, 200, 429, 429]
    assert last.headers["retry-after"] == "1"
    assert len(refusals()) == 1


async def test_https(settings: Settings, engine: Engine, secrets: Secrets, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    process = await asyncio.create_subprocess_exec(
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert await process.wait() == 0
    tls = settings.model_copy(update={"tls_cert": cert, "tls_key": key})
    async for url in serve(tls, Resolver(tls, Store(engine, tls))):
        status, _, body = await curl("--cacert", str(cert), f"{url}/000000000000.cfg")
    assert status == 200
    assert parameters(body)["CONFIG_FILES"].startswith(f"{url}/autoprov/")
