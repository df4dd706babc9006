"""What each emulated phone did: its boots, the time each step took, how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from autoprov.config import AUTOPROVISION_USER


class Step(Enum):
    MASTER_FILE = "master file"
    """Updater stage: ``<mac>.cfg``, then ``000000000000.cfg`` when that is 404."""
    CONFIG_FILES = "registration file"
    """Application stage: every CONFIG_FILES entry (the registration file on a new phone)."""
    REGISTER = "REGISTER"
    """First REGISTER sent to the last line's 200 OK, digest challenge included."""
    TOTAL = "total"
    """Power on (or reboot) to every line registered."""


class PhoneState(Enum):
    OFF = "off"
    UPDATER = "updater"
    APPLICATION = "application"
    REGISTERING = "registering"
    RUNNING = "running"
    REBOOTING = "rebooting"
    FAILED = "failed"


@dataclass(slots=True)
class BootRecord:
    number: int
    """1 for the power-on boot, then one more per reboot."""
    own_config: bool = False
    """Whether ``<mac>.cfg`` answered 200 (an assigned phone) instead of 404."""
    steps: dict[Step, float] = field(default_factory=dict)
    registered_as: tuple[str, ...] = ()
    registered_at: float | None = None
    """Wall-clock time (``time.time()``) of the first line's first 200 OK in this boot."""


@dataclass(slots=True)
class PhoneResult:
    mac: str
    model: str
    state: PhoneState = PhoneState.OFF
    boots: list[BootRecord] = field(default_factory=list)
    failure: str | None = None
    screen_label: str = ""
    """``reg.1.label``: the unique ID an unassigned phone shows on its screen."""
    registered_users: tuple[str, ...] = ()
    """Users whose registration is current right now."""
    ever_registered: set[str] = field(default_factory=set)

    @property
    def booted(self) -> bool:
        return any(boot.registered_as for boot in self.boots)

    @property
    def failed(self) -> bool:
        return self.failure is not None


@dataclass(frozen=True, slots=True)
class Milestones:
    """What a phone has reached so far, each at most once."""

    booted_or_failed: bool = False
    auto_provisioned: bool = False
    """Registered as the auto-provisioning identity."""
    registered_as_user: bool = False

    @classmethod
    def of(cls, phone: PhoneResult) -> Milestones:
        return cls(
            booted_or_failed=phone.booted or phone.failed,
            auto_provisioned=AUTOPROVISION_USER in phone.ever_registered,
            registered_as_user=any(name != AUTOPROVISION_USER for name in phone.ever_registered),
        )


@dataclass(slots=True)
class FleetTally:
    """How many phones reached each milestone, counted as they reach it: a progress display
    reads these instead of scanning thousands of phones several times a second."""

    booted_or_failed: int = 0
    auto_provisioned: int = 0
    registered_as_user: int = 0

    def advance(self, before: Milestones, after: Milestones) -> None:
        self.booted_or_failed += after.booted_or_failed and not before.booted_or_failed
        self.auto_provisioned += after.auto_provisioned and not before.auto_provisioned
        self.registered_as_user += after.registered_as_user and not before.registered_as_user
