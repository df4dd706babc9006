"""Log format: one line per event, UTC timestamp first, ``key=value`` facts after the message,
so that a person can read it and a fail2ban ``failregex`` can match ``ip=<HOST>``.

Example::

    2026-11-26T06:30:00Z WARNING autoprov.registrar auth-failed ip=192.0.2.10 user="1001"
"""

from __future__ import annotations

import logging
import time


class _UTCFormatter(logging.Formatter):
    @staticmethod
    def converter(secs: float | None = None, /) -> time.struct_time:
        return time.gmtime(secs)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        _UTCFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log repeats what our doors already log, once per request
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    logging.getLogger("tftpy").setLevel(logging.WARNING)
    # every process checks the schema at start; "nothing to do" is not news
    logging.getLogger("alembic").setLevel(logging.WARNING)


def quote(value: object) -> str:
    """A log value that cannot break the line or forge another ``key=value``."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return f'"{text}"'
