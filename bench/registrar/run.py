#!/usr/bin/env python3
"""Registrar benchmark: our registrar and the Kamailio reference, same run, same SIPp load.

For each server and transport it finds the highest fixed SIPp rate (REGISTER with digest,
``register_digest.xml``) that completes with 0 failed calls, and reports the achieved
registrations/s, the p99 of the whole REGISTER/401/REGISTER/200 exchange, and the CPU time
the server spent per registration (from /proc/<pid>/stat, children included). Then it loads
``--rss-users`` bindings into each and reads the servers' resident memory (VmRSS).

Loopback only. Usage (from the repository root):

    python bench/registrar/run.py                      # SQLite persistence
    python bench/registrar/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text

SHARED = Path(os.environ.get("AUTOPROV_SHARED", Path(__file__).resolve().parents[3] / "shared"))
SIPP_DIR = SHARED / "sipp"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Trial:
    server: str
    transport: str
    rate: int
    ok: int
    failed: int
    seconds: float
    p99_ms: float
    cpu_ms_per_reg: float

    @property
    def achieved(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def tree_pids(root: int) -> list[int]:
    """The process and all its descendants (Kamailio forks workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(root: int) -> float:
    total = 0
    for pid in tree_pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def rss_bytes(root: int) -> int:
    """VmRSS summed over the process tree (for Kamailio: its workers and shared memory,
    counted once per process that touched it, as `ps` would show)."""
    total = 0
    for pid in tree_pids(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_users_csv(work: Path, count: int) -> Path:
    path = work / f"users-{count}.csv"
    with path.open("w") as out:
        subprocess.run(
            [sys.executable, str(SIPP_DIR / "make_users.py"), str(count), "127.0.0.1"],
            stdout=out,
            check=True,
        )
    return path


def add_users(database_url: str, count: int) -> None:
    from autoprov.storage.migrate import upgrade
    from autoprov.storage.models import User

    engine = create_engine(database_url)
    upgrade(engine)
    created = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE username LIKE 'user%'"))
        conn.execute(text("DELETE FROM bindings"))
        rows = [
            {
                "username": f"user{i:06d}",
                "password": f"pass{i:06d}",
                "display_name": "",
                "is_system": False,
                "created_at": created,
                "updated_at": created,
            }
            for i in range(1, count + 1)
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(User.__table__), rows[start : start + 5000])
    engine.dispose()


def start_ours(work: Path, port: int, database_url: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        AUTOPROV_DATA_DIR=str(work / "data"),
        AUTOPROV_DATABASE_URL=database_url,
        AUTOPROV_BIND="127.0.0.1",
        AUTOPROV_EXTERNAL_HOST="127.0.0.1",
        AUTOPROV_SIP_DOMAIN="127.0.0.1",
        AUTOPROV_SIP_PORT=str(port),
        AUTOPROV_REGISTER_PLUGINS="[]",
        AUTOPROV_LOG_LEVEL="WARNING",
    )
    log = (work / "autoprov.log").open("ab")
    process = subprocess.Popen(
        [shutil.which("autoprov") or "autoprov", "registrar"], env=env, stdout=log, stderr=log
    )
    wait_port(port)
    return process


def start_kamailio(work: Path, port: int) -> subprocess.Popen[bytes]:
    config = (SIPP_DIR / "kamailio-reference.cfg").read_text()
    config = config.replace('#!substdef "!REG_PORT!5060!g"', f'#!substdef "!REG_PORT!{port}!g"')
    path = work / "kamailio.cfg"
    path.write_text(config)
    log = (work / "kamailio.log").open("ab")
    process = subprocess.Popen(
        ["kamailio", "-DD", "-E", "-f", str(path), "-m", "256", "-M", "16", "-Y", str(work)],
        stdout=log,
        stderr=log,
    )
    wait_port(port)
    return process


def run_sipp(
    work: Path,
    users: Path,
    port: int,
    transport: str,
    rate: int,
    calls: int,
    tag: str,
) -> tuple[int, int, float, list[float]]:
    """(successful, failed, seconds, response times in ms)."""
    run_dir = work / tag
    run_dir.mkdir(exist_ok=True)
    scenario = run_dir / "register_digest.xml"
    shutil.copy(SIPP_DIR / "register_digest.xml", scenario)
    stats = run_dir / "stats.csv"
    command = [
        "sipp",
        "-sf", str(scenario),
        "-inf", str(users),
        f"127.0.0.1:{port}",
        "-i", "127.0.0.1",
        "-t", "u1" if transport == "udp" else "t1",
        "-r", str(rate),
        "-m", str(calls),
        "-l", str(max(rate * 5, 1000)),
        "-nostdin",
        "-timeout", "120s",
        "-recv_timeout", "10s",
        "-trace_stat", "-stf", str(stats), "-fd", "60",
        "-trace_rtt", "-rtt_freq", "1000",
        "-trace_err", "-error_file", str(run_dir / "errors.log"),
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, cwd=run_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    with stats.open() as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    last = rows[-1]
    ok, failed = int(last["SuccessfulCall(C)"]), int(last["FailedCall(C)"])
    times: list[float] = []
    for rtt in run_dir.glob("*_rtt.csv"):
        with rtt.open() as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                times.append(float(row["response_time_ms"]))
    return ok, failed, seconds, times


def trial(
    work: Path,
    users: Path,
    server: str,
    pid: int,
    port: int,
    transport: str,
    rate: int,
    seconds: int,
) -> Trial:
    before = cpu_seconds(pid)
    ok, failed, elapsed, times = run_sipp(
        work, users, port, transport, rate, rate * seconds, f"{server}-{transport}-{rate}"
    )
    used = cpu_seconds(pid) - before
    p99 = statistics.quantiles(times, n=100)[98] if len(times) >= 100 else float("nan")
    return Trial(server, transport, rate, ok, failed, elapsed, p99, used * 1000 / max(ok, 1))


def find_best(
    work: Path,
    users: Path,
    server: str,
    pid: int,
    port: int,
    transport: str,
    args: argparse.Namespace,
) -> tuple[Trial | None, list[Trial]]:
    trials = []
    best = None
    for rate in args.rates:
        result = trial(work, users, server, pid, port, transport, rate, args.seconds)
        trials.append(result)
        print(
            f"  {server:9} {transport} rate {rate:6}/s: ok {result.ok} failed {result.failed} "
            f"achieved {result.achieved:7.0f}/s p99 {result.p99_ms:6.1f} ms "
            f"cpu {result.cpu_ms_per_reg:.3f} ms/reg",
            flush=True,
        )
        if result.failed or result.ok < rate * args.seconds:
            break
        best = result
        time.sleep(2)  # let retransmission timers and transactions drain
    return best, trials


def load_bindings(work: Path, users: Path, port: int, count: int, rate: int) -> None:
    run_sipp(work, users, port, "udp", rate, count, f"load-{port}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rss-users", type=int, default=100_000)
    parser.add_argument("--rss-rate", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each fixed-rate trial")
    parser.add_argument(
        "--rates", type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 15000],
    )  # fmt: skip
    parser.add_argument("--transports", default="udp,tcp")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--no-kamailio", action="store_true")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="autoprov-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'autoprov.db'}"
    (work / "data").mkdir()
    print(f"work dir {work}; database {database_url.split('@')[-1]}", flush=True)
    add_users(database_url, max(args.users, args.rss_users))
    users = make_users_csv(work, args.users)

    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        port = free_port()
        servers["autoprov"] = (start_ours(work, port, database_url), port)
        if not args.no_kamailio:
            kport = free_port()
            servers["kamailio"] = (start_kamailio(work, kport), kport)
        results: dict[str, object] = {}
        for transport in args.transports.split(","):
            for name, (process, server_port) in servers.items():
                best, _ = find_best(work, users, name, process.pid, server_port, transport, args)
                results[f"{name}/{transport}"] = (
                    best.__dict__ | {"achieved": best.achieved} if best else None
                )
        big = make_users_csv(work, args.rss_users)
        for name, (process, server_port) in servers.items():
            idle = rss_bytes(process.pid)
            load_bindings(work, big, server_port, args.rss_users, args.rss_rate)
            time.sleep(35)  # let UDP transactions (Timer J, 32 s) end before measuring
            loaded = rss_bytes(process.pid)
            results[f"{name}/rss"] = {"before": idle, "after": loaded, "bindings": args.rss_users}
            print(
                f"  {name:9} RSS {idle / 2**20:.1f} MiB idle -> {loaded / 2**20:.1f} MiB with "
                f"{args.rss_users} bindings: {loaded / args.rss_users:.0f} B/binding total, "
                f"{(loaded - idle) / args.rss_users:.0f} B/binding added",
                flush=True,
            )
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        for process, _ in servers.values():
            process.send_signal(signal.SIGTERM)
        for process, _ in servers.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
