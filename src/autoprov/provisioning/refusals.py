"""The one log line of every refusal, in a form a fail2ban ``failregex`` matches::

    WARNING autoprov.provisioning refused ip=192.0.2.10 path="/../x" reason=traversal door=http

Paths are logged with control characters percent-encoded and cut at 200 characters.
Credentials never appear.
"""

from __future__ import annotations

import logging
import re

from autoprov.logs import quote
from autoprov.provisioning.request import Door

log = logging.getLogger("autoprov.provisioning")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_LOGGED_PATH = 200


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda match: f"%{ord(match.group()):02X}", text[:_MAX_LOGGED_PATH])


def log_refusal(ip: str, path: str, reason: str, door: Door, *, detail: str | None = None) -> None:
    """``detail`` adds a fact worth reading (the unknown model token, for instance)."""
    extra = f" detail={quote(_printable(detail))}" if detail is not None else ""
    log.warning(
        "refused ip=%s path=%s reason=%s door=%s%s",
        ip,
        quote(_printable(path)),
        reason,
        door.value,
        extra,
    )
