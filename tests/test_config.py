"""Settings that are worked out rather than read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from autoprov.config import Settings


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (16, 2)])
def test_provisioning_http_workers_follow_the_cores_unless_set(
    monkeypatch: pytest.MonkeyPatch, cores: int, expected: int
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(cores)))
    assert Settings().http_workers == expected
    assert Settings(provision_http_workers=3).http_workers == 3
    monkeypatch.setenv("AUTOPROV_PROVISION_HTTP_WORKERS", "1")
    assert Settings().http_workers == 1


def test_provisioning_http_workers_cannot_be_negative() -> None:
    with pytest.raises(ValidationError):
        Settings(provision_http_workers=-1)


def test_time_server_is_one_host_written_as_given() -> None:
    assert Settings(time_server=" ntp.example.net ").time_server == "ntp.example.net"
    for bad in ("", "ntp one", 'ntp"x'):
        with pytest.raises(ValidationError, match="host name or an IP address"):
            Settings(time_server=bad)
