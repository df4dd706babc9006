#!/usr/bin/env python3
"""Inventory API benchmark: idempotent phone creation and listing latency, 10,000 phones.

For each database (SQLite file, and a throwaway PostgreSQL database):

1. Starts ``autoprov api`` (one uvicorn process, the production entry point) on a loopback
   port, over an empty database.
2. Creates N phones with ``POST /api/v1/phones`` (the auto-provisioning worker's call, with the
   service token) over a fixed number of keep-alive connections, each with one request in
   flight, then posts the same N again (all answered 200: the idempotent path). Reports
   creates/s and the API process's CPU time per request for each pass.
3. Puts users on a third of the phones (through the inventory functions, one transaction), so
   that the unassigned filter has something to leave out.
4. Runs ``wrk`` for a few seconds against each listing: search by unique ID, by a partial MAC
   in colon spelling, by username, the first unassigned page, a deep unassigned page sorted
   by last-seen, and reports requests/s and p50/p95/p99 latency (wrk's own measurement).

Loopback only; bounded in count and time. Usage, from the repository root:

    python bench/inventory/run.py [--phones 10000] [--concurrency 32] [--seconds 5] \
        [--db sqlite --db postgres] [--pg-url postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.inventory.lines import assign_line
from autoprov.inventory.users import create_user
from autoprov.storage.db import make_engine
from autoprov.storage.models import Phone, UniqueId

ADMIN_PASSWORD = "bench-admin-secret"
MODELS = ("VVX_410", "VVX_310", "VVX_150", "SSIP_6000", "SPIP_650")
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d\\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Throughput:
    database: str
    phase: str
    requests: int
    seconds: float
    per_second: float
    server_cpu_ms: float
    """The API process's user + system CPU time per request."""
    statuses: dict[str, int]


