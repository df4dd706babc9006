"""Where the phone's files are: the boot server URL (DHCP option 66/160) and the names the
master file gives, placeholders expanded, relative names joined, credentials kept apart."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from autoprov.simulate.xmlfile import ConfigError

_SCHEMES = ("http", "https")
_PLAIN_NAME = re.compile(r"[\w-][\w.-]*")
"""A file name that joins a directory URL by plain concatenation (no dot segments,
no query, no scheme)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    user: str
    password: str


@dataclass(frozen=True, slots=True)
class Location:
    url: str
    """Without user information: that travels as :attr:`credentials`."""
    credentials: Credentials | None


def expand_placeholders(text: str, mac: str, part_number: str | None) -> str:
    """``[PHONE_MAC_ADDRESS]`` becomes the lowercase MAC, ``[PHONE_PART_NUMBER]`` the part."""
    text = text.replace("[PHONE_MAC_ADDRESS]", mac)
    if part_number is not None:
        text = text.replace("[PHONE_PART_NUMBER]", part_number)
    return text


def _split_credentials(url: str) -> Location:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ConfigError(f"{url!r}: this phone fetches files over HTTP(S) only")
    credentials = None
    if parts.username is not None:
        credentials = Credentials(unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.netloc.rpartition("@")[2]
    return Location(urlunsplit(parts._replace(netloc=netloc)), credentials)


def _is_absolute(name: str) -> bool:
    return "://" in name


def _as_directory(url: str) -> str:
    return url if url.endswith("/") else url + "/"


@functools.lru_cache(maxsize=1024)
def _folder(base_url: str, directory: str) -> tuple[str, Location]:
    """``directory`` resolved against the boot server URL, as written and split.

    Every phone asks for its files in the same few directories: resolving each once spares
    a URL parse per request.
    """
    folder = base_url
    if directory:
        folder = _as_directory(
            directory if _is_absolute(directory) else urljoin(base_url, directory)
        )
    return folder, _split_credentials(folder)


@dataclass(frozen=True, slots=True)
class BootServer:
    base_url: str
    credentials: Credentials | None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @classmethod
    def parse(cls, url: str) -> BootServer:
        """``http://user:pass@host:port/dir`` as the phone got it from DHCP or its menu."""
        location = _split_credentials(url)
        return cls(_as_directory(location.url), location.credentials)

    def locate(self, name: str, directory: str = "") -> Location:
        """A file name from the master file, inside ``directory`` (itself relative or absolute).

        Files with no credentials of their own use the boot server's, as phones do with
        their Server User and Server Password.
        """
        if _is_absolute(name):
            location = _split_credentials(name)
        else:
            folder, split = _folder(self.base_url, directory)
            name = name.lstrip("/")
            if _PLAIN_NAME.fullmatch(name):
                location = Location(split.url + name, split.credentials)
            else:
                location = _split_credentials(urljoin(folder, name))
        if location.credentials is None:
            return Location(location.url, self.credentials)
        return location
