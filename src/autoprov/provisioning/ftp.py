"""The FTP door: pyftpdlib over a virtual file system backed by the resolver.

Polycom phones ship with FTP and the factory login ``PlcmSpIp``/``PlcmSpIp`` (configurable).
That login gets what any client gets. The provisioning credentials also get the files that
need them (an assigned phone's profile, its stored overrides). There is no real directory
behind the door: every RETR, STOR and SIZE is a resolver call. A refusal becomes ``550`` with
the resolver's message, and a failed login becomes one refusal line. Each connection runs in a
thread of its own. It waits on the service's event loop, where the resolver runs.
"""

from __future__ import annotations

import errno
import io
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio.from_thread
from anyio.lowlevel import EventLoopToken
from pyftpdlib.authorizers import AuthenticationFailed
from pyftpdlib.filesystems import AbstractedFS, FilesystemError
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import ThreadedFTPServer

from autoprov.config import Settings
from autoprov.provisioning.answers import Answer, Generated, Refused, StoredFile, UploadSlot
from autoprov.provisioning.credentials import login_matches
from autoprov.provisioning.request import Auth, Client, Door, FileRequest, Method
from autoprov.provisioning.resolver import Resolver

log = logging.getLogger(__name__)

T = TypeVar("T")

PERMISSIONS = "elrwa"
"""Change directory, list, read, store, append. Nothing that deletes, renames or creates."""
DIRECTORIES = frozenset({"/", "/autoprov", "/logs", "/overrides", "/contacts"})
_POLL = 0.2


