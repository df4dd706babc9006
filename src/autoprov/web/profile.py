"""The phone's generated configuration as the admin sees it: rendered by the provisioning
server's own documents and templates (overrides in ``<data_dir>/templates`` included), with
every password masked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import TemplateError
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.inventory.records import PhoneRecord
from autoprov.polycom.rendering import MalformedOutput, make_environment
from autoprov.provisioning.documents import Documents
from autoprov.provisioning.routes import REGISTRATION_DIRECTORY, profile_name
from autoprov.provisioning.store import Store

MASK = "********"
# An XML attribute whose name ends in "password" (reg.1.auth.password, device.prov.password).
_PASSWORD_ATTRIBUTE = re.compile(
    r"""(?P<name>\b[\w.]*password\s*=\s*)(?P<quote>["'])(?P<value>.*?)(?P=quote)""",
    re.IGNORECASE | re.DOTALL,
)


def mask_passwords(text: str) -> str:
    return _PASSWORD_ATTRIBUTE.sub(
        lambda found: f"{found['name']}{found['quote']}{MASK}{found['quote']}", text
    )


@dataclass(frozen=True, slots=True)
class ShownFile:
    name: str
    """The file's name on the provisioning server."""
    text: str
    error: bool = False
    """``text`` explains why the file could not be rendered."""


class ProfileViewer:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._store = Store(engine, settings)
        self._documents = Documents(make_environment(settings.data_dir / "templates"), settings)

    def show(self, phone: PhoneRecord) -> ShownFile | None:
        """The file a phone gets now: its profile once it has a line, else its registration
        file (the auto-provisioning identity). None for a phone gone from the inventory."""
        accounts = self._store.phone(phone.mac)
        if accounts is None:
            return None
        if accounts.lines:
            name = profile_name(phone.mac)
        elif phone.unique_id is not None:
            name = f"{REGISTRATION_DIRECTORY}/{phone.mac}-registration.cfg"
        else:
            return None
        try:
            snapshot = self._store.snapshot()
            if accounts.lines:
                shown = self._documents.profile(snapshot, accounts)
            else:
                assert phone.unique_id is not None
                shown = self._documents.registration(
                    snapshot, phone.mac, phone.unique_id, phone.model
                )
        except (TemplateError, MalformedOutput) as error:
            return ShownFile(name, f"The template could not be rendered: {error}", error=True)
        return ShownFile(name, mask_passwords(shown.body.decode("utf-8", errors="replace")))
