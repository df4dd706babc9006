"""A sighting: the facts one auto-provisioning REGISTER gave about a phone."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Sighting:
    """One phone seen registering as the auto-provisioning identity."""

    mac: str
    unique_id: str
    model: str
    firmware: str
    ip: str
    seen_at: float

    @property
    def facts(self) -> tuple[str, str, str, str]:
        """What the inventory cares about; a sighting with the same facts adds only a time."""
        return (self.unique_id, self.model, self.firmware, self.ip)

    def to_payload(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}

    @classmethod
    def from_payload(cls, payload: dict[str, str]) -> Sighting:
        return cls(
            mac=payload["mac"],
            unique_id=payload["unique_id"],
            model=payload["model"],
            firmware=payload["firmware"],
            ip=payload["ip"],
            seen_at=float(payload["seen_at"]),
        )
