"""Requests as each door builds them, and real Polycom User-Agent strings."""

from __future__ import annotations

from autoprov.provisioning.request import Auth, Client, Door, FileRequest, Method

APP_AGENT = "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application"
UPDATER_AGENT = "FileTransport PolycomVVX-VVX_410-UA/5.9.7.47435 Type/Updater"
PHONE_IP = "192.0.2.10"


def http(
    path: str,
    method: Method = Method.GET,
    *,
    auth: Auth = Auth.NONE,
    agent: str | None = APP_AGENT,
    ip: str = PHONE_IP,
) -> FileRequest:
    return FileRequest(path, method, Client(ip, Door.HTTP, auth, agent))


def ftp(path: str, method: Method = Method.GET, *, auth: Auth = Auth.NONE) -> FileRequest:
    return FileRequest(path, method, Client(PHONE_IP, Door.FTP, auth))


def tftp(path: str, method: Method = Method.GET) -> FileRequest:
    return FileRequest(path, method, Client(PHONE_IP, Door.TFTP))
