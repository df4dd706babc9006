"""How patient an emulated phone is on the SIP side."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SipTimers:
    t1: float = 0.5
    """RFC 3261 T1: the first retransmission interval (Timer E starts at T1, F fires at 64*T1)."""
    t2: float = 4.0
    """RFC 3261 T2: the cap of the retransmission interval."""
    register_attempts: int = 4
    """REGISTER transactions tried (after a timeout or a 5xx) before the boot fails."""
    retry_delay: float = 2.0
    """Pause before trying again; doubles each time, with jitter."""
