"""More HTTP processes on the same port, to use more than one core.

Each worker is a spawned process running the HTTP door only, with a resolver of its own over
the same database. All of them listen on the provisioning port with ``SO_REUSEPORT``, and the
kernel spreads connections among them. What they share is in the database (unique IDs, the
inventory, site settings) or handed over at start (the digest nonce secret, so a challenge
from one process is answered to another). Each takes its share of the rate limit. FTP and
TFTP stay in the main process.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.process import BaseProcess

from autoprov.config import Settings
from autoprov.logs import setup_logging
from autoprov.provisioning.processes import run_until_signalled
from autoprov.provisioning.webserver import serve_http

STOP_TIMEOUT = 10.0


class HttpWorkers:
    def __init__(self, settings: Settings, count: int, processes: int, secret: bytes) -> None:
        """``count`` workers, out of ``processes`` HTTP processes in all."""
        context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = [
            context.Process(
                target=_worker_main,
                args=(settings, processes, secret),
                name=f"provisioning-http-{n + 1}",
                daemon=True,
            )
            for n in range(count)
        ]

    def start(self) -> None:
        for process in self._processes:
            process.start()

    def stop(self) -> None:
        """SIGTERM each worker (it finishes its requests), then wait; kill what lingers."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()


def _worker_main(settings: Settings, processes: int, secret: bytes) -> None:
    setup_logging(settings.log_level)
    run_until_signalled(serve_http(settings, processes, secret))
