from __future__ import annotations

from pathlib import Path

import pytest

from autoprov.polycom.profile import LineConfig, Registrar, SiteConfig, render_profile
from autoprov.polycom.rendering import (
    RELOAD_INTERVAL,
    MalformedOutput,
    make_environment,
    render,
    template_names,
)
from tests.polycom.xmlfile import parameters

MAC = "0004f2aabbcc"
LINE = LineConfig(1, "1001", "1001", "secret", "Desk", "Front Desk", "1001")
REGISTRAR = Registrar("pbx.example.com", 5060)


def profile(override_dir: Path | None, *, mac: str = MAC, model: str | None = "VVX_410") -> bytes:
    env = make_environment(override_dir)
    return render_profile(env, [LINE], REGISTRAR, SiteConfig("pool.ntp.org"), mac=mac, model=model)


def test_most_specific_template_first() -> None:
    assert template_names("profile", mac=MAC, model="VVX_410") == [
        f"profile-{MAC}.cfg.j2",
        "profile-VVX_410.cfg.j2",
        "profile.cfg.j2",
    ]
    assert template_names("site") == ["site.cfg.j2"]


def test_package_template_without_overrides(tmp_path: Path) -> None:
    assert parameters(profile(tmp_path))["reg.1.address"] == "1001"


def test_override_per_model(tmp_path: Path) -> None:
    (tmp_path / "profile-VVX_410.cfg.j2").write_text(
        '<polycomConfig reg.1.address="{{ lines[0].address }}" custom.model="410"/>\n'
    )
    assert parameters(profile(tmp_path))["custom.model"] == "410"
    assert "custom.model" not in parameters(profile(tmp_path, model="VVX_500"))


def test_override_per_phone_wins_over_model(tmp_path: Path) -> None:
    (tmp_path / "profile-VVX_410.cfg.j2").write_text('<polycomConfig custom.model="410"/>\n')
    (tmp_path / f"profile-{MAC}.cfg.j2").write_text('<polycomConfig custom.phone="yes"/>\n')
    assert parameters(profile(tmp_path)) == {"custom.phone": "yes"}
    assert parameters(profile(tmp_path, mac="0004f2000001")) == {"custom.model": "410"}


def test_general_override_replaces_the_package_template(tmp_path: Path) -> None:
    (tmp_path / "profile.cfg.j2").write_text('<polycomConfig everyone="1"/>\n')
    assert parameters(profile(tmp_path, model=None)) == {"everyone": "1"}


def test_partials_can_be_overridden(tmp_path: Path) -> None:
    (tmp_path / "site-settings.xml.j2").write_text('  <site tcpIpApp.sntp.address="ntp.lan"/>\n')
    assert parameters(profile(tmp_path))["tcpIpApp.sntp.address"] == "ntp.lan"


def test_generation_changes_when_the_templates_do(tmp_path: Path) -> None:
    clock = [0.0]
    env = make_environment(tmp_path, lambda: clock[0])
    start = env.generation()
    override = tmp_path / "profile.cfg.j2"
    override.write_text('<polycomConfig edition="1"/>\n')
    assert env.generation() == start  # listed again only every RELOAD_INTERVAL
    clock[0] += RELOAD_INTERVAL
    added = env.generation()
    clock[0] += RELOAD_INTERVAL
    assert added != start and env.generation() == added  # nothing changed since
    override.write_text('<polycomConfig edition="two"/>\n')
    clock[0] += RELOAD_INTERVAL
    assert env.generation() not in {start, added}


def test_override_rendering_malformed_xml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "profile.cfg.j2").write_text("<polycomConfig unclosed='1'>\n")
    with pytest.raises(MalformedOutput, match=r"profile\.cfg\.j2"):
        profile(tmp_path)


@pytest.mark.parametrize(
    "value",
    [
        "quote \" apostrophe ' amp & lt < gt >",
        "tab\tnewline\ncr\r",
        "nul\x00 bell\x07 ok",
        "Zoë 東京",
    ],
)
def test_values_survive_the_round_trip(value: str) -> None:
    env = make_environment()
    data = render(env, "site", {"site": SiteConfig(time_server=value)})
    expected = value.replace("\x00", "").replace("\x07", "")
    assert parameters(data)["tcpIpApp.sntp.address"] == expected
