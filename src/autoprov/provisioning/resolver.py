"""The one resolver: (path, method, client facts) -> an answer, for all three doors.

It owns everything that is not transport: rate limiting, path confinement, MAC parsing,
the credentials policy, upload rules, the per-request registration file, and the log line of
every refusal. Refusals that point at an attacker or a misconfigured phone get one
``refused`` line. A phone asking for a file that does not exist (a normal boot) gets none,
and neither does the first challenge for credentials.

Database reads and writes run in worker threads. The site settings and each MAC's unique ID
are cached, so the busiest requests run without a database round trip, and rendered files
are kept by ``Documents``, so a repeated request costs no render.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from functools import lru_cache

import anyio.to_thread
from jinja2 import TemplateError
from sqlalchemy.exc import SQLAlchemyError

from autoprov.config import Settings
from autoprov.inventory.unique_ids import IdSpaceExhausted
from autoprov.logs import quote
from autoprov.polycom.files import APPLICATION_ONLY, PhoneFile
from autoprov.polycom.mac import has_oui
from autoprov.polycom.models import find_model
from autoprov.polycom.rendering import MalformedOutput, make_environment
from autoprov.polycom.useragent import PolycomAgent, Stage, parse_user_agent
from autoprov.polycom.xmlcheck import is_well_formed
from autoprov.provisioning.answers import (
    Answer,
    Refusal,
    Refused,
    Stored,
    StoredFile,
    UploadSlot,
)
from autoprov.provisioning.caching import Refreshing, Shared, TimedCache
from autoprov.provisioning.documents import Documents
from autoprov.provisioning.paths import BadPath, request_segments
from autoprov.provisioning.ratelimit import RateLimiter
from autoprov.provisioning.refusals import log_refusal
from autoprov.provisioning.request import Auth, Door, FileRequest, Method
from autoprov.provisioning.routes import Route, Target, route
from autoprov.provisioning.sightings import Sightings
from autoprov.provisioning.static import OutsideTree, StaticTree
from autoprov.provisioning.store import PhoneAccounts, SiteSnapshot, Store
from autoprov.provisioning.uploads import RULES, UploadStore

log = logging.getLogger("autoprov.provisioning")

SITE_TTL = 3.0
"""Site settings (and the unassigned-phone count) are re-read this often."""
PHONE_TTL = 2.0
"""How long the registration file trusts a phone's looked-up state (assigned or not)."""

NOT_FOUND = Refused(Refusal.NOT_FOUND, "not found")
CREDENTIALS_REQUIRED = Refused(Refusal.UNAUTHORIZED, "provisioning credentials required")
UNAVAILABLE = Refused(Refusal.UNAVAILABLE, "temporarily unavailable, try again")
_READS = frozenset({Method.GET, Method.HEAD})
# A fleet sends a handful of distinct User-Agent strings and asks for the same few paths,
# thousands of times each. (A refused path raises, and is never cached.)
_parse_agent = lru_cache(maxsize=1024)(parse_user_agent)


@lru_cache(maxsize=4096)
def _route(path: str, percent_encoded: bool) -> tuple[tuple[str, ...], Route]:
    segments = request_segments(path, percent_encoded=percent_encoded)
    return segments, route(segments)


_APPLICATION_TARGETS = frozenset({Target.REGISTRATION, Target.PROFILE})


