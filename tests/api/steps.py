"""What a test does through the JSON API to set the scene: report a fact and wait until it is
applied, complete a task."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_events_api import until_applied


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    """POST /api/events, accepted, then wait until its effects are in the read model."""
    response = await client.post("/api/events", json=body)
    assert response.status_code == 202, response.text
    await until_applied(client, body["event_id"])


async def complete(client: httpx.AsyncClient, task_id: str, **body: Any) -> None:
    """POST /api/tasks/{id}/complete with `note`/`result`, which must succeed."""
    response = await client.post(f"/api/tasks/{task_id}/complete", json=body)
    assert response.status_code == 200, response.text
