from __future__ import annotations

import pytest

from autoprov.simulate.params import ConfigParams
from autoprov.simulate.xmlfile import ConfigError


def test_first_occurrence_wins_across_and_within_files() -> None:
    params = ConfigParams()
    params.add_file(b'<polycomConfig a="1"><x a="2" b="3"/></polycomConfig>', "one.cfg")
    added = params.add_file(b'<PHONE><REGISTRATION b="4" c="5"/></PHONE>', "two.cfg")
    assert (params.get("a"), params.get("b"), params.get("c")) == ("1", "3", "5")
    assert added == 1
    assert "c" in params and "d" not in params
    assert params.get("d", "dflt") == "dflt"


def test_broken_file_is_named() -> None:
    with pytest.raises(ConfigError, match=r"site\.cfg"):
        ConfigParams().add_file(b"<unclosed", "site.cfg")
