"""What a test does through the JSON API to set the scene: refer and wait for the episode,
refer and have the peer accept, report a fact and wait until it is applied, complete a task."""

from __future__ import annotations

import functools
from typing import Any

import httpx

from tests.api.test_events_api import until_applied, wait_for_task
from tests.conftest import eventually


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    """POST /api/events, accepted, then wait until its effects are in the read model."""
    response = await client.post("/api/events", json=body)
    assert response.status_code == 202, response.text
    await until_applied(client, body["event_id"])


async def complete(client: httpx.AsyncClient, task_id: str, **body: Any) -> None:
    """POST /api/tasks/{id}/complete with `note`/`result`, which must succeed."""
    response = await client.post(f"/api/tasks/{task_id}/complete", json=body)
    assert response.status_code == 200, response.text


async def referred(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    """POST a referral; the episode it started, once the caller sees it in the read model."""
    answer = await client.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    episode_id: str = answer.json()["episode_id"]
    await eventually(functools.partial(shown, client, episode_id))
    return episode_id


async def shown(client: httpx.AsyncClient, episode_id: str) -> bool:
    """The caller sees the episode (it is in the read model and theirs to see)."""
    return (await client.get(f"/api/episodes/{episode_id}")).status_code == 200


async def matched(
    ward: httpx.AsyncClient, peer: httpx.AsyncClient, body: dict[str, Any], note: str = ""
) -> str:
    """The ward refers (`body`), the peer accepts the offer (with `note`); the episode id."""
    answer = await ward.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    episode_id: str = answer.json()["episode_id"]
    offer = await wait_for_task(peer, "peer_offer")
    accepted = await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={"note": note})
    assert accepted.status_code == 200, accepted.text
    return episode_id
