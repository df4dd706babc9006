#!/usr/bin/env python3
"""Provisioning benchmark: our HTTP door against nginx serving the same bytes, same run.

1. Starts ``autoprov provisioner --http-workers N`` (SQLite, rate limit off, FTP and TFTP off)
   and nginx (a temporary config on a loopback port, ``daemon off``), both on 127.0.0.1.
2. Fetches the master file and one registration file, and gives nginx static copies of the
   same bytes.
3. Runs ``wrk`` against our URL and nginx's copy in turn, with the Polycom User-Agent, and
   reports requests/s, p99 latency, non-2xx answers and the CPU time the server's processes
   (ours, or nginx's master and workers) spent per request (``/proc/<pid>/stat``: the
   figure that moves least with other load on the machine). Again for each
   ``--http-workers``.
4. With the first configuration, puts a 30 MB firmware image in place and downloads it 20
   times at once with curl, reading the provisioner's VmRSS before, during (the peak of 20 ms
   samples) and after.

Loopback only; bounded in time. Usage, from the repository root:

    python bench/provisioning/run.py [--duration 10] [--connections 50] [--http-workers 1,2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

AGENT = "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application"
MAC = "0004f2aabbcc"
NGINX_CONF = """\
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  default_type application/xml;
  server {{ listen 127.0.0.1:{port}; root {root}/www; }}
}}
"""


@dataclass
class Load:
    target: str
    size: int
    requests_per_s: float
    p99_ms: float
    non_2xx: int
    requests: int
    server_cpu_us: float
    """CPU time of the server's processes per request."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": AGENT})
    with urllib.request.urlopen(request, timeout=10) as response:
        data: bytes = response.read()
        return data


def wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            fetch(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_seconds(pid: int) -> float:
    """User + system time of ``pid`` and its child processes (the extra HTTP workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    return total


def wrk(target: str, url: str, size: int, args: argparse.Namespace, server: int) -> Load:
    started = cpu_seconds(server)
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
         "--latency", "-H", f"User-Agent: {AGENT}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = milliseconds(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    cpu_us = (cpu_seconds(server) - started) / count * 1e6
    return Load(target, size, rate, p99, int(errors.group(1)) if errors else 0, count, cpu_us)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(pid)


def firmware_downloads(base: str, pid: int, image: Path, count: int) -> dict[str, object]:
    expected = hashlib.sha256(image.read_bytes()).hexdigest()
    url = f"{base}/{image.name}"
    before = rss_kib(pid)
    peak = before
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.02):
            peak = max(peak, rss_kib(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    # --limit-rate keeps all downloads in flight together for a few seconds
    downloads = [
        subprocess.Popen(
            ["curl", "--silent", "--show-error", "--limit-rate", "10M", "-A", AGENT, url],
            stdout=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    digests = [hashlib.sha256(process.communicate()[0]).hexdigest() for process in downloads]
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    time.sleep(0.5)
    return {
        "downloads": count,
        "image_mib": round(image.stat().st_size / 2**20, 1),
        "all_complete_and_identical": all(d == expected for d in digests),
        "seconds": round(elapsed, 2),
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_during_mib": round(peak / 1024, 1),
        "rss_after_mib": round(rss_kib(pid) / 1024, 1),
    }


def start_provisioner(root: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AUTOPROV_DATA_DIR": str(root / "data"),
        "AUTOPROV_BIND": "127.0.0.1",
        "AUTOPROV_EXTERNAL_HOST": "127.0.0.1",
        "AUTOPROV_PROVISION_PORT": str(port),
        "AUTOPROV_FTP_PORT": "0",
        "AUTOPROV_TFTP_PORT": "0",
        "AUTOPROV_PROVISION_RATE_PER_MINUTE": "0",
        "AUTOPROV_PROVISION_USER": "prov",
        "AUTOPROV_PROVISION_PASSWORD": "prov-secret",
        "AUTOPROV_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "autoprov", "provisioner", "--http-workers", str(workers)]
    process = subprocess.Popen(command, env=env)
    wait_for(f"http://127.0.0.1:{port}/site.cfg", seconds=60)
    time.sleep(2.0 if workers > 1 else 0.0)  # the other workers bind once they have imported
    return process


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--http-workers", default="1,2", help="comma-separated, one run each")
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--firmware-mib", type=int, default=30)
    parser.add_argument("--downloads", type=int, default=20)
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (scripts/install-system-packages)")

    root = Path(tempfile.mkdtemp(prefix="autoprov-bench-"))
    root.chmod(0o755)  # nginx workers run as an unprivileged user
    port, nginx_port = free_port(), free_port()
    base, nginx_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{nginx_port}"
    documents = {
        "master file (000000000000.cfg)": "000000000000.cfg",
        "registration file": f"autoprov/{MAC}-registration.cfg",
    }
    provisioner: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None
    loads: list[Load] = []
    memory: dict[str, object] = {}
    load_average = {"start": os.getloadavg()[0]}  # other work on the machine moves the figures
    try:
        for workers in [int(n) for n in args.http_workers.split(",")]:
            provisioner = start_provisioner(root, port, workers)
            if nginx is None:
                (root / "www" / "autoprov").mkdir(parents=True)
                (root / "tmp").mkdir()
                for path in documents.values():
                    (root / "www" / path).write_bytes(fetch(f"{base}/{path}"))
                config = NGINX_CONF.format(workers=args.nginx_workers, root=root, port=nginx_port)
                (root / "nginx.conf").write_text(config)
                nginx = subprocess.Popen(["nginx", "-c", str(root / "nginx.conf"), "-p", str(root)])
                wait_for(f"{nginx_base}/000000000000.cfg")
            for name, path in documents.items():
                size = (root / "www" / path).stat().st_size
                ours = f"autoprov ({workers} HTTP process{'es' if workers > 1 else ''}): {name}"
                loads.append(wrk(ours, f"{base}/{path}", size, args, provisioner.pid))
                copy = f"{nginx_base}/{path}"
                loads.append(wrk("nginx: same bytes, static", copy, size, args, nginx.pid))
            if not memory:
                firmware = root / "data" / "firmware"
                firmware.mkdir(parents=True, exist_ok=True)
                image = firmware / "3111-46162-001.sip.ld"
                image.write_bytes(os.urandom(args.firmware_mib * 2**20))
                memory = firmware_downloads(base, provisioner.pid, image, args.downloads)
            stop(provisioner)
            provisioner = None
        load_average["end"] = os.getloadavg()[0]
        report = {"loads": [asdict(load) for load in loads], "firmware": memory}
        print(json.dumps({**report, "load_average": load_average}, indent=2))
        print()
        print("| target | bytes | requests/s | p99 | non-2xx | server CPU per request |")
        print("|---|---:|---:|---:|---:|---:|")
        for load in loads:
            print(
                f"| {load.target} | {load.size} | {load.requests_per_s:,.0f} "
                f"| {load.p99_ms:.2f} ms | {load.non_2xx} | {load.server_cpu_us:.1f} us |"
            )
    finally:
        stop(provisioner)
        stop(nginx)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
