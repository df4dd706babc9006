"""Services starting together on a fresh database all read the same secrets."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.bootstrap import Secrets, read_secrets
from autoprov.storage.models import Setting, User

READERS = 4
ROUNDS = 5


def _forget_secrets(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(User).where(User.username == AUTOPROVISION_USER))
        session.execute(delete(Setting).where(Setting.key.startswith("generated.")))


def _read(start: threading.Barrier, engine: Engine, settings: Settings) -> Secrets:
    start.wait(timeout=30)
    return read_secrets(engine, settings)


def test_readers_racing_on_a_fresh_database_agree(engine: Engine, settings: Settings) -> None:
    for _ in range(ROUNDS):
        _forget_secrets(engine)
        start = threading.Barrier(READERS)
        with ThreadPoolExecutor(READERS) as pool:
            readers = [pool.submit(_read, start, engine, settings) for _ in range(READERS)]
            found = [reader.result() for reader in readers]
        assert len({secrets.service_token for secrets in found}) == 1
        assert len({secrets.autoprovision_password for secrets in found}) == 1
        with Session(engine) as session:
            users = session.scalar(select(func.count()).where(User.username == AUTOPROVISION_USER))
        assert users == 1
