"""Short IDs a person can read aloud off a phone's screen.

The alphabet leaves out 0/O and 1/I/L. Candidates are derived from the MAC, so the first
choice is stable, but uniqueness is never left to the hash: the caller reserves a candidate
under a UNIQUE constraint and moves to the next candidate on conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
"""31**4 = 923,521 IDs: far beyond any one site, and still four characters."""


def candidates(mac: str, length: int = LENGTH) -> Iterator[str]:
    """An endless sequence of distinct-looking IDs for a MAC, best first."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{mac}:{counter}".encode()).digest()
        number = int.from_bytes(digest[:8], "big")
        chars = []
        for _ in range(length):
            number, index = divmod(number, len(ALPHABET))
            chars.append(ALPHABET[index])
        yield "".join(chars)
        counter += 1


def is_unique_id(value: str) -> bool:
    return len(value) == LENGTH and all(c in ALPHABET for c in value)
