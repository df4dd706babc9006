from __future__ import annotations

from autoprov.polycom.firmware import ModelImage, firmware_paths, image_candidates


def test_no_images_no_firmware() -> None:
    assert firmware_paths(set()) == ("", ())


def test_combined_image_is_named_for_every_model() -> None:
    assert firmware_paths({"sip.ld", "readme.txt"}) == ("sip.ld", ())


def test_split_images_get_a_child_per_model() -> None:
    app_file_path, images = firmware_paths({"3111-46162-001.sip.ld", "3111-44500-001.sip.ld"})
    assert app_file_path == ""
    assert images == (
        ModelImage("VVX410", "3111-46162-001.sip.ld"),
        ModelImage("VVX500", "3111-44500-001.sip.ld"),
    )


def test_unknown_part_numbers_are_ignored() -> None:
    assert firmware_paths({"9999-99999-999.sip.ld"}) == ("", ())


def test_candidates_strip_part_number_prefixes() -> None:
    assert list(image_candidates("3111-44500-001.3111-44500-001.sip.ld")) == [
        "3111-44500-001.3111-44500-001.sip.ld",
        "3111-44500-001.sip.ld",
        "sip.ld",
    ]
    assert list(image_candidates("2345-12600-001.bootrom.ld")) == [
        "2345-12600-001.bootrom.ld",
        "bootrom.ld",
    ]


def test_other_names_have_one_candidate() -> None:
    assert list(image_candidates("sip.ld")) == ["sip.ld"]
    assert list(image_candidates("000000000000-license.cfg")) == ["000000000000-license.cfg"]
    assert list(image_candidates("3111-44500-001.cfg")) == ["3111-44500-001.cfg"]
