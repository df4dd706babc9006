#!/usr/bin/env python3
"""Registrar benchmark: our registrar and the Kamailio reference, same run, same SIPp load.

One server at a time (ours, then Kamailio: they never compete for the cores), each on its own
loopback port. For each transport it runs SIPp's ``register_digest.xml`` (REGISTER, 401,
REGISTER with digest, 200; 10,000 users) at fixed rates, climbing until a trial fails, then
narrowing the gap, and reports the highest rate that completed with 0 failed calls:

- achieved registrations/s (successful calls / trial time), retransmissions, and the p99 of
  the whole REGISTER/401/REGISTER/200 exchange (SIPp ``-trace_rtt``);
- CPU per registration of the server (utime+stime from /proc/<pid>/stat, its worker
  processes included) and of SIPp (its rusage): SIPp shares the two cores, and a SIPp near
  100% of a core is the limit rather than the server.

Then each server is restarted empty and registers ``--rss-users`` users (100,000) at a rate
it sustains, and its resident memory (VmRSS, its processes summed) is read before and after:
the difference divided by the number of bindings is the memory per binding. That figure
includes what the allocator kept from the peak of the load (the answers each UDP transaction
holds for Timer J, 32 s: freed, but the process keeps the memory for reuse). Ours is then
restarted once more and restores the bindings from the database: the difference from the
empty start is what the bindings themselves take.

SIPp always uses the same local port, so a user's Contact is the same in every trial (one
binding per user, as the Kamailio config keeps). Loopback only. From the repository root:

    python bench/registrar/run.py                      # SQLite persistence (the default)
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, insert, text

SHARED = Path(os.environ.get("AUTOPROV_SHARED", Path(__file__).resolve().parents[3] / "shared"))
SIPP_DIR = SHARED / "sipp"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SIPP_BUFFER = 4 * 1024 * 1024
"""SIPp's socket buffers (its default, 64 KiB, overflows under bursts of answers; the kernel
caps it at net.core.rmem_max and wmem_max)."""
SERVERS = ("autoprov", "kamailio")


@dataclass
class Trial:
    server: str
    transport: str
    rate: int
    ok: int
    failed: int
    retransmissions: int
    seconds: float
    p99_ms: float
    server_cpu_us: float
    """Server CPU time per successful registration, microseconds."""
    sipp_cpu_us: float
    sipp_core: float
    """SIPp's CPU time over the trial's duration: 1.0 is a whole core."""

    @property
    def achieved(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def passed(self) -> bool:
        """Every call completed, none failed, and the rate asked for was kept up."""
        return self.failed == 0 and self.ok == self.calls and self.achieved >= 0.9 * self.rate

    @property
    def calls(self) -> int:
        return self.rate * round(self.seconds_asked)

    seconds_asked: float = 0.0

    def line(self) -> str:
        return (
            f"  {self.server:8} {self.transport} {self.rate:6}/s: ok {self.ok} failed "
            f"{self.failed} retrans {self.retransmissions} achieved {self.achieved:6.0f}/s "
            f"p99 {self.p99_ms:7.1f} ms  server {self.server_cpu_us:5.0f} us/reg  "
            f"sipp {self.sipp_cpu_us:4.0f} us/reg ({self.sipp_core:.0%} of a core)"
        )


# --- processes and /proc -------------------------------------------------------------------


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
    """VmRSS summed over the process tree (Kamailio's shared memory is counted once per
    process that touched it, as `ps` would show)."""
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


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def free_port() -> int:
    """A port free for both TCP and UDP on loopback."""
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the servers ---------------------------------------------------------------------------


def add_users(database_url: str, count: int) -> None:
    from autoprov.storage.migrate import upgrade
    from autoprov.storage.models import User

    engine = create_engine(database_url)
    upgrade(engine)
    created = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE username LIKE 'user%'"))
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


def clear_bindings(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM bindings"))
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
    path = work / "autoprov.log"
    log = path.open("ab")
    already = log.tell()
    process = subprocess.Popen(
        [shutil.which("autoprov") or "autoprov", "registrar"], env=env, stdout=log, stderr=log
    )
    # ready once every process has loaded its bindings (the port opens before that)
    deadline = time.monotonic() + 300
    while b"SIP registrar listening on" not in path.read_bytes()[already:]:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"autoprov did not start, see {path}")
        time.sleep(0.1)
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


@contextmanager
def running(
    name: str, work: Path, port: int, database_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = (
        start_ours(work, port, database_url) if name == "autoprov" else start_kamailio(work, port)
    )
    try:
        time.sleep(1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- SIPp ----------------------------------------------------------------------------------


def make_users_csv(work: Path, count: int) -> Path:
    path = work / f"users-{count}.csv"
    with path.open("w") as out:
        subprocess.run(
            [sys.executable, str(SIPP_DIR / "make_users.py"), str(count), "127.0.0.1"],
            stdout=out,
            check=True,
        )
    return path


@dataclass
class SippRun:
    ok: int
    failed: int
    retransmissions: int
    seconds: float
    cpu: float
    times_ms: list[float]


def run_sipp(
    run_dir: Path,
    users: Path,
    port: int,
    local_port: int,
    transport: str,
    rate: int,
    calls: int,
) -> SippRun:
    run_dir.mkdir(parents=True, exist_ok=True)
    scenario = run_dir / "register_digest.xml"
    shutil.copy(SIPP_DIR / "register_digest.xml", scenario)
    stats = run_dir / "stats.csv"
    command = [
        "sipp",
        "-sf", str(scenario),
        "-inf", str(users),
        f"127.0.0.1:{port}",
        "-i", "127.0.0.1",
        "-p", str(local_port),
        "-t", "u1" if transport == "udp" else "t1",
        "-r", str(rate),
        "-m", str(calls),
        "-l", str(max(rate * 5, 1000)),
        "-nostdin",
        "-buff_size", str(SIPP_BUFFER),
        "-timeout", f"{max(60, 3 * calls // max(rate, 1))}s",
        "-recv_timeout", "10s",
        "-trace_stat", "-stf", str(stats), "-fd", "1",
        "-trace_rtt", "-rtt_freq", "1000",
        "-trace_err", "-error_file", str(run_dir / "errors.log"),
    ]  # fmt: skip
    started = time.monotonic()
    sipp = subprocess.Popen(
        command, cwd=run_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(sipp.pid, 0)
    sipp.returncode = 0
    seconds = time.monotonic() - started
    with stats.open() as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    last = rows[-1] if rows else {}
    times: list[float] = []
    for rtt in run_dir.glob("*_rtt.csv"):
        with rtt.open() as handle:
            times += [
                float(row["response_time_ms"]) for row in csv.DictReader(handle, delimiter=";")
            ]
    return SippRun(
        ok=int(last.get("SuccessfulCall(C)", 0)),
        failed=int(last.get("FailedCall(C)", 0)),
        retransmissions=int(last.get("Retransmissions(C)", 0)),
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        times_ms=times,
    )


# --- trials --------------------------------------------------------------------------------


def trial(
    work: Path,
    users: Path,
    server: str,
    pid: int,
    port: int,
    local_port: int,
    transport: str,
    rate: int,
    *,
    seconds: int,
) -> Trial:
    before = cpu_seconds(pid)
    sipp = run_sipp(
        work / f"{server}-{transport}-{rate}",
        users,
        port,
        local_port,
        transport,
        rate,
        rate * seconds,
    )
    used = cpu_seconds(pid) - before
    times = sipp.times_ms
    p99 = statistics.quantiles(times, n=100)[98] if len(times) >= 100 else float("nan")
    ok = max(sipp.ok, 1)
    time.sleep(2)  # let retransmissions and queues drain before the next trial
    return Trial(
        server=server,
        transport=transport,
        rate=rate,
        ok=sipp.ok,
        failed=sipp.failed,
        retransmissions=sipp.retransmissions,
        seconds=sipp.seconds,
        p99_ms=p99,
        server_cpu_us=used * 1e6 / ok,
        sipp_cpu_us=sipp.cpu * 1e6 / ok,
        sipp_core=sipp.cpu / sipp.seconds if sipp.seconds else 0.0,
        seconds_asked=seconds,
    )


def find_best(
    run: Callable[[int], Trial], rates: list[int], refinements: int
) -> tuple[Trial | None, list[Trial]]:
    """Climb the rates until a trial fails, then bisect between the last pass and that rate."""
    trials: list[Trial] = []
    best: Trial | None = None
    failed_at: int | None = None
    for rate in rates:
        result = run(rate)
        trials.append(result)
        print(result.line(), flush=True)
        if not result.passed:
            failed_at = rate
            break
        best = result
    for _ in range(refinements):
        low = best.rate if best is not None else 0
        if failed_at is None or failed_at - low <= max(100, low // 10):
            break
        rate = (low + failed_at) // 2 // 50 * 50
        result = run(rate)
        trials.append(result)
        print(result.line(), flush=True)
        if result.passed:
            best = result
        else:
            failed_at = rate
    return best, trials


def measure_rss(
    work: Path,
    users: Path,
    process: subprocess.Popen[bytes],
    port: int,
    local_port: int,
    rate: int,
    settle: float,
) -> dict[str, float]:
    idle = rss_bytes(process.pid)
    count = sum(1 for line in users.open() if ";" in line)
    sipp = run_sipp(work / f"rss-{port}", users, port, local_port, "udp", rate, count)
    time.sleep(settle)  # UDP transactions (Timer J, 32 s) end, the write-behind catches up
    loaded = rss_bytes(process.pid)
    return {
        "registered": sipp.ok,
        "failed": sipp.failed,
        "idle_bytes": idle,
        "loaded_bytes": loaded,
        "bytes_per_binding": (loaded - idle) / max(sipp.ok, 1),
        "total_bytes_per_binding": loaded / max(sipp.ok, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rss-users", type=int, default=100_000, help="0 skips the RSS part")
    parser.add_argument("--rss-rate", type=int, default=1000, help="rate of the RSS load")
    parser.add_argument("--seconds", type=int, default=10, help="length of each fixed-rate trial")
    parser.add_argument(
        "--rates", type=lambda s: [int(x) for x in s.split(",")],
        default=[500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 15000],
    )  # fmt: skip
    parser.add_argument("--refine", type=int, default=2, help="bisection steps after a failure")
    parser.add_argument("--transports", default="udp,tcp")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="our registrar's processes (AUTOPROV_REGISTRAR_PROCESSES)",
    )
    args = parser.parse_args()
    os.environ["AUTOPROV_REGISTRAR_PROCESSES"] = str(args.processes)

    work = Path(tempfile.mkdtemp(prefix="autoprov-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'data' / 'autoprov.db'}"
    (work / "data").mkdir()
    print(f"work dir {work}; database {database_url.split('@')[-1]}", flush=True)
    add_users(database_url, max(args.users, args.rss_users))
    users = make_users_csv(work, args.users)
    local_port = free_port()
    results: dict[str, object] = {
        "load_average_start": load_average(),
        "autoprov_processes": args.processes,
    }

    for name in args.servers.split(","):
        port = free_port()
        clear_bindings(database_url)
        with running(name, work, port, database_url) as process:
            for transport in args.transports.split(","):
                run = partial(
                    trial, work, users, name, process.pid, port, local_port, transport,
                    seconds=args.seconds,
                )  # fmt: skip
                best, trials = find_best(run, args.rates, args.refine)
                results[f"{name}/{transport}"] = {
                    "best": asdict(best) | {"achieved": best.achieved} if best else None,
                    "trials": [asdict(t) | {"achieved": t.achieved} for t in trials],
                }
        if args.rss_users:
            clear_bindings(database_url)
            big = make_users_csv(work, args.rss_users)
            with running(name, work, port, database_url) as process:
                rss = measure_rss(work, big, process, port, local_port, args.rss_rate, 40.0)
            print(
                f"  {name:8} RSS {rss['idle_bytes'] / 2**20:.1f} MiB idle -> "
                f"{rss['loaded_bytes'] / 2**20:.1f} MiB with {rss['registered']} bindings "
                f"({rss['failed']} failed): {rss['bytes_per_binding']:.0f} B/binding added, "
                f"{rss['total_bytes_per_binding']:.0f} B/binding in all",
                flush=True,
            )
            if name != "kamailio":  # the reference keeps its location in memory only
                with running(name, work, port, database_url) as process:
                    restored = rss_bytes(process.pid)
                rss["restored_bytes"] = restored
                rss["restored_bytes_per_binding"] = (restored - rss["idle_bytes"]) / max(
                    rss["registered"], 1
                )
                print(
                    f"  {name:8} RSS restarted with the {rss['registered']} bindings restored: "
                    f"{restored / 2**20:.1f} MiB, "
                    f"{rss['restored_bytes_per_binding']:.0f} B/binding added",
                    flush=True,
                )
            results[f"{name}/rss"] = rss
    results["load_average_end"] = load_average()
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
