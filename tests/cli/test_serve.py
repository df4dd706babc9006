"""``autoprov serve`` as a user runs it: a real process, real sockets, real clients."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.helpers import free_port, require_tool

STARTUP_TIMEOUT = 60.0


@dataclass
class Served:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    stdout: list[str]
    stderr_path: Path

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def _collect(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))


def _wait_healthy(api_port: int, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"autoprov serve exited during start-up:\n{log.read_text()}"
        try:
            if httpx.get(f"http://127.0.0.1:{api_port}/api/v1/health", timeout=1).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the API never became healthy")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``autoprov serve`` for the tests below, in order (the last one stops it)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    ports = {name: free_port() for name in ("sip", "provision", "ftp", "tftp", "api")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOPROV_")} | {
        "AUTOPROV_DATA_DIR": str(tmp_path / "data"),
        "AUTOPROV_BIND": "127.0.0.1",
        "AUTOPROV_EXTERNAL_HOST": "127.0.0.1",
        "AUTOPROV_SIP_PORT": str(ports["sip"]),
        "AUTOPROV_PROVISION_PORT": str(ports["provision"]),
        "AUTOPROV_FTP_PORT": str(ports["ftp"]),
        "AUTOPROV_TFTP_PORT": str(ports["tftp"]),
        "AUTOPROV_API_PORT": str(ports["api"]),
        "AUTOPROV_PROVISION_USER": "prov",
        "AUTOPROV_PROVISION_PASSWORD": "prov-secret",
    }
    stderr_path = tmp_path / "serve.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "autoprov", "serve"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            text=True,
        )
    stdout: list[str] = []
    threading.Thread(target=_collect, args=(process.stdout, stdout), daemon=True).start()
    try:
        _wait_healthy(ports["api"], process, stderr_path)
        yield Served(process, ports, stdout, stderr_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _value(lines: list[str], label: str) -> str:
    for line in lines:
        if line.strip().startswith(label):
            return line.strip()[len(label) :].strip()
    raise AssertionError(f"no {label!r} line in {lines}")


def test_serve_prints_where_to_point_and_runs_every_service(served: Served) -> None:
    ports, out = served.ports, served.stdout
    boot_url = f"http://prov:prov-secret@127.0.0.1:{ports['provision']}/"
    assert _value(out, "DHCP option 66") == boot_url
    assert _value(out, "DHCP option 160").startswith(boot_url)
    assert _value(out, "or over FTP").startswith(
        f"ftp://PlcmSpIp:PlcmSpIp@127.0.0.1:{ports['ftp']}/"
    )
    assert _value(out, "SIP registrar").startswith(f"127.0.0.1:{ports['sip']} (UDP and TCP)")
    assert _value(out, "Admin UI and API") == f"http://127.0.0.1:{ports['api']}/"
    assert _value(out, "Admin user") == "admin"
    password_line = _value(out, "Admin password")
    assert "generated at first start" in password_line
    password = password_line.split()[0]
    assert _value(out, "Database").startswith("sqlite:///")
    assert _value(out, "Data directory").endswith("/data")

    # the API, with the printed admin password
    phones = httpx.get(
        f"http://127.0.0.1:{ports['api']}/api/v1/phones", auth=("admin", password), timeout=5
    )
    assert phones.status_code == 200, phones.text
    # the provisioning server: the master file
    master = httpx.get(f"http://127.0.0.1:{ports['provision']}/000000000000.cfg", timeout=5)
    assert master.status_code == 200
    assert "<APPLICATION" in master.text
    # the registrar: SIP OPTIONS over UDP, answered 200
    sipsak = require_tool("sipsak")
    options = subprocess.run(
        [sipsak, "-s", f"sip:127.0.0.1:{ports['sip']}", "-H", "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert options.returncode == 0, options.stdout + options.stderr


def test_a_service_that_dies_is_started_again(served: Served) -> None:
    found = re.search(r"service-started service=provisioner pid=(\d+)", served.log())
    assert found is not None, served.log()
    os.kill(int(found[1]), signal.SIGKILL)
    master_url = f"http://127.0.0.1:{served.ports['provision']}/000000000000.cfg"
    deadline = time.monotonic() + 30
    while "service-exited service=provisioner" not in served.log():
        assert time.monotonic() < deadline, served.log()
        time.sleep(0.1)
    while True:
        assert time.monotonic() < deadline, served.log()
        try:
            if httpx.get(master_url, timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    assert len(re.findall(r"service-started service=provisioner", served.log())) == 2


def test_sigterm_stops_every_service_and_exits_0(served: Served) -> None:
    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(20) == 0, served.log()
    assert time.monotonic() - started < 15
    assert "services-stopped" in served.log()
    assert "service-killed" not in served.log()
