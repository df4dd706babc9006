from __future__ import annotations

from autoprov.web.profile import MASK, mask_passwords


def test_every_password_attribute_is_masked_and_nothing_else() -> None:
    text = (
        '<reg reg.1.address="1001" reg.1.auth.userId="1001" reg.1.auth.password="s3cr&amp;t"\n'
        '  reg.2.auth.Password=\'two\' device.prov.password = "x" reg.1.label="password"/>'
    )
    masked = mask_passwords(text)
    assert "s3cr" not in masked and "two" not in masked and '"x"' not in masked
    assert masked.count(MASK) == 3
    assert 'reg.1.auth.userId="1001"' in masked
    assert 'reg.1.label="password"' in masked
