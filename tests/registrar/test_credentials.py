from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.registrar.credentials import CredentialCache, load_passwords
from autoprov.storage.models import User


def test_load_and_replace(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.add(User(username="1001", password="secret-1"))
    cache = CredentialCache(load_passwords(engine))
    assert cache.password("1001") == "secret-1"
    assert cache.password("1002") is None
    with Session(engine) as session, session.begin():
        session.add(User(username="1002", password="secret-2"))
    cache.replace(load_passwords(engine))
    assert cache.password("1002") == "secret-2"
    assert len(cache) == 2
