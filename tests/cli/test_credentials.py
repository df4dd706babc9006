from __future__ import annotations

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.bootstrap import CONFIG_FILE_NAME
from autoprov.storage.commands import CommandKind, commands_after
from autoprov.storage.models import User
from tests.cli.conftest import Invoke, RunningApi


def test_token_prints_a_bearer_token_the_api_takes(run: Invoke, api: RunningApi) -> None:
    admin_token = run("token").stdout.strip()
    service_token = run("token", "--service").stdout.strip()
    assert admin_token and service_token and admin_token != service_token
    as_admin = httpx.get(
        f"{api.url}/api/v1/users", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert as_admin.status_code == 200
    as_service = httpx.get(
        f"{api.url}/api/v1/users", headers={"Authorization": f"Bearer {service_token}"}
    )
    assert as_service.status_code == 403


def _autoprovision_password(engine: Engine) -> str | None:
    with Session(engine) as session:
        return session.scalar(select(User.password).where(User.username == AUTOPROVISION_USER))


def test_rotating_the_autoprovision_password(
    run: Invoke, db: Engine, environment: Settings
) -> None:
    before = _autoprovision_password(db)
    rotated = run("rotate-autoprovision-password")
    assert rotated.exit_code == 0
    after = _autoprovision_password(db)
    assert after and after != before
    config = (environment.data_dir / CONFIG_FILE_NAME).read_text()
    assert f"sip_password={after}\n" in config
    with Session(db) as session:
        kinds = [command.kind for command in commands_after(session, 0)]
    assert kinds == [CommandKind.CREDENTIALS_CHANGED]
