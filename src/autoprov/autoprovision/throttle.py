"""Log a recurring event once per interval and key, so a misconfigured phone that registers
every minute, or a flood, cannot fill the log."""

from __future__ import annotations

import logging
import threading
import time

MAX_KEYS = 4096


class LogThrottle:
    def __init__(self, logger: logging.Logger, interval: float = 300.0) -> None:
        self._logger = logger
        self._interval = interval
        self._last: dict[tuple[str, ...], float] = {}
        self._suppressed: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    def warning(self, key: tuple[str, ...], message: str) -> None:
        """Log ``message`` unless ``key`` was logged within the interval; then count it."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._interval:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return
            if len(self._last) >= MAX_KEYS:
                self._last.clear()
                self._suppressed.clear()
            self._last[key] = now
            suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            message = f"{message} suppressed={suppressed}"
        self._logger.warning(message)
