from __future__ import annotations

import pytest

from autoprov.polycom.mac import MASTER_MAC, has_oui, is_mac
from autoprov.simulate.macs import POLYCOM_OUIS, generate_macs


def test_macs_are_distinct_polycom_and_lowercase() -> None:
    macs = generate_macs(3000, seed=7)
    assert len(macs) == 3000
    assert len(set(macs)) == 3000
    assert all(is_mac(mac) and has_oui(mac, list(POLYCOM_OUIS)) for mac in macs)
    assert MASTER_MAC not in macs


def test_every_oui_is_used() -> None:
    macs = generate_macs(30, seed=1)
    assert {mac[:6] for mac in macs} == set(POLYCOM_OUIS)


def test_same_seed_same_macs_other_seed_other_macs() -> None:
    assert generate_macs(50, seed=3) == generate_macs(50, seed=3)
    assert generate_macs(50, seed=3) != generate_macs(50, seed=4)


def test_too_many_macs_for_the_ouis() -> None:
    with pytest.raises(ValueError, match="at most"):
        generate_macs((1 << 24) + 1, seed=0, ouis=("0004f2",))