class Resolver:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        processes: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``processes``: how many processes serve HTTP on the same port, each with a
        resolver. Each gets that share of the rate limit, so that no address ever gets more
        than the configured rate in total (one connection lands on one process)."""
        self._settings = settings
        self._store = store
        self._clock = clock
        self._site = Refreshing(store.snapshot, SITE_TTL, clock)
        templates = make_environment(settings.data_dir / "templates", clock)
        self._documents = Documents(templates, settings)
        self._static = StaticTree(settings.data_dir / "firmware", clock)
        self._uploads = UploadStore(settings.data_dir / "uploads")
        self._limiter = RateLimiter(settings.provision_rate_per_minute / processes)
        self._unique_ids: TimedCache[str, str] = TimedCache(None, 200_000, clock)
        self._reserving: Shared[str, str] = Shared()
        # One-tuples, so that "not in the inventory" is cached too.
        self._phones: TimedCache[str, tuple[PhoneAccounts | None]] = TimedCache(
            PHONE_TTL, 10_000, clock
        )
        self._looking_up: Shared[str, PhoneAccounts | None] = Shared()
        self.sightings = Sightings(store)

    @property
    def base_url(self) -> str:
        return self._documents.base_url

    async def credentials(self) -> tuple[str, str]:
        """The provisioning user and password phones must present for secret files."""
        site = (await self._site.get()).site
        return site.provision_user, site.provision_password

    async def resolve(self, request: FileRequest) -> Answer:
        client = request.client
        now = self._clock()
        if not self._limiter.allow(client.ip, now):
            if self._limiter.report_due(client.ip, now):
                log_refusal(client.ip, request.path, "rate-limit", client.door)
            return Refused(Refusal.TOO_MANY_REQUESTS, "too many requests")
        try:
            segments, found = _route(request.path, client.door is Door.HTTP)
        except BadPath as bad:
            return self._refuse(request, Refusal.NOT_FOUND, bad.reason, "not found")
        if request.method is Method.OTHER:
            return self._refuse(request, Refusal.METHOD_NOT_ALLOWED, "method", "not allowed")
        agent = _parse_agent(client.user_agent) if client.user_agent else None
        self._note_sighting(request, found, agent)
        try:
            return await self._answer(request, found, segments, agent)
        except (TemplateError, MalformedOutput):
            log.exception("template-error path=%s", quote(request.path[:200]))
            return Refused(Refusal.SERVER_ERROR, "configuration template error")
        except SQLAlchemyError:
            log.exception("database-error path=%s", quote(request.path[:200]))
            return UNAVAILABLE

    async def store(self, request: FileRequest, slot: UploadSlot, data: bytes) -> Stored | Refused:
        """Write an upload the resolver accepted: ``data`` is what arrived, possibly more than
        ``slot.max_bytes``, in which case nothing is written."""
        if len(data) > slot.max_bytes:
            return self._refuse(request, Refusal.PAYLOAD_TOO_LARGE, "too-large", "too large")
        if RULES[slot.kind].xml and not is_well_formed(data):
            return self._refuse(request, Refusal.BAD_REQUEST, "malformed-xml", "not well-formed")
        await anyio.to_thread.run_sync(self._uploads.write, PhoneFile(slot.kind, slot.mac), data)
        return Stored()

    def refuse_login(self, ip: str, door: Door) -> None:
        """A failed login: the FTP door has no path to refuse, only the attempt to log."""
        log_refusal(ip, "", "bad-credentials", door)

    async def _answer(
        self,
        request: FileRequest,
        found: Route,
        segments: tuple[str, ...],
        agent: PolycomAgent | None,
    ) -> Answer:
        if found.target is Target.UPLOADED:
            return await self._uploaded(request, found)
        if request.method not in _READS:
            return self._refuse(request, Refusal.FORBIDDEN, "not-uploadable", "not uploadable")
        match found.target:
            case Target.SITE_MASTER:
                return self._documents.site_master(self._static.images())
            case Target.SITE:
                return self._documents.site(await self._site.get())
            case Target.PHONE_MASTER:
                return await self._phone_master(found)
            case Target.REGISTRATION:
                return await self._registration(request, found, agent)
            case Target.PROFILE:
                return await self._profile(request, found)
            case _:
                return self._static_file(request, segments)

    async def _phone_master(self, found: Route) -> Answer:
        assert found.mac is not None
        phone = await self._phone(found.mac, fresh=True)
        if phone is None or not phone.lines:
            return NOT_FOUND
        return self._documents.phone_master(phone, self._static.images())

    async def _registration(
        self, request: FileRequest, found: Route, agent: PolycomAgent | None
    ) -> Answer:
        mac = found.mac
        assert mac is not None
        if not has_oui(mac, self._settings.polycom_ouis):
            return self._refuse(
                request, Refusal.FORBIDDEN, "not-polycom-mac", "not a Polycom MAC address"
            )
        model = None
        if request.client.door is Door.HTTP:
            if agent is None:
                return self._refuse(
                    request, Refusal.FORBIDDEN, "not-polycom-agent", "not a Polycom phone"
                )
            if find_model(agent.model) is None:
                return self._refuse(
                    request,
                    Refusal.FORBIDDEN,
                    "unknown-model",
                    f"unknown Polycom model {agent.model}",
                    detail=agent.model,
                )
            if agent.mac is not None and agent.mac != mac:
                return self._refuse(
                    request, Refusal.FORBIDDEN, "mac-mismatch", "MAC differs from User-Agent"
                )
            model = agent.model
        snapshot = await self._site.get()
        if not snapshot.site.autoprovision_enabled:
            return self._refuse(
                request, Refusal.FORBIDDEN, "autoprovision-off", "auto-provisioning is off"
            )
        phone = await self._phone(mac, fresh=False)
        if phone is not None and phone.lines:
            # An assigned phone boots from its own <mac>.cfg and never needs this file.
            return NOT_FOUND
        if phone is None and snapshot.unassigned_phones >= snapshot.site.unassigned_cap:
            return self._refuse(
                request, Refusal.UNAVAILABLE, "unassigned-cap", "too many unassigned phones"
            )
        try:
            unique_id = await self._unique_id(mac)
        except IdSpaceExhausted:
            return self._refuse(request, Refusal.UNAVAILABLE, "no-unique-id", "no free ID")
        return self._documents.registration(snapshot, mac, unique_id, model)

    async def _profile(self, request: FileRequest, found: Route) -> Answer:
        assert found.mac is not None
        snapshot = await self._site.get()
        if (refused := self._check_secret_access(request, snapshot)) is not None:
            return refused
        phone = await self._phone(found.mac, fresh=True)
        if phone is None or not phone.lines:
            return NOT_FOUND
        return self._documents.profile(snapshot, phone)

    async def _uploaded(self, request: FileRequest, found: Route) -> Answer:
        phone_file = found.phone_file
        assert phone_file is not None
        rule = RULES[phone_file.kind]
        client = request.client
        if request.method in _READS:
            snapshot = await self._site.get()
            if (refused := self._check_secret_access(request, snapshot)) is not None:
                return refused
            path = self._uploads.find(phone_file)
            if path is None:
                return NOT_FOUND
            found_stat = path.stat()
            return StoredFile(
                path, found_stat.st_size, found_stat.st_mtime, "application/octet-stream"
            )
        if client.door is Door.TFTP:
            return self._refuse(request, Refusal.FORBIDDEN, "read-only", "uploads need HTTP or FTP")
        if not has_oui(phone_file.mac, self._settings.polycom_ouis):
            return self._refuse(
                request, Refusal.FORBIDDEN, "not-polycom-mac", "not a Polycom MAC address"
            )
        if client.door is Door.HTTP and (
            client.user_agent is None or _parse_agent(client.user_agent) is None
        ):
            return self._refuse(
                request, Refusal.FORBIDDEN, "not-polycom-agent", "not a Polycom phone"
            )
        if rule.needs_credentials:
            snapshot = await self._site.get()
            if (refused := self._check_secret_access(request, snapshot)) is not None:
                return refused
        return UploadSlot(phone_file.mac, phone_file.kind, rule.max_bytes)

    def _static_file(self, request: FileRequest, segments: tuple[str, ...]) -> Answer:
        if not segments:
            return NOT_FOUND
        try:
            found = self._static.find(segments)
        except OutsideTree:
            return self._refuse(request, Refusal.NOT_FOUND, "outside-root", "not found")
        return found if found is not None else NOT_FOUND

    def _check_secret_access(self, request: FileRequest, snapshot: SiteSnapshot) -> Refused | None:
        """Files holding a user's password (or read back into a phone's configuration) need the
        provisioning credentials and, when networks are configured, an address inside them."""
        client = request.client
        site = snapshot.site
        auth = client.auth
        if not isinstance(auth, Auth):
            auth = auth(site.provision_user, site.provision_password)
        if auth is Auth.NONE:
            return CREDENTIALS_REQUIRED
        if auth is Auth.INVALID:
            return self._refuse(
                request, Refusal.UNAUTHORIZED, "bad-credentials", "wrong provisioning credentials"
            )
        networks = site.provision_networks
        if networks:
            address = ipaddress.ip_address(client.ip)
            if not any(address in ipaddress.ip_network(net, strict=False) for net in networks):
                return self._refuse(
                    request, Refusal.FORBIDDEN, "network", "not from an allowed network"
                )
        return None

    async def _phone(self, mac: str, *, fresh: bool) -> PhoneAccounts | None:
        """The phone and its lines. ``fresh`` reads the database for this request alone: an
        assignment must show in ``<mac>.cfg`` and the profile as soon as it is committed.
        Otherwise the state may be up to ``PHONE_TTL`` old, so requests arriving together may
        share one read."""
        if fresh:
            return await self._look_up_phone(mac)
        if (cached := self._phones.get(mac)) is not None:
            return cached[0]
        return await self._looking_up.run(mac, lambda: self._look_up_phone(mac))

    async def _look_up_phone(self, mac: str) -> PhoneAccounts | None:
        phone = await anyio.to_thread.run_sync(self._store.phone, mac)
        self._phones.put(mac, (phone,))
        return phone

    async def _unique_id(self, mac: str) -> str:
        unique_id = self._unique_ids.get(mac)
        if unique_id is not None:
            return unique_id
        # A phone's requests arriving together (or a retry storm) share one reservation
        # rather than each queueing for the database's write lock.
        return await self._reserving.run(mac, lambda: self._reserve_unique_id(mac))

    async def _reserve_unique_id(self, mac: str) -> str:
        unique_id = await anyio.to_thread.run_sync(self._store.reserve_unique_id, mac)
        self._unique_ids.put(mac, unique_id)
        return unique_id

    def _note_sighting(
        self, request: FileRequest, found: Route, agent: PolycomAgent | None
    ) -> None:
        """Note which phone asked, from where, and its application firmware when the request
        is known to come from the application (never from the updater or BootROM)."""
        client = request.client
        if client.door is Door.HTTP and agent is None:
            return
        mac = found.mac or (agent.mac if agent else None)
        if mac is None:
            return
        firmware = None
        if agent is not None:
            app_only = found.target in _APPLICATION_TARGETS or (
                found.phone_file is not None and found.phone_file.kind in APPLICATION_ONLY
            )
            if agent.stage is Stage.APPLICATION or (agent.stage is None and app_only):
                firmware = agent.version
        self.sightings.note(mac, client.ip, firmware)

    def _refuse(
        self,
        request: FileRequest,
        refusal: Refusal,
        reason: str,
        message: str,
        *,
        detail: str | None = None,
    ) -> Refused:
        client = request.client
        log_refusal(client.ip, request.path, reason, client.door, detail=detail)
        return Refused(refusal, message)
