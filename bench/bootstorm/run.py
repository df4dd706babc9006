"""Boot storm: N emulated phones against ``autoprov serve`` on this host.

Starts ``autoprov serve`` on a fresh data directory (SQLite), then ``autoprov simulate`` in
its own process, counts the phones in the database until every phone is in the inventory
(``SELECT count(*)``: polling the REST API's phone list would load the API it measures), reads
the inventory back through the REST API, and reports:
the time until the last phone was visible, p50/p99 from a phone's first 200 OK to REGISTER
to its ``created`` time in the API, peak RSS and CPU seconds of the server processes and of
the simulator, errors, and lost and duplicated phones.

With ``--assign``, the phones then stay up and every one of them gets a user in one CSV
import (``autoprov import``, as an administrator would), which re-syncs each phone: the
server sends check-sync, the phone reboots, fetches its own ``<mac>.cfg`` and profile and
registers as its user. Reported: the import's time, the time until every phone is
registered as its user (bindings in the database), the server's CPU seconds in that
phase, and phones that did not make it. ``--reboot`` then cuts the power of every phone at
once and starts them all again, now assigned: reported, the time until each has booted
(``<mac>.cfg``, its profile) and registered as its user again.

    python bench/bootstorm/run.py --phones 10000 [--assign [--reboot]]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from autoprov.config import AUTOPROVISION_USER

ADMIN_PASSWORD = "bench-admin"
PROVISION_USER, PROVISION_PASSWORD = "prov", "bench-prov-secret"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree += frontier
    return tree


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the peak resident set of a live process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


SERVE_CHILDREN = ("registrar", "provisioner", "api")
"""``autoprov serve`` starts its children in this order (cli/serve.py SERVICES)."""


def role_names(serve_pid: int, simulate_pid: int, pids: list[int]) -> dict[int, str]:
    """Readable names: the serve parent, its service children in start order, the rest."""
    names = {serve_pid: "serve (supervisor)", simulate_pid: "simulate"}
    children = []
    for pid in sorted(pids):
        if pid in names:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            names[pid] = "multiprocessing resource tracker"
        else:
            children.append(pid)
    direct = [pid for pid in children if parent_pid(pid) == serve_pid]
    for pid, role in zip(direct, SERVE_CHILDREN, strict=False):
        names[pid] = role
    for pid in children:
        if pid not in names:  # a service's own worker (the provisioner's extra HTTP process)
            names[pid] = f"{names.get(parent_pid(pid), 'other')} (worker {pid})"
    return names


def parent_pid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # the command name, in parentheses, may hold spaces: the fields follow its last ")"
    return int(stat.rpartition(")")[2].split()[1])


class Watch:
    """Peak RSS and CPU seconds per process, sampled while they run (they vanish at exit)."""

    def __init__(self) -> None:
        self.rss: dict[int, float] = {}
        self.cpu: dict[int, float] = {}

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            self.rss[pid] = max(self.rss.get(pid, 0.0), peak_rss_mib(pid))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))


def assign_every_phone(
    phones: list[dict[str, Any]],
    env: dict[str, str],
    data_dir: Path,
    database: Engine,
    watch: Watch,
    roots: list[int],
    deadline: float,
) -> dict[str, Any]:
    """One CSV import giving each phone a user of its own, then wait until each user has a
    binding (the phone took its check-sync, rebooted and registered as that user)."""
    users = {phone["mac"]: str(200_000 + n) for n, phone in enumerate(phones)}
    table = data_dir / "assign.csv"
    table.write_text(
        "username,password,display_name,mac,model\n"
        + "".join(f"{user},secret-{user},Desk {user},{mac},\n" for mac, user in users.items())
    )
    started = time.time()
    imported = subprocess.run(
        [sys.executable, "-m", "autoprov", "import", str(table)],
        env={**env, "TERM": "dumb"},
        capture_output=True,
        text=True,
        timeout=deadline,
    )
    import_s = time.time() - started
    if imported.returncode != 0:
        raise SystemExit(f"autoprov import failed:\n{imported.stdout}\n{imported.stderr}")
    registered_after: float | None = None
    registered = 0
    while time.time() - started < deadline:
        watch.sample([pid for root in roots for pid in process_tree(root)])
        with database.connect() as conn:
            registered = (
                conn.scalar(
                    text("SELECT count(DISTINCT aor) FROM bindings WHERE aor <> :auto"),
                    {"auto": AUTOPROVISION_USER},
                )
                or 0
            )
        if registered >= len(users):
            registered_after = time.time() - started
            break
        time.sleep(0.5)
    return {
        "import_s": round(import_s, 1),
        "import_output": imported.stdout.strip().splitlines()[-1:],
        "all_registered_after_s": registered_after,
        "registered_as_users": registered,
        "users": users,
    }


def on_their_user(simulated: list[dict[str, Any]], users: dict[str, str]) -> int:
    """Phones whose last boot registered as the user the import gave them."""
    return sum(
        1
        for row in simulated
        if row["boots"] and list(row["boots"][-1]["registered_as"]) == [users.get(row["mac"])]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--deadline", type=float, default=300.0, help="give up after (s)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in the data dir")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    parser.add_argument(
        "--assign",
        action="store_true",
        help="then give every phone a user by CSV import and wait until each is registered "
        "as that user",
    )
    parser.add_argument(
        "--reboot",
        action="store_true",
        help="with --assign: then power every phone off and on at once, and time until each "
        "has booted and registered as its user again",
    )
    args = parser.parse_args()
    if args.reboot and not args.assign:
        parser.error("--reboot needs --assign: it reboots phones that have their users")

    data_dir = Path(tempfile.mkdtemp(prefix="autoprov-bootstorm-"))
    ports = {name: free_port() for name in ("sip", "provision", "ftp", "api")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOPROV_")}
    env.update(
        {
            "AUTOPROV_DATA_DIR": str(data_dir),
            "AUTOPROV_BIND": "127.0.0.1",
            "AUTOPROV_EXTERNAL_HOST": "127.0.0.1",
            "AUTOPROV_SIP_DOMAIN": "127.0.0.1",
            "AUTOPROV_SIP_PORT": str(ports["sip"]),
            "AUTOPROV_PROVISION_PORT": str(ports["provision"]),
            "AUTOPROV_FTP_PORT": str(ports["ftp"]),
            "AUTOPROV_TFTP_PORT": "0",
            "AUTOPROV_API_PORT": str(ports["api"]),
            "AUTOPROV_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "AUTOPROV_PROVISION_USER": PROVISION_USER,
            "AUTOPROV_PROVISION_PASSWORD": PROVISION_PASSWORD,
            # The default cap on unassigned phones (5000) guards a site against a flood;
            # a storm of 10,000 new phones needs room for all of them.
            "AUTOPROV_UNASSIGNED_CAP": str(args.phones * 2),
            "AUTOPROV_LOG_LEVEL": "WARNING",
        }
    )
    if args.database_url:
        env["AUTOPROV_DATABASE_URL"] = args.database_url
    database = create_engine(args.database_url or f"sqlite:///{data_dir / 'autoprov.db'}")
    server_log = data_dir / "serve.log"
    results_file = data_dir / "phones.json"
    reboot_file = data_dir / "phones-after-reboot.json"
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{ports['api']}",
        auth=("admin", ADMIN_PASSWORD),
        timeout=60,
        trust_env=False,
    )
    watch = Watch()
    with server_log.open("wb") as log_handle:
        serve = subprocess.Popen(
            [sys.executable, "-m", "autoprov", "serve"],
            env=env,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            started = time.monotonic()
            while True:
                try:
                    if api.get("/api/v1/phones", params={"limit": 1}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() - started > 60:
                    raise SystemExit("autoprov serve did not start; see " + str(server_log))
                time.sleep(0.2)
            time.sleep(1.0)  # let the registrar and the provisioning server finish starting

            def simulator(hold: float, results: Path, log_name: str) -> subprocess.Popen[bytes]:
                return subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "autoprov",
                        "simulate",
                        "--phones",
                        str(args.phones),
                        "--concurrency",
                        str(args.concurrency),
                        "--provision-url",
                        f"http://{PROVISION_USER}:{PROVISION_PASSWORD}@127.0.0.1:{ports['provision']}/",
                        "--hold",
                        str(hold),
                        "--json",
                        str(results),
                    ],
                    env={**env, "TERM": "dumb"},
                    stdout=subprocess.DEVNULL,
                    stderr=(data_dir / log_name).open("wb"),
                )

            # Assigned phones must still be up to take their check-sync NOTIFY.
            simulate = simulator(args.deadline if args.assign else 5, results_file, "simulate.log")
            storm_started = time.time()
            all_visible_after: float | None = None
            polls = 0
            while time.time() - storm_started < args.deadline:
                watch.sample([*process_tree(serve.pid), simulate.pid])
                with database.connect() as conn:
                    total = conn.scalar(text("SELECT count(*) FROM phones")) or 0
                polls += 1
                if total >= args.phones and all_visible_after is None:
                    all_visible_after = time.time() - storm_started
                if all_visible_after is not None and (args.assign or simulate.poll() is not None):
                    break
                time.sleep(0.5)
            watch.sample([*process_tree(serve.pid), simulate.pid])
            storm_cpu = dict(watch.cpu)

            phones: list[dict[str, Any]] = []
            while True:
                page = api.get(
                    "/api/v1/phones", params={"offset": len(phones), "limit": 500}
                ).json()
                phones.extend(page["items"])
                if not page["items"] or len(phones) >= page["total"]:
                    break
            assignment = None
            if args.assign and all_visible_after is not None:
                assignment = assign_every_phone(
                    phones, env, data_dir, database, watch, [serve.pid, simulate.pid], args.deadline
                )
                simulate.send_signal(signal.SIGINT)  # the results so far, then exit
            simulate_status = simulate.wait(timeout=max(1.0, args.deadline))
            watch.sample(process_tree(serve.pid))
            assigned_cpu = dict(watch.cpu)
            reboot: dict[str, Any] | None = None
            rebooted: subprocess.Popen[bytes] | None = None
            if args.reboot and assignment and assignment["all_registered_after_s"] is not None:
                # A power cut: the same phones, now each with its user, boot at once.
                started = time.time()
                rebooted = simulator(0, reboot_file, "simulate-reboot.log")
                while rebooted.poll() is None and time.time() - started < args.deadline:
                    watch.sample([*process_tree(serve.pid), rebooted.pid])
                    time.sleep(0.5)
                reboot = {
                    "simulator_exit_status": rebooted.wait(timeout=max(1.0, args.deadline)),
                    "all_registered_after_s": round(time.time() - started, 1),
                }
                watch.sample(process_tree(serve.pid))
            database.dispose()
            names = role_names(serve.pid, simulate.pid, list(watch.rss))
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)

    simulated = json.loads(results_file.read_text()) if results_file.exists() else []
    after_reboot = json.loads(reboot_file.read_text()) if reboot_file.exists() else []
    registered_at = {
        row["mac"]: row["boots"][0]["registered_at"]
        for row in simulated
        if row["boots"] and row["boots"][0]["registered_at"]
    }
    inventory_macs = [phone["mac"] for phone in phones]
    created = {phone["mac"]: datetime.fromisoformat(phone["created"]) for phone in phones}
    latencies = [
        created[mac].timestamp() - at for mac, at in registered_at.items() if mac in created
    ]
    simulators = {simulate.pid} | ({rebooted.pid} if rebooted is not None else set())
    server_pids = [pid for pid in watch.rss if pid not in simulators]
    assigned_users = {} if assignment is None else assignment.pop("users")

    def cpu_between(before: dict[int, float], after: dict[int, float]) -> dict[str, Any]:
        return {
            "server_cpu_seconds": round(
                sum(after.get(pid, 0.0) - before.get(pid, 0.0) for pid in server_pids), 1
            ),
            "server_cpu_by_process": {
                names.get(pid, str(pid)): round(after.get(pid, 0.0) - before.get(pid, 0.0), 1)
                for pid in server_pids
            },
        }

    log_text = server_log.read_text(errors="replace")
    report = {
        "phones": args.phones,
        "concurrency": args.concurrency,
        "all_in_inventory_after_s": all_visible_after,
        "register_to_visible_p50_s": percentile(latencies, 0.5) if latencies else None,
        "register_to_visible_p99_s": percentile(latencies, 0.99) if latencies else None,
        "in_inventory": len(set(inventory_macs)),
        "lost": len({row["mac"] for row in simulated} - set(inventory_macs)),
        "duplicated": len(inventory_macs) - len(set(inventory_macs)),
        "simulator_failures": sum(1 for row in simulated if row["failure"]),
        "simulator_exit_status": simulate_status,
        "server_log_errors": sum(
            1 for line in log_text.splitlines() if " ERROR " in line or "Traceback" in line
        ),
        "peak_rss_mib": {
            "server_total": round(sum(watch.rss[pid] for pid in server_pids), 1),
            "server_processes": {
                names.get(pid, str(pid)): round(watch.rss[pid], 1) for pid in server_pids
            },
            "simulator": round(watch.rss.get(simulate.pid, 0.0), 1),
        },
        "cpu_seconds": {
            "server_total": round(sum(storm_cpu.get(pid, 0.0) for pid in server_pids), 1),
            "server_processes": {
                names.get(pid, str(pid)): round(storm_cpu.get(pid, 0.0), 1) for pid in server_pids
            },
            "simulator": round(storm_cpu.get(simulate.pid, 0.0), 1),
        },
        "polls": polls,
        "assignment": None
        if assignment is None
        else {
            **assignment,
            **cpu_between(storm_cpu, assigned_cpu),
            "simulator_cpu_seconds": round(
                assigned_cpu.get(simulate.pid, 0.0) - storm_cpu.get(simulate.pid, 0.0), 1
            ),
            "phones_on_their_user": on_their_user(simulated, assigned_users),
        },
        "reboot": None
        if reboot is None or rebooted is None
        else {
            **reboot,
            **cpu_between(assigned_cpu, watch.cpu),
            "simulator_cpu_seconds": round(watch.cpu.get(rebooted.pid, 0.0), 1),
            "phones_on_their_user": on_their_user(after_reboot, assigned_users),
            "simulator_failures": sum(1 for row in after_reboot if row["failure"]),
        },
        "data_dir": str(data_dir),
    }
    rendered = json.dumps(report, indent=2)
    print(rendered)
    if args.out:
        args.out.write_text(rendered + "\n")
    ok = report["lost"] == 0 and report["duplicated"] == 0 and all_visible_after is not None
    if args.assign:
        ok = ok and assignment is not None and assignment["all_registered_after_s"] is not None
    if args.reboot:
        ok = ok and report["reboot"] is not None and report["reboot"]["simulator_exit_status"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
