"""The registrar in several processes: every AOR served by its owner whichever way it comes
(UDP, TCP, SIPp, a client of our own), the bindings kept and restored by their owner, the
counters added up, and a worker's death ending the registrar rather than leaving it half."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.registrar.service import run
from autoprov.registrar.sharding import shard_of
from autoprov.storage.models import Binding as BindingRow
from tests.helpers import free_port
from tests.registrar.conftest import add_users, start_registrar
from tests.registrar.processes import configured, eventually
from tests.registrar.sipclient import digest_authorization
from tests.registrar.test_clients import sipp_registers
from tests.registrar.test_registrar import expires_of

PROCESSES = 2


def users_on(shard: int, count: int) -> dict[str, str]:
    """``count`` users whose AOR the process ``shard`` owns."""
    found: dict[str, str] = {}
    number = 0
    while len(found) < count:
        number += 1
        name = f"user{number:06d}"
        if shard_of(name, PROCESSES) == shard:
            found[name] = f"pass{number:06d}"
    return found


def stored_bindings(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(BindingRow)) or 0


def workers() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name.startswith("autoprov-registrar")]


async def test_a_worker_holds_its_aors_and_answers_for_them(
    settings: Settings, engine: Engine
) -> None:
    [(user, password)] = users_on(1, 1).items()
    [(local_user, local_password)] = users_on(0, 1).items()
    add_users(engine, {user: password, local_user: local_password})
    running = await start_registrar(settings, engine, registrar_processes=PROCESSES)
    try:
        assert len(workers()) == PROCESSES - 1
        first, second = await running.client(), await running.client()
        one = f"<sip:{user}@192.0.2.1>"
        assert (await first.register(user, password, contact=one)).status == 200
        reply = await second.register(user, password, contact=f"<sip:{user}@192.0.2.2>")
        assert reply.status == 200
        # the second answer lists both contacts: one process holds the AOR's bindings
        assert set(expires_of(reply.headers("Contact"))) == {
            f"sip:{user}@192.0.2.1",
            f"sip:{user}@192.0.2.2",
        }
        # ... and it is not this one
        location = running.service.location
        assert location.bindings(user, 0) == []
        assert (await first.register(local_user, local_password)).status == 200
        assert len(location.bindings(local_user, 0)) == 1

        # whichever process reads it, a retransmission reaches the owner, whose transaction
        # answers it again, byte for byte: a challenge (8 tries: each process reads about
        # half), and below an answer to credentials, without a second registration
        unauthenticated = first.register_bytes(user, contact=one)
        challenge = await first.send(unauthenticated)
        assert challenge.status == 401
        for _ in range(8):
            assert (await first.send(unauthenticated)).raw == challenge.raw

        def answered(nc: int) -> bytes:
            """The REGISTER answering the challenge, with this nonce-count."""
            authorization = digest_authorization(
                challenge.headers("WWW-Authenticate")[0],
                username=user,
                password=password,
                method="REGISTER",
                uri=f"sip:{settings.domain}",
                nc=nc,
            )
            headers = (f"Authorization: {authorization}",)
            return first.register_bytes(user, contact=one, headers=headers)

        request = answered(1)
        answer = await first.send(request)
        assert answer.status == 200
        for _ in range(3):
            assert (await first.send(request)).raw == answer.raw
        # line ends before the start line (which the parser skips) do not hide the owner,
        # whichever process reads the request (8 tries: each process reads about half)
        for nc in range(2, 10):
            answer = await first.send(b"\r\n\r\n" + answered(nc))
            assert answer.status == 200
            assert len(expires_of(answer.headers("Contact"))) == 2

        # the counters on /metrics add the worker's to this process's
        async def counted() -> bool:
            counters = running.service.counters()
            return counters["registrar_registrations_ok_total"] == 12

        assert await eventually(counted, 5)
        assert running.service.counters()["registrar_bindings"] == 3
        # and both processes write their bindings behind
        assert await eventually(lambda: _true(stored_bindings(engine) == 3), 5)
    finally:
        await running.service.stop()
    assert workers() == []

    # restarted, each process takes back its own bindings
    running = await start_registrar(settings, engine, registrar_processes=PROCESSES)
    try:
        client = await running.client()
        reply = await client.register(user, password, contact=f"<sip:{user}@192.0.2.3>")
        assert len(expires_of(reply.headers("Contact"))) == 3
        assert running.service.location.bindings(user, 0) == []
    finally:
        await running.service.stop()


async def _true(value: bool) -> bool:
    return value


@pytest.mark.parametrize("transport", ["u1", "t1"])
async def test_sipp_registers_users_of_every_process(
    settings: Settings, engine: Engine, tmp_path: Path, transport: str
) -> None:
    count = 600
    add_users(engine, {f"user{i:06d}": f"pass{i:06d}" for i in range(1, count + 1)})
    running = await start_registrar(
        settings, engine, register_plugins=[], registrar_processes=PROCESSES
    )
    try:
        assert await sipp_registers(tmp_path, running.address, count, transport) == count
        here = len(running.service.location)
        # the first process answered for its share only, the worker for the rest
        assert here == sum(shard_of(f"user{i:06d}", PROCESSES) == 0 for i in range(1, count + 1))
        assert 0 < here < count
        assert await eventually(lambda: _true(stored_bindings(engine) == count), 5)
    finally:
        await running.service.stop()


async def start_run(settings: Settings) -> asyncio.Task[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(run(settings, on_ready=lambda _: ready.set()))
    await asyncio.wait_for(ready.wait(), 60)
    return task


def port_is_free(port: int) -> bool:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        probe.close()
    return True


async def test_a_worker_that_crashes_ends_the_registrar_with_an_error(
    settings: Settings, engine: Engine
) -> None:
    settings = configured(
        settings,
        register_plugins=[],
        registrar_processes=PROCESSES,
        registrar_metrics_port=free_port(),
    )
    task = await start_run(settings)
    async with httpx.AsyncClient() as http:
        page = await http.get(f"http://127.0.0.1:{settings.registrar_metrics_port}/metrics")
    assert "autoprov_registrar_bindings 0.0" in page.text
    [worker] = workers()
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="worker process exited"):
        await asyncio.wait_for(task, 30)
    # ... and stopped whole: the port is free for the restart that follows
    assert port_is_free(settings.sip_port)


async def test_a_signal_to_every_process_is_a_clean_stop(
    settings: Settings, engine: Engine
) -> None:
    """As Ctrl-C in a terminal, or a service manager that signals the whole group: the worker
    may stop before the first process has heard of it."""
    settings = configured(settings, register_plugins=[], registrar_processes=PROCESSES)
    task = await start_run(settings)
    [worker] = workers()
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGTERM)
    await asyncio.wait_for(task, 30)  # returns: no error
    assert port_is_free(settings.sip_port)
