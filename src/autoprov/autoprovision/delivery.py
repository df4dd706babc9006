"""Sightings to the inventory REST API: create each phone, or update the one already known.

A batch goes in one request, ``POST /api/v1/phone-batches``, which answers for each phone:
201 created, 200 known (and brought up to date), or the error a single create would have
answered. An API that does not take the batch (one without the endpoint, or one refusing the
batch as a whole because a phone's fields are invalid) gets the phones one by one:
``POST /api/v1/phones``, idempotent by MAC (201 created, 200 already there), then for a known
phone ``PATCH /api/v1/phones/{mac}`` with its address, firmware and last-seen time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import httpx

from autoprov.autoprovision.sighting import Sighting

PHONES = "/api/v1/phones"
BATCH = "/api/v1/phone-batches"

# Answers that may change by themselves: the API overloaded, its token not yet the one in the
# database (401/403), the phone deleted between POST and PATCH (404: the next attempt creates
# it). Any other 4xx (422 unknown model, 409 ID of another MAC) will never succeed.
_TRANSIENT = frozenset({401, 403, 404, 408, 425, 429})

# A batch answered with one of these was not taken as a batch: the phones go one by one, each
# to get its own answer (400/413/422: refused as a whole; 404/405: no batch endpoint there).
_ONE_BY_ONE = frozenset({400, 404, 405, 413, 422})


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    detail: str


def description(sighting: Sighting) -> str:
    return f"auto-provisioned, ID {sighting.unique_id}, IP {sighting.ip}"


def _transient(status: int) -> bool:
    return status >= 500 or status in _TRANSIENT


def _unsuccessful(response: httpx.Response) -> Result:
    detail = f"{response.request.method} {response.status_code} {response.text[:200]}"
    return Result(Outcome.RETRY if _transient(response.status_code) else Outcome.FAILED, detail)


def _facts(sighting: Sighting) -> dict[str, str]:
    seen = datetime.fromtimestamp(sighting.seen_at, UTC).isoformat()
    return {"ip": sighting.ip, "firmware": sighting.firmware, "last_seen": seen}


def _create_body(sighting: Sighting) -> dict[str, str]:
    return {
        "mac": sighting.mac,
        "model": sighting.model,
        "unique_id": sighting.unique_id,
        "description": description(sighting),
        **_facts(sighting),
    }


def _batch_result(item: Any) -> Result:
    """One phone's entry of a batch answer, as a :class:`Result`."""
    status = item["status"]
    if status == 201:
        return Result(Outcome.CREATED, "201")
    if status == 200:
        return Result(Outcome.UPDATED, "200")
    message = (item.get("error") or {}).get("message", "")
    detail = f"POST {BATCH} {status} {message[:200]}"
    return Result(Outcome.RETRY if _transient(status) else Outcome.FAILED, detail)


def _read_batch(answer: httpx.Response, count: int) -> list[Result]:
    try:
        items = answer.json()["results"]
        if len(items) == count:
            return [_batch_result(item) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return [Result(Outcome.RETRY, f"POST {BATCH} unreadable: {answer.text[:200]}")] * count


async def deliver_batch(
    client: httpx.AsyncClient, sightings: Sequence[Sighting], *, concurrency: int
) -> list[Result]:
    """A result per sighting, in order; never raises for HTTP or network trouble (that is a
    :attr:`Outcome.RETRY`). Phones go one by one, ``concurrency`` at a time, when the API does
    not take the batch."""
    try:
        answer = await client.post(BATCH, json={"phones": [_create_body(s) for s in sightings]})
    except httpx.HTTPError as exc:
        return [Result(Outcome.RETRY, f"{type(exc).__name__}: {exc}")] * len(sightings)
    if answer.status_code == 200:
        return _read_batch(answer, len(sightings))
    if _transient(answer.status_code) and answer.status_code not in _ONE_BY_ONE:
        return [_unsuccessful(answer)] * len(sightings)
    limit = asyncio.Semaphore(concurrency)

    async def one(sighting: Sighting) -> Result:
        async with limit:
            return await deliver(client, sighting)

    return list(await asyncio.gather(*(one(sighting) for sighting in sightings)))


async def deliver(client: httpx.AsyncClient, sighting: Sighting) -> Result:
    """Never raises for HTTP or network trouble: that is a :attr:`Outcome.RETRY`."""
    facts = _facts(sighting)
    try:
        created = await client.post(PHONES, json=_create_body(sighting))
        if created.status_code == 201:
            return Result(Outcome.CREATED, "201")
        if created.status_code != 200:
            return _unsuccessful(created)
        updated = await client.patch(f"{PHONES}/{sighting.mac}", json=facts)
    except httpx.HTTPError as exc:
        return Result(Outcome.RETRY, f"{type(exc).__name__}: {exc}")
    if updated.is_success:
        return Result(Outcome.UPDATED, str(updated.status_code))
    return _unsuccessful(updated)
