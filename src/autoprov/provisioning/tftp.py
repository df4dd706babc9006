"""The TFTP door: tftpy, read-only, every read answered by the resolver.

tftpy serves a real file when one exists under its root, so the root handed to it is an empty
private directory. Every read then goes to ``dyn_file_func``, which asks the resolver. TFTP
has no credentials and only one useful error here: any refusal is error 1 (file not found).
Uploads are refused by the resolver (one refusal line) and answered with error 2 (access
violation). A name that climbs out of tftpy's root (``../x``) is refused by tftpy itself
with error 4 before the resolver sees it. tftpy then logs ``bad file path`` with the
client's address and port.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from typing import IO, Any

import anyio.from_thread
from anyio.lowlevel import EventLoopToken
from tftpy import TftpServer

from autoprov.config import Settings
from autoprov.provisioning.answers import Answer, Generated, StoredFile
from autoprov.provisioning.request import Client, Door, FileRequest, Method
from autoprov.provisioning.resolver import Resolver

log = logging.getLogger(__name__)

RETRANSMIT_TIMEOUT = 1.0
"""tftpy uses it both as the retransmission timeout and as the poll interval for stopping."""


class TftpDoor:
    def __init__(self, settings: Settings, resolver: Resolver, token: EventLoopToken) -> None:
        self._settings = settings
        self._resolver = resolver
        self._token = token
        self._root = tempfile.mkdtemp(prefix="autoprov-tftp-")
        self._server = TftpServer(self._root, dyn_file_func=self._read, upload_open=self._write)
        self._thread = threading.Thread(target=self._serve, name="tftp", daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.listenport
        return port

    def start(self) -> None:
        """Bind and serve in a thread; returns once the socket is listening."""
        self._thread.start()
        while not self._server.is_running.wait(0.05):
            if not self._thread.is_alive():
                raise OSError(f"TFTP could not listen on port {self._settings.tftp_port}")

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.stop(now=True)
            self._thread.join()
        shutil.rmtree(self._root, ignore_errors=True)

    def _serve(self) -> None:
        try:
            self._server.listen(
                self._settings.bind, self._settings.tftp_port, timeout=RETRANSMIT_TIMEOUT
            )
        except Exception:
            log.exception("TFTP door stopped")

    def _resolve(self, name: str, method: Method, ip: str) -> Answer | None:
        request = FileRequest(name, method, Client(ip, Door.TFTP))
        try:
            return anyio.from_thread.run(self._resolver.resolve, request, token=self._token)
        except Exception:
            # tftpy's loop would die with an exception from here: answer "not found" instead.
            log.exception("TFTP request for %r failed", name)
            return None

    def _read(self, name: str, raddress: str, rport: int) -> IO[bytes] | None:
        match self._resolve(name, Method.GET, raddress):
            case Generated(body):
                # tftpy unlocks (flock) what it served, so it needs a real file, not BytesIO
                generated = tempfile.TemporaryFile()  # noqa: SIM115 (tftpy closes it)
                generated.write(body)
                generated.seek(0)
                return generated
            case StoredFile() as found:
                return found.open()
        return None

    def _write(self, path: str, context: Any) -> None:
        self._resolve(context.file_to_transfer, Method.PUT, context.host)
        return None
