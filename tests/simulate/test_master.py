from __future__ import annotations

import pytest

from autoprov.simulate.master import parse_master_file
from autoprov.simulate.xmlfile import ConfigError

DISTRIBUTION = b"""<?xml version="1.0" standalone="yes"?>
<APPLICATION APP_FILE_PATH="sip.ld"
  CONFIG_FILES="http://10.0.0.1:8080/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg, site.cfg"
  MISC_FILES="" LOG_FILE_DIRECTORY="logs" OVERRIDES_DIRECTORY="./overrides"
  CONTACTS_DIRECTORY="contacts" LICENSE_DIRECTORY="">
  <APPLICATION_VVX410 APP_FILE_PATH_VVX410="[PHONE_PART_NUMBER].sip.ld"
    CONFIG_FILES_VVX410="vvx.cfg"/>
  <Software APP_FILE_PATH_Trio8800="trio.ld"/>
</APPLICATION>
"""


def test_plain_attributes_for_a_model_without_overrides() -> None:
    master = parse_master_file(DISTRIBUTION, "SPIP335")
    assert master.app_file_path == "sip.ld"
    assert master.config_files == (
        "http://10.0.0.1:8080/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg",
        "site.cfg",
    )
    assert (master.log_dir, master.overrides_dir, master.contacts_dir, master.license_dir) == (
        "logs",
        "./overrides",
        "contacts",
        "",
    )


def test_model_overrides_replace_the_plain_attributes() -> None:
    master = parse_master_file(DISTRIBUTION, "VVX410")
    assert master.app_file_path == "[PHONE_PART_NUMBER].sip.ld"
    assert master.config_files == ("vvx.cfg",)


def test_phones_key_on_the_attribute_name_not_the_element() -> None:
    assert parse_master_file(DISTRIBUTION, "Trio8800").app_file_path == "trio.ld"


def test_an_html_page_is_not_a_master_file() -> None:
    with pytest.raises(ConfigError, match="not XML"):
        parse_master_file(b"<html><body>Not found<br></body></html>", "VVX410")


def test_xml_without_application_attributes_is_refused() -> None:
    with pytest.raises(ConfigError, match="neither"):
        parse_master_file(b'<polycomConfig reg.1.address="1001"/>', "VVX410")
