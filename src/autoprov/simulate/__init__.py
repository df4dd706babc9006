"""Emulated Polycom phones for demos, end-to-end tests and load: ``autoprov simulate``.

Each phone follows the real boot sequence over real sockets (POLYCOM.md sections 1.4, 2, 4
and 7); :class:`Simulator` runs a fleet of them in one asyncio loop.
"""

from autoprov.simulate.results import BootRecord, PhoneResult, PhoneState, Step
from autoprov.simulate.simulator import Simulator, SimulatorConfig

__all__ = ["BootRecord", "PhoneResult", "PhoneState", "Simulator", "SimulatorConfig", "Step"]
