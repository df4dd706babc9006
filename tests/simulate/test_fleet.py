from __future__ import annotations

from collections import Counter

import pytest

from autoprov.simulate.fleet import DEFAULT_MODELS, UnknownModel, make_fleet


def test_fleet_mixes_the_models_with_part_numbers() -> None:
    fleet = make_fleet(400, DEFAULT_MODELS, seed=2)
    counts = Counter(spec.model.ua_token for spec in fleet)
    assert set(counts) == set(DEFAULT_MODELS)
    assert all(spec.model.part_number for spec in fleet)
    assert len({spec.mac for spec in fleet}) == 400


def test_fleet_is_reproducible() -> None:
    assert make_fleet(20, DEFAULT_MODELS, seed=5) == make_fleet(20, DEFAULT_MODELS, seed=5)


def test_unknown_model_is_named() -> None:
    with pytest.raises(UnknownModel, match="VVX_999"):
        make_fleet(1, ("VVX_410", "VVX_999"), seed=1)
