"""The two provisioning stages of a boot, as the phone's file requests (POLYCOM.md §1.4, §7).

Updater: ``<mac>.cfg`` (404 while unassigned), ``000000000000.cfg``, the firmware image when
the server offers a different one, the boot log upload. Application: the master file again,
CONFIG_FILES left to right, override files, licenses and directories.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from autoprov.polycom.mac import MASTER_MAC
from autoprov.simulate.bootserver import BootServer, expand_placeholders
from autoprov.simulate.fetcher import Fetcher
from autoprov.simulate.fleet import PhoneSpec
from autoprov.simulate.lines import LineConfig, configured_lines
from autoprov.simulate.master import MasterFile, parse_master_file
from autoprov.simulate.params import ConfigParams
from autoprov.simulate.results import BootRecord, Step


class BootError(Exception):
    """Why a phone gave up; it becomes the phone's failure reason."""


@dataclass(slots=True)
class Flash:
    """What survives a reboot."""

    image: str | None = None
    """Validator (ETag, or size and date) of the firmware image last written."""


@dataclass(frozen=True, slots=True)
class Application:
    """What the application stage learned: every parameter and the lines to register."""

    params: ConfigParams
    lines: tuple[LineConfig, ...]


class BootFiles:
    """One phone's view of the boot server."""

    def __init__(self, spec: PhoneSpec, server: BootServer) -> None:
        self._spec = spec
        self._server = server

    def _expand(self, text: str) -> str:
        return expand_placeholders(text, self._spec.mac, self._spec.model.part_number)

    async def updater_stage(self, fetcher: Fetcher, record: BootRecord, flash: Flash) -> None:
        master = await self._master_file(fetcher, record)
        await self._update_firmware(fetcher, master, flash)
        await self._upload_boot_log(fetcher, master, record)

    async def application_stage(
        self, fetcher: Fetcher, record: BootRecord, max_lines: int
    ) -> Application:
        master = await self._master_file(fetcher, record)
        mac = self._spec.mac

        started = time.monotonic()
        bodies: list[tuple[str, bytes]] = []
        missing: list[str] = []
        for entry in master.config_files:
            name = self._expand(entry)
            fetched = await fetcher.get(self._server.locate(name))
            if fetched.ok:
                bodies.append((name, fetched.body))
            else:
                missing.append(f"{name} ({fetched.status})")
        record.steps[Step.CONFIG_FILES] = time.monotonic() - started

        # Changes made on the phone or its web UI outrank the CONFIG_FILES.
        params = ConfigParams()
        overrides = self._expand(master.overrides_dir)
        for name in (f"{mac}-phone.cfg", f"{mac}-web.cfg"):
            fetched = await fetcher.get(self._server.locate(name, overrides))
            if fetched.ok:
                params.add_file(fetched.body, name)
        for name, body in bodies:
            params.add_file(body, name)

        # Licenses and directories: a phone asks, and a 404 is an ordinary answer.
        licenses = self._expand(master.license_dir)
        contacts = self._expand(master.contacts_dir)
        for name, directory in (
            (f"{MASTER_MAC}-license.cfg", licenses),
            (f"{mac}-license.cfg", licenses),
            (f"{mac}-directory.xml", contacts),
            (f"{MASTER_MAC}-directory.xml", contacts),
        ):
            await fetcher.get(self._server.locate(name, directory))

        lines = configured_lines(params, max_lines)
        if not lines:
            detail = f" (missing: {', '.join(missing)})" if missing else ""
            raise BootError(f"no line configured{detail}")
        return Application(params, lines)

    async def _master_file(self, fetcher: Fetcher, record: BootRecord) -> MasterFile:
        """``<mac>.cfg`` first (404 while the phone is unassigned), then ``000000000000.cfg``."""
        started = time.monotonic()
        fetched = await fetcher.get(self._server.locate(f"{self._spec.mac}.cfg"))
        if fetched.ok:
            record.own_config = True
        else:
            fetched = await fetcher.get(self._server.locate(f"{MASTER_MAC}.cfg"))
            if not fetched.ok:
                raise BootError(f"no master file: {MASTER_MAC}.cfg answered {fetched.status}")
        master = parse_master_file(fetched.body, self._spec.model.master_key)
        record.steps.setdefault(Step.MASTER_FILE, time.monotonic() - started)
        return master

    async def _update_firmware(self, fetcher: Fetcher, master: MasterFile, flash: Flash) -> None:
        """Download the image only when the server offers one that differs from flash."""
        if not master.app_file_path:
            return
        name = self._expand(master.app_file_path)
        part = self._spec.model.part_number
        if name == master.app_file_path and "/" not in name and part:
            # A plain ``sip.ld`` names the split image ``<part>.sip.ld`` (POLYCOM.md §1.4).
            name = f"{part}.{name}"
        location = self._server.locate(name)
        offered = await fetcher.head(location)
        if not offered.ok:
            return
        validator = offered.header("etag") or (
            f"{offered.header('content-length')}/{offered.header('last-modified')}"
        )
        if validator == flash.image:
            return
        if (await fetcher.get(location)).ok:
            flash.image = validator

    async def _upload_boot_log(
        self, fetcher: Fetcher, master: MasterFile, record: BootRecord
    ) -> None:
        spec = self._spec
        body = f"boot {record.number} {spec.model.ua_token} {spec.firmware} {spec.mac}\n"
        location = self._server.locate(f"{spec.mac}-boot.log", self._expand(master.log_dir))
        # A refused upload does not stop a real phone either.
        await fetcher.put(location, body.encode())