@dataclass
class Latency:
    database: str
    query: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms: float
    errors: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def database(kind: str, pg_url: str, root: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{root / 'bench.db'}"
        return
    name = f"autoprov_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def api_server(url: str, root: Path) -> Iterator[tuple[str, str, int]]:
    """``autoprov api`` in a child process: its base URL, the service token and its pid."""
    port = free_port()
    env = {
        **os.environ,
        "AUTOPROV_DATA_DIR": str(root / "data"),
        "AUTOPROV_DATABASE_URL": url,
        "AUTOPROV_BIND": "127.0.0.1",
        "AUTOPROV_EXTERNAL_HOST": "127.0.0.1",
        "AUTOPROV_API_PORT": str(port),
        "AUTOPROV_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTOPROV_LOG_LEVEL": "WARNING",
    }
    settings = Settings(data_dir=root / "data", database_url=url, admin_password=ADMIN_PASSWORD)
    engine = make_engine(url)
    service_token = bootstrap(engine, settings).service_token
    engine.dispose()
    process = subprocess.Popen([sys.executable, "-m", "autoprov", "api"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("autoprov api did not start")
            time.sleep(0.1)
        yield base, service_token, process.pid
    finally:
        if process.poll() is not None:
            print(f"autoprov api exited early with status {process.returncode}", flush=True)
        process.terminate()
        process.wait(15)


def mac_of(number: int) -> str:
    return f"0004f2{number:06x}"


class Connection:
    """A keep-alive HTTP/1.1 connection that sends JSON POSTs and reads the status back.

    Hand-rolled rather than httpx: the client shares the two cores with the server and the
    database, and httpx spends about as much CPU per request as the server does.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, headers: bytes, body: bytes) -> int:
        self.writer.write(
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (path.encode(), headers, len(body), body)
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def create_all(
    base: str, token: str, count: int, concurrency: int
) -> tuple[float, dict[str, int]]:
    statuses: dict[str, int] = {}
    numbers = iter(range(count))
    port = int(base.rsplit(":", 1)[1])
    headers = f"Authorization: Bearer {token}\r\n".encode()

    async def worker() -> None:
        connection = await Connection.open(port)
        try:
            for number in numbers:
                # The colon spelling, as a person would type it; stored as 12 hex digits.
                mac = ":".join(mac_of(number)[i : i + 2] for i in range(0, 12, 2))
                body = {
                    "mac": mac,
                    "model": MODELS[number % len(MODELS)],
                    "ip": f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}",
                    "firmware": "5.9.5.0614",
                    "description": f"bench phone {number}",
                }
                try:
                    key = str(
                        await connection.post("/api/v1/phones", headers, json.dumps(body).encode())
                    )
                except (OSError, asyncio.IncompleteReadError) as exc:
                    key = type(exc).__name__
                    connection.close()
                    connection = await Connection.open(port)
                statuses[key] = statuses.get(key, 0) + 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, statuses


def assign_users(url: str, count: int) -> None:
    """Users 1000.. on every third phone, in one transaction."""
    engine = make_engine(url)
    with Session(engine) as session:
        for number in range(0, count, 3):
            username = str(1000 + number)
            create_user(session, username, "bench-password")
            assign_line(session, mac_of(number), username)
        if engine.dialect.name == "postgresql":
            # The planner's statistics, as autovacuum keeps them on a running server: without
            # them, PostgreSQL plans over the freshly loaded tables by guesswork.
            session.execute(text("ANALYZE"))
        session.commit()
    engine.dispose()


def listing_paths(url: str, count: int) -> dict[str, list[str]]:
    engine = make_engine(url)
    rng = random.Random(7)
    picks = [rng.randrange(count) for _ in range(50)]
    with Session(engine) as session:
        ids = dict(
            session.execute(
                select(UniqueId.mac, UniqueId.uid).where(
                    UniqueId.mac.in_([mac_of(n) for n in picks])
                )
            ).all()
        )
        assert session.scalar(select(Phone.id).limit(1)) is not None
    engine.dispose()
    colon = [":".join(mac_of(n)[6:][i : i + 2] for i in range(0, 6, 2)) for n in picks]
    return {
        "search by unique ID": [f"/api/v1/phones?search={ids[mac_of(n)]}" for n in picks],
        "search by partial MAC (aa:bb:cc)": [f"/api/v1/phones?search={c}" for c in colon],
        "search by username": [f"/api/v1/phones?search={1000 + n - n % 3}" for n in picks],
        "unassigned, first page of 50": ["/api/v1/phones?unassigned=true&per_page=50"],
        "unassigned, page 100 by -last_seen": [
            "/api/v1/phones?unassigned=true&per_page=50&page=100&sort=-last_seen"
        ],
    }


def run_wrk(base: str, paths: list[str], seconds: int, connections: int, root: Path) -> list[str]:
    script = root / "listing.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    auth = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Authorization: Basic {auth}",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    return next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]


def bench(kind: str, args: argparse.Namespace) -> tuple[list[Throughput], list[Latency]]:
    throughputs: list[Throughput] = []
    latencies: list[Latency] = []
    with tempfile.TemporaryDirectory(prefix="autoprov-bench-") as tmp:
        root = Path(tmp)
        with database(kind, args.pg_url, root) as url, api_server(url, root) as server:
            base, token, pid = server
            for phase in ("create (201)", "create again (200)"):
                cpu = cpu_seconds(pid)
                seconds, statuses = asyncio.run(
                    create_all(base, token, args.phones, args.concurrency)
                )
                cpu_ms = (cpu_seconds(pid) - cpu) / args.phones * 1000
                throughputs.append(
                    Throughput(
                        database=kind,
                        phase=phase,
                        requests=args.phones,
                        seconds=round(seconds, 2),
                        per_second=round(args.phones / seconds, 1),
                        server_cpu_ms=round(cpu_ms, 2),
                        statuses=statuses,
                    )
                )
                print(json.dumps(asdict(throughputs[-1])), flush=True)
            assign_users(url, args.phones)
            for query, paths in listing_paths(url, args.phones).items():
                cpu = cpu_seconds(pid)
                requests, micros, p50, p95, p99, errors = run_wrk(
                    base, paths, args.seconds, args.connections, root
                )
                cpu_ms = (cpu_seconds(pid) - cpu) / max(1, int(requests)) * 1000
                latencies.append(
                    Latency(
                        database=kind,
                        query=query,
                        requests=int(requests),
                        per_second=round(int(requests) / (int(micros) / 1e6), 1),
                        p50_ms=float(p50),
                        p95_ms=float(p95),
                        p99_ms=float(p99),
                        server_cpu_ms=round(cpu_ms, 2),
                        errors=int(errors),
                    )
                )
                print(json.dumps(asdict(latencies[-1])), flush=True)
    return throughputs, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per listing")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "AUTOPROV_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    # Stopped from outside: unwind, so the API child and the throwaway database go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (scripts/install-system-packages installs it)")
    throughputs: list[Throughput] = []
    latencies: list[Latency] = []
    for kind in args.db or ["sqlite", "postgres"]:
        found = bench(kind, args)
        throughputs += found[0]
        latencies += found[1]
    print("\n| database | pass | phones | seconds | creates/s | server CPU ms/req | answers |")
    print("|---|---|---|---|---|---|---|")
    for t in throughputs:
        answers = ", ".join(f"{n}x {s}" for s, n in sorted(t.statuses.items()))
        cells = [t.database, t.phase, t.requests, t.seconds, t.per_second, t.server_cpu_ms, answers]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    print(
        "\n| database | listing | requests/s | p50 (ms) | p95 (ms) | p99 (ms) "
        "| server CPU ms/req | errors |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for lat in latencies:
        print(
            f"| {lat.database} | {lat.query} | {lat.per_second} | {lat.p50_ms} | "
            f"{lat.p95_ms} | {lat.p99_ms} | {lat.server_cpu_ms} | {lat.errors} |"
        )


if __name__ == "__main__":
    main()
