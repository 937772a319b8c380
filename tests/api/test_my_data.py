"""The citizen's consent withdrawal and data pages over HTTP and through the intake: a
withdrawal as the episode's own citizen is in the read model the access checks use when the
request returns (no waiting), recorded with method digital and the citizen as actor; one as
another citizen is refused by the episode itself; the forms refuse a stale token, a foreign
episode and a bad page number (never a 500); the download is a JSON attachment that
validates as CitizenRecord, with no internal key."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.auth import CITIZEN_COOKIE, SESSION_COOKIE
from api.errors import ApiError
from api.event_input import EventIn
from api.intake import EventIntake
from api.principal import Principal
from command.synthetic.roster import Roster, make_roster
from db.access import create_session
from db.pool import DatabasePool
from schemas.citizen_record import CitizenRecord
from schemas.people import Role
from tests.web.citizen import citizen_session, refer_citizen

CONSENTS = [
    {"scope": "peer_support", "method": "written"},
    {"scope": "share_with_municipality", "method": "written"},
]


def client_of(app: FastAPI, cookies: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", cookies=cookies
    )


async def referred(app: FastAPI, pool: DatabasePool, roster: Roster) -> tuple[str, str]:
    """An episode shared with the municipality, once committed: (episode id, citizen id)."""
    async with pool.acquire() as conn:
        secret, _ = await create_session(conn, roster.ward_nurse, timedelta(hours=1))
    async with client_of(app, {SESSION_COOKIE: secret}) as ward:
        contact = {"phone": "+4512345678"}
        episode_id = await refer_citizen(ward, pool, roster, contact, consents=CONSENTS)
    async with pool.acquire() as conn:
        citizen_id: str = await conn.fetchval(
            "SELECT citizen_id FROM episodes WHERE episode_id = $1", episode_id
        )
    return episode_id, citizen_id


def withdrawal(episode_id: str) -> EventIn:
    return EventIn(
        event_id=f"web-consent_withdrawn-{uuid.uuid4().hex}",
        type="consent_withdrawn",
        occurred_at=datetime.now(UTC),
        episode_id=episode_id,
        payload={"scope": "share_with_municipality", "method": "digital"},
    )


@pytest.fixture
def intake(
    db_pool: DatabasePool, time_skipping_env: WorkflowEnvironment, task_queue: str
) -> EventIntake:
    return EventIntake(db_pool, time_skipping_env.client, task_queue)


async def test_the_episodes_own_citizen_withdraws_and_the_read_model_has_it_on_return(
    api_app: FastAPI, db_pool: DatabasePool, intake: EventIntake
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, citizen_id = await referred(api_app, db_pool, roster)
    own = Principal(role=Role.CITIZEN, id=citizen_id, citizen_episodes=frozenset({episode_id}))
    body = withdrawal(episode_id)
    ack = await intake.submit(own, body, wait=True)
    assert ack.outcome == "accepted"
    async with db_pool.acquire() as conn:
        consents = await conn.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
        stored = await conn.fetchval(
            "SELECT body FROM events_received WHERE event_id = $1", body.event_id
        )
        audited = await conn.fetchval(
            "SELECT actor_role || ':' || actor_id FROM audit_log"
            " WHERE episode_id = $1 AND action = 'event.consent_withdrawn'",
            episode_id,
        )
    assert consents == ["peer_support"], "in the read model when the request returns"
    event = json.loads(stored)
    assert event["actor"] == {"role": "citizen", "id": citizen_id}
    assert event["payload"] == {"scope": "share_with_municipality", "method": "digital"}
    assert audited == f"citizen:{citizen_id}"


async def test_another_citizen_is_refused_by_the_episode_itself(
    api_app: FastAPI, db_pool: DatabasePool, intake: EventIntake
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, _ = await referred(api_app, db_pool, roster)
    # Even with the episode in their session (which the sign-in never gives), the episode
    # refuses a citizen who is not its own.
    other = Principal(
        role=Role.CITIZEN, id="citizen-not-this-one", citizen_episodes=frozenset({episode_id})
    )
    with pytest.raises(ApiError) as refused:
        await intake.submit(other, withdrawal(episode_id), wait=True)
    assert refused.value.status == 409
    assert refused.value.message == "actor: only the episode's own citizen may report for it"
    async with db_pool.acquire() as conn:
        consents = await conn.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
    assert "share_with_municipality" in consents


async def test_the_pages_refuse_bad_input_clearly_and_the_download_is_an_attachment(
    api_app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, citizen_id = await referred(api_app, db_pool, roster)
    other_episode, _ = await referred(api_app, db_pool, roster)
    cookie = await citizen_session(db_pool, episode_id)
    async with client_of(api_app, {CITIZEN_COOKIE: cookie}) as citizen:
        page = await citizen.get("/my/consent?lang=en")
        assert page.status_code == 200
        # The form without the session's token: refused, nothing withdrawn.
        stale = await citizen.post(
            f"/my/consent/{episode_id}/withdraw",
            data={"csrf": "forged", "scope": "share_with_municipality", "event_id": "web-x-1"},
        )
        assert stale.status_code == 403
        confirm = await citizen.get(
            f"/my/consent/{episode_id}/withdraw?scope=share_with_municipality&lang=en"
        )
        token = confirm.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        foreign = await citizen.post(
            f"/my/consent/{other_episode}/withdraw?lang=en",
            data={"csrf": token, "scope": "share_with_municipality", "event_id": "web-x-2"},
        )
        assert foreign.status_code == 404
        assert "Page not found" in foreign.text
        junk = await citizen.post(
            f"/my/consent/{episode_id}/withdraw?lang=en",
            data={"csrf": token, "scope": "share_with_municipality", "event_id": "\u00e6 no"},
        )
        assert junk.status_code == 422 and "<li>Form: " in junk.text, "the field named"
        for bad in ("0", "-1", "abc", "1" * 30, "\u0661"):
            answer = await citizen.get("/my/reads", params={"page": bad, "lang": "en"})
            assert answer.status_code == 422, bad
            assert "page: write the page number as a whole number" in answer.text
        nul = await citizen.get("/my/reads", params={"page": "1\x00"})
        assert nul.status_code == 422

        download = await citizen.get("/my/data/download?lang=en")
        assert download.status_code == 200
        assert download.headers["content-disposition"].startswith(
            'attachment; filename="hverdagsbro-my-data-'
        )
        assert download.headers["cache-control"] == "no-store"
        data = CitizenRecord.model_validate_json(download.text)
        assert len(data.episodes) == 1 and data.episodes[0].contact is not None
        assert data.episodes[0].contact.phone == "+4512345678"
        assert citizen_id not in download.text and episode_id not in download.text
    async with db_pool.acquire() as conn:
        consents = await conn.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
    assert "share_with_municipality" in consents, "no refused form withdrew anything"
