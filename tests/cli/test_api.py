"""``autoprov api`` as an administrator runs it: a process of its own, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from autoprov.config import Settings

START_TIMEOUT = 30.0


# Signal handling does not depend on the database: SQLite only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serves_until_sigterm_then_exits_cleanly(environment: Settings) -> None:
    env = {
        **os.environ,
        "AUTOPROV_BIND": "127.0.0.1",
        "AUTOPROV_API_PORT": str(environment.api_port),
        "AUTOPROV_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "-m", "autoprov", "api"], env=env)
    base = f"http://127.0.0.1:{environment.api_port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, "autoprov api exited"
                assert time.monotonic() < deadline, "autoprov api did not come up"
                time.sleep(0.1)
        assert health.json() == {"status": "ok", "database": "ok"}
        assert httpx.get(f"{base}/api/v1/phones", timeout=5).status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
