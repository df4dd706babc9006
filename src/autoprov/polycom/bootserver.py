"""The boot server address a phone gets from DHCP option 66 or 160 (POLYCOM.md 1.1, 1.2): a
URL that names the scheme and carries the credentials the phone presents to the server."""

from __future__ import annotations

from urllib.parse import quote


def boot_server_url(base_url: str, user: str, password: str) -> str:
    """``base_url`` (``http://host:port``) with ``user:password@`` in it, each percent-encoded
    so that no ``:``, ``@`` or ``/`` in them can end the user information early."""
    scheme, _, address = base_url.partition("://")
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{address}/"