class _Bridge:
    """Calls into the service's event loop from an FTP thread."""

    def __init__(self, resolver: Resolver, token: EventLoopToken) -> None:
        self.resolver = resolver
        self._token = token

    def call(self, function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return anyio.from_thread.run(function, *args, token=self._token)


class ProvisioningAuthorizer:
    """Two logins: the factory one and the provisioning credentials (``Auth.VALID``)."""

    def __init__(self, settings: Settings, bridge: _Bridge) -> None:
        self._factory = (settings.ftp_user, settings.ftp_password.get_secret_value())
        self.bridge = bridge

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        user, expected = self.bridge.call(self.bridge.resolver.credentials)
        if login_matches(username, password, user, expected):
            handler.auth = Auth.VALID
        elif login_matches(username, password, *self._factory):
            handler.auth = Auth.NONE
        else:
            raise AuthenticationFailed("Authentication failed.")

    def get_home_dir(self, username: str) -> str:
        return "/"

    def has_user(self, username: str) -> bool:
        return True

    def has_perm(self, username: str, perm: str, path: str | None = None) -> bool:
        return perm in PERMISSIONS

    def get_perms(self, username: str) -> str:
        return PERMISSIONS

    def get_msg_login(self, username: str) -> str:
        return "Login successful."

    def get_msg_quit(self, username: str) -> str:
        return "Goodbye."

    def impersonate_user(self, username: str, password: str) -> None:
        """Nothing to do: the file system is virtual."""

    def terminate_impersonation(self, username: str) -> None:
        """Nothing to do: the file system is virtual."""


class _Download(io.BytesIO):
    def __init__(self, body: bytes, name: str) -> None:
        super().__init__(body)
        self.name = name


class _Upload(io.BytesIO):
    """Collects an upload up to one byte past its limit, then fails the transfer."""

    def __init__(self, request: FileRequest, slot: UploadSlot) -> None:
        super().__init__()
        self.name = request.path
        self.request = request
        self.slot = slot
        self.overflowed = False
        self.received = b""

    def close(self) -> None:
        # pyftpdlib closes the file before it reports the transfer complete: keep the bytes.
        if not self.closed:
            self.received = self.getvalue()
        super().close()

    def write(self, data: Any) -> int:
        room = self.slot.max_bytes + 1 - self.tell()
        if len(data) > room:
            super().write(bytes(data[:room]))
            self.overflowed = True
            raise OSError(errno.EFBIG, "File too large")
        return super().write(data)


class _Handler(FTPHandler):  # type: ignore[misc]
    auth = Auth.NONE
    upload: _Upload | None = None

    @property
    def bridge(self) -> _Bridge:
        bridge: _Bridge = self.authorizer.bridge
        return bridge

    def on_login_failed(self, username: str, password: str) -> None:
        self.bridge.resolver.refuse_login(self.remote_ip, Door.FTP)

    def on_file_received(self, file: str) -> None:
        self._store_upload()

    def on_incomplete_file_received(self, file: str) -> None:
        # An oversized upload is refused (and logged) by the resolver; a broken one is dropped.
        if self.upload is not None and self.upload.overflowed:
            self._store_upload()
        self.upload = None

    def _store_upload(self) -> None:
        upload, self.upload = self.upload, None
        if upload is not None:
            upload.close()
            data = upload.received
            self.bridge.call(self.bridge.resolver.store, upload.request, upload.slot, data)


class ResolverFS(AbstractedFS):  # type: ignore[misc]
    """Paths are passed to the resolver as the client wrote them (joined to the current
    directory when relative), so ``..`` and friends reach it and are refused there."""

    cmd_channel: _Handler

    def ftp2fs(self, ftppath: str) -> str:
        if ftppath.startswith("/"):
            return ftppath
        cwd: str = self.cwd
        return cwd.rstrip("/") + "/" + ftppath

    def fs2ftp(self, fspath: str) -> str:
        return fspath

    def validpath(self, path: str) -> bool:
        return True

    def realpath(self, path: str) -> str:
        return path

    def open(self, filename: str, mode: str) -> io.BytesIO | Any:
        writing = any(flag in mode for flag in "wa+")
        request = self._request(filename, Method.PUT if writing else Method.GET)
        answer = self.cmd_channel.bridge.call(self.cmd_channel.bridge.resolver.resolve, request)
        match answer:
            case Generated(body):
                return _Download(body, filename)
            case StoredFile():
                return answer.open()
            case UploadSlot():
                self.cmd_channel.upload = _Upload(request, answer)
                return self.cmd_channel.upload
            case Refused(_, message):
                raise FilesystemError(message)
        raise FilesystemError("not found")

    def chdir(self, path: str) -> None:
        directory = _directory(path)
        if directory is None:
            raise FilesystemError("No such directory")
        self.cwd = directory

    def isdir(self, path: str) -> bool:
        return _directory(path) is not None

    def isfile(self, path: str) -> bool:
        return isinstance(self._head(path), Generated | StoredFile)

    def lexists(self, path: str) -> bool:
        return self.isdir(path) or self.isfile(path)

    def islink(self, path: str) -> bool:
        return False

    def getsize(self, path: str) -> int:
        match self._head(path):
            case Generated(body):
                return len(body)
            case StoredFile(size=size):
                return size
            case Refused(_, message):
                raise FilesystemError(message)
        raise FilesystemError("not a file")

    def getmtime(self, path: str) -> float:
        match self._head(path):
            case StoredFile(mtime=mtime):
                return mtime
            case Generated():
                return time.time()
            case Refused(_, message):
                raise FilesystemError(message)
        raise FilesystemError("not a file")

    def listdir(self, path: str) -> list[str]:
        if not self.isdir(path):
            raise FilesystemError("No such directory")
        return []

    def listdirinfo(self, path: str) -> list[str]:
        return self.listdir(path)

    def stat(self, path: str) -> Any:
        raise FilesystemError("Not supported")

    lstat = stat

    def _refuse_change(self, *args: Any, **kwargs: Any) -> Any:
        raise FilesystemError("Not permitted")

    mkdir = rmdir = remove = rename = chmod = utime = mkstemp = readlink = _refuse_change

    def _head(self, path: str) -> Answer:
        request = self._request(path, Method.HEAD)
        answer: Answer = self.cmd_channel.bridge.call(
            self.cmd_channel.bridge.resolver.resolve, request
        )
        return answer

    def _request(self, path: str, method: Method) -> FileRequest:
        channel = self.cmd_channel
        return FileRequest(path, method, Client(channel.remote_ip, Door.FTP, channel.auth))


def _directory(path: str) -> str | None:
    normalized = "/" + path.strip("/")
    return normalized if normalized in DIRECTORIES else None


class _Server(ThreadedFTPServer):  # type: ignore[misc]
    poll_timeout = _POLL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # pyftpdlib keeps these on the class: give each server its own.
        self._lock = threading.Lock()
        self._exit = threading.Event()
        super().__init__(*args, **kwargs)


class FtpDoor:
    """Serves FTP from a thread of its own until ``stop``."""

    def __init__(self, settings: Settings, resolver: Resolver, token: EventLoopToken) -> None:
        authorizer = ProvisioningAuthorizer(settings, _Bridge(resolver, token))
        handler = type(
            "ProvisioningFTPHandler",
            (_Handler,),
            {
                "authorizer": authorizer,
                "abstracted_fs": ResolverFS,
                "banner": "autoprov provisioning server ready.",
            },
        )
        self._server = _Server((settings.bind, settings.ftp_port), handler)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="ftp", daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.address[1]
        return port

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set():
                self._server.serve_forever(timeout=_POLL, blocking=False, handle_exit=False)
        finally:
            self._server.close_all()
