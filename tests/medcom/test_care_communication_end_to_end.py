"""End to end: the ward refers and discharges a citizen through the API; the worker sends the
municipality a CareCommunication over HTTP; the fake municipality receives it (a Bundle as the
IG profiles it, about this citizen), POSTs its Acknowledgement to our
/api/medcom/acknowledgements with its gateway token; the episode's timeline, as the API shows it,
says the municipality has received the message.

A time-skipping server of its own, a real worker, the real API app (in-process), PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import SESSION_COOKIE
from command.synthetic.roster import Roster, make_roster
from db import medcom_outbox
from db.access import create_session, create_token
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.medcom import CPR_SYSTEM
from tests.api.bodies import event_body, referral_body
from tests.api.steps import matched, post
from tests.conftest import eventually
from tests.medcom.care_communication_profile import problems
from tests.medcom.fake_municipality import FakeMunicipality, header_of, post_to
from tests.medcom.sending_worker import worker_sending_to

ACKNOWLEDGED = "timeline.care_communication_acknowledged"


@pytest.fixture(scope="module")
async def municipality() -> AsyncIterator[FakeMunicipality]:
    async with FakeMunicipality("positive") as fake:
        yield fake


@pytest.fixture(scope="module")
async def worker(
    own_env: WorkflowEnvironment,
    own_queue: str,
    db_pool: DatabasePool,
    worker_settings: Settings,
    municipality: FakeMunicipality,
) -> AsyncIterator[Worker]:
    async with worker_sending_to(
        municipality, own_env, own_queue, db_pool, worker_settings, max_cached_workflows=10
    ) as built:
        yield built


@pytest.fixture(scope="module")
def app(
    own_env: WorkflowEnvironment, own_queue: str, db_pool: DatabasePool, worker: Worker
) -> FastAPI:
    return create_app(Settings(task_queue=own_queue), pool=db_pool, temporal=own_env.client)


def _client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", **kwargs
    )


async def _as_user(app: FastAPI, pool: DatabasePool, user_id: str) -> httpx.AsyncClient:
    async with pool.acquire() as conn:
        secret, _ = await create_session(conn, user_id, timedelta(hours=1))
    return _client(app, cookies={SESSION_COOKIE: secret})


async def _gateway(app: FastAPI, pool: DatabasePool, roster: Roster) -> httpx.AsyncClient:
    """The municipality's MedCom gateway: a token bound to the municipality's organisation."""
    async with pool.acquire() as conn:
        _, secret = await create_token(
            conn,
            name="municipality gateway",
            role="medcom_gateway",
            ttl=None,
            organisations=[roster.municipality_organisation_id],
        )
    return _client(app, headers={"Authorization": f"Bearer {secret}"})


async def test_a_discharged_citizen_is_announced_to_the_municipality_which_acknowledges_it(
    app: FastAPI, db_pool: DatabasePool, municipality: FakeMunicipality
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await _as_user(app, db_pool, roster.ward_nurse)
    peer = await _as_user(app, db_pool, roster.peers[0])
    gateway = await _gateway(app, db_pool, roster)
    municipality.mode = "positive"
    municipality.on_acknowledgement = post_to(gateway, "/api/medcom/acknowledgements")
    referral = referral_body(roster)
    cpr = referral["payload"]["citizen"]["cpr"]
    try:
        episode_id = await matched(ward, peer, referral)
        await post(ward, event_body(episode_id, "discharged"))

        received: list[dict[str, Any]] = []

        async def reached_the_municipality() -> bool:
            async with db_pool.acquire() as conn:
                ours = await medcom_outbox.for_episode(conn, episode_id)
            headers = {m.message_header_id for m in ours}
            received[:] = [b for b in municipality.received if header_of(b)["id"] in headers]
            return bool(received)

        await eventually(reached_the_municipality)
        (bundle,) = received
        assert problems(bundle) == []
        patient = next(
            e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
        )
        assert {"system": CPR_SYSTEM, "value": cpr} in patient["identifier"]
        communication = next(
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Communication"
        )
        text = communication["payload"][0]["contentString"]
        assert "udskrevet" in text
        assert cpr not in text

        await municipality.settle()  # its Acknowledgement was taken by our API
        lines: list[str] = []

        async def the_timeline_says_so() -> bool:
            shown = await ward.get(f"/api/episodes/{episode_id}")
            assert shown.status_code == 200, shown.text
            lines[:] = [
                t["summary"] for t in shown.json()["timeline"] if t["text_key"] == ACKNOWLEDGED
            ]
            return bool(lines)

        await eventually(the_timeline_says_so)
        assert lines == ["The municipality has received the discharge message"]
        async with db_pool.acquire() as conn:
            (message,) = await medcom_outbox.for_episode(conn, episode_id)
        assert (message.status, message.ack_code, message.receiver_sor) == (
            "acknowledged",
            "ok",
            roster.municipality_sor,
        )
    finally:
        for client in (ward, peer, gateway):
            await client.aclose()
