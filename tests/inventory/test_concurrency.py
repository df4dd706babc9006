"""Two processes create the same phones at the same moment: each MAC ends up once."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

from sqlalchemy import Engine, func, select

from autoprov.inventory.phones import create_phone
from autoprov.storage.db import make_engine, session_factory
from autoprov.storage.models import Phone, UniqueId

ROUNDS = 15


def _mac(round_: int) -> str:
    return f"0004f2{round_:06x}"


def _create_all(
    url: str, barrier: Barrier, results: multiprocessing.Queue[tuple[str, bool]]
) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)
    for round_ in range(ROUNDS):
        barrier.wait(timeout=30)
        with sessions() as session:
            phone, created = create_phone(session, _mac(round_), "VVX_410")
            session.commit()
        results.put((phone.mac, created))
    engine.dispose()


def test_two_processes_creating_the_same_macs_make_one_phone_each(engine: Engine) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results: multiprocessing.Queue[tuple[str, bool]] = context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_create_all, args=(url, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in range(2 * ROUNDS)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    for round_ in range(ROUNDS):
        created = [flag for mac, flag in outcomes if mac == _mac(round_)]
        assert sorted(created) == [False, True], _mac(round_)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count(Phone.id))) == ROUNDS
        assert session.scalar(select(func.count()).select_from(UniqueId)) == ROUNDS
