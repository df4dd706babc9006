from __future__ import annotations

import xml.etree.ElementTree as ET

from autoprov.polycom.firmware import ModelImage
from autoprov.polycom.master import MasterFile, render_master
from autoprov.polycom.rendering import make_environment

MASTER = MasterFile(
    app_file_path="sip.ld",
    config_files=("http://pbx:8080/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg", "site.cfg"),
    log_dir="http://pbx:8080/logs",
    overrides_dir="http://pbx:8080/overrides",
    contacts_dir="http://pbx:8080/contacts",
    model_images=(ModelImage("VVX410", "3111-46162-001.sip.ld"),),
)


def test_application_attributes() -> None:
    root = ET.fromstring(render_master(make_environment(), MASTER))
    assert root.tag == "APPLICATION"
    assert root.attrib == {
        "APP_FILE_PATH": "sip.ld",
        "CONFIG_FILES": ("http://pbx:8080/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg, site.cfg"),
        "MISC_FILES": "",
        "LOG_FILE_DIRECTORY": "http://pbx:8080/logs",
        "OVERRIDES_DIRECTORY": "http://pbx:8080/overrides",
        "CONTACTS_DIRECTORY": "http://pbx:8080/contacts",
        "LICENSE_DIRECTORY": "",
    }


def test_per_model_children() -> None:
    root = ET.fromstring(render_master(make_environment(), MASTER))
    children = [(child.tag, child.attrib) for child in root]
    assert children == [
        ("APPLICATION_VVX410", {"APP_FILE_PATH_VVX410": "3111-46162-001.sip.ld"}),
    ]


def test_xml_declaration_first() -> None:
    data = render_master(make_environment(), MASTER)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
