"""The registrar's counters, kept in one object; whoever serves /metrics reads ``snapshot()``."""

from __future__ import annotations

from collections.abc import Callable


class RegistrarMetrics:
    __slots__ = (
        "_bad_messages",
        "_bindings",
        "auth_challenges",
        "auth_failures",
        "auth_throttled",
        "bindings_write_dropped",
        "plugin_calls_dropped",
        "plugin_errors",
        "registrations_failed",
        "registrations_ok",
        "unregistrations",
    )

    def __init__(
        self,
        bindings: Callable[[], int] = lambda: 0,
        bad_messages: Callable[[], int] = lambda: 0,
    ) -> None:
        """``bad_messages``: messages that could not be parsed (the SIP endpoint counts them)."""
        self._bindings = bindings
        self._bad_messages = bad_messages
        self.registrations_ok = 0
        """REGISTERs answered 200 (including fetches and removals)."""
        self.registrations_failed = 0
        """Authenticated or not, REGISTERs answered with an error other than a challenge."""
        self.unregistrations = 0
        self.auth_challenges = 0
        self.auth_failures = 0
        self.auth_throttled = 0
        self.plugin_calls_dropped = 0
        self.plugin_errors = 0
        self.bindings_write_dropped = 0
        """Binding changes the database refused for their data (kept in memory only)."""

    def snapshot(self) -> dict[str, float]:
        return {
            "registrar_registrations_ok_total": self.registrations_ok,
            "registrar_registrations_failed_total": self.registrations_failed,
            "registrar_unregistrations_total": self.unregistrations,
            "registrar_auth_challenges_total": self.auth_challenges,
            "registrar_auth_failures_total": self.auth_failures,
            "registrar_auth_throttled_total": self.auth_throttled,
            "registrar_bad_requests_total": self._bad_messages(),
            "registrar_plugin_calls_dropped_total": self.plugin_calls_dropped,
            "registrar_plugin_errors_total": self.plugin_errors,
            "registrar_bindings_write_dropped_total": self.bindings_write_dropped,
            "registrar_bindings": self._bindings(),
        }
