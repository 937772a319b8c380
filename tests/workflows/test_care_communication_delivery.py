"""The episode writes to the municipality by MedCom: a discharged citizen (with consent to share)
is announced by a CareCommunication that the fake municipality receives over HTTP and
acknowledges back through our API; the delivery ends as the Acknowledgement says, and a message
the municipality refuses or never answers becomes a task for the coordinator.

On a time-skipping server of its own (the unanswered case waits hours of Acknowledgement
deadlines)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.care_communication.content import danish_date
from api.app import create_app
from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import PEER_SUPPORT_AND_MUNICIPALITY, referral
from command.synthetic.roster import Roster, make_roster
from db import citizens, episode_contacts, episode_queries, medcom_outbox
from db.access import create_token
from db.medcom_outbox import OutboxMessage
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.care_communication import DeliveryOutcome, DeliveryStatus, delivery_workflow_id
from schemas.consent import ConsentScope
from schemas.episode import Phase
from schemas.medcom import SOR_SYSTEM
from schemas.tasks import TaskKind, TaskStatus
from tests.conftest import eventually
from tests.medcom.care_communication_profile import problems
from tests.medcom.fake_municipality import FakeMunicipality, Mode, header_of, post_to
from tests.medcom.sending_worker import worker_sending_to
from workers.starter import episode_id_for
from workflows.care_communication import MAX_ATTEMPTS, CareCommunicationDelivery
from workflows.timings import ACKNOWLEDGEMENT_DUE

CITIZEN_NAME = "Testa Borger Hansen"
ACKNOWLEDGEMENTS = "/api/medcom/acknowledgements"


@pytest.fixture(scope="module")
async def municipality() -> AsyncIterator[FakeMunicipality]:
    async with FakeMunicipality("positive") as fake:
        yield fake


@pytest.fixture(scope="module")
async def medcom_worker(
    own_env: WorkflowEnvironment,
    own_queue: str,
    db_pool: DatabasePool,
    worker_settings: Settings,
    municipality: FakeMunicipality,
) -> AsyncIterator[Worker]:
    """The real worker whose MedCom transport is HTTP to the fake municipality."""
    async with worker_sending_to(
        municipality, own_env, own_queue, db_pool, worker_settings, max_cached_workflows=20
    ) as worker:
        yield worker


@dataclass
class Sent:
    """One episode's citizen, roster and driver, with the fake acknowledging through our API."""

    roster: Roster
    driver: EpisodeDriver
    cpr: str


@pytest.fixture
async def citizen_episode(
    own_env: WorkflowEnvironment,
    own_queue: str,
    db_pool: DatabasePool,
    medcom_worker: Worker,
    municipality: FakeMunicipality,
) -> AsyncIterator[Callable[..., Awaitable[Sent]]]:
    """Refers a citizen with a CPR number and a name (as the API records them), has the peer
    accept, and points the fake's Acknowledgements at our API with the municipality's token."""
    app = create_app(Settings(task_queue=own_queue), pool=db_pool, temporal=own_env.client)
    clients: list[httpx.AsyncClient] = []

    async def make(
        mode: Mode = "positive", consents: tuple[ConsentScope, ...] = PEER_SUPPORT_AND_MUNICIPALITY
    ) -> Sent:
        roster = await make_roster(db_pool, peers=1)
        cpr = f"{secrets.randbelow(10**10):010d}"
        event = referral(roster, consents=consents)
        async with db_pool.acquire() as conn:
            citizen_id = await citizens.upsert_citizen(conn, cpr=cpr)
            await episode_contacts.record_contact(
                conn,
                episode_id=episode_id_for(event.event_id),
                citizen_id=citizen_id,
                name=CITIZEN_NAME,
                phone=None,
                email=None,
                recorded_by=event.actor,
            )
            _, secret = await create_token(
                conn,
                name=f"gateway {uuid.uuid4().hex[:8]}",
                role="medcom_gateway",
                ttl=None,
                organisations=[roster.municipality_organisation_id],
            )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {secret}"},
        )
        clients.append(client)
        municipality.mode = mode
        municipality.status = None
        municipality.on_acknowledgement = post_to(client, ACKNOWLEDGEMENTS)
        payload = event.payload.model_copy(update={"citizen_id": citizen_id})
        event = event.model_copy(update={"payload": payload})
        driver = await start(own_env, db_pool, roster, own_queue, event)
        await driver.accept_offer()
        await driver.phase(Phase.PRE_DISCHARGE)
        return Sent(roster=roster, driver=driver, cpr=cpr)

    yield make
    await municipality.settle()
    for client in clients:
        await client.aclose()


async def _message(pool: DatabasePool, episode_id: str) -> OutboxMessage:
    """The episode's one CareCommunication, once its first attempt has made its row."""
    found: list[OutboxMessage] = []

    async def made() -> bool:
        async with pool.acquire() as conn:
            found[:] = await medcom_outbox.for_episode(conn, episode_id)
        return bool(found)

    await eventually(made)
    assert len(found) == 1
    return found[0]


async def _delivered(env: WorkflowEnvironment, message: OutboxMessage) -> DeliveryOutcome:
    handle = env.client.get_workflow_handle_for(
        CareCommunicationDelivery.run, delivery_workflow_id(message.message_id)
    )
    return await handle.result()


async def _timeline_has(pool: DatabasePool, episode_id: str, key: str) -> list[str]:
    """The English lines of `key` on the episode's timeline, once there is one."""
    lines: list[str] = []

    async def shown() -> bool:
        async with pool.acquire() as conn:
            rows = await episode_queries.timeline(conn, episode_id)
        lines[:] = [r.summary for r in rows if r.text_key == key]
        return bool(lines)

    await eventually(shown)
    return lines


def _received_by(fake: FakeMunicipality, message: OutboxMessage) -> list[dict[str, Any]]:
    return [b for b in fake.received if header_of(b)["id"] == message.message_header_id]


async def test_discharge_is_sent_to_the_municipality_acknowledged_and_on_the_timeline(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("positive")
    await sent.driver.discharge()
    message = await _message(db_pool, sent.driver.id)
    outcome = await _delivered(own_env, message)
    assert (outcome.status, outcome.attempts, outcome.kind.value) == (
        DeliveryStatus.ACKNOWLEDGED,
        1,
        "discharge",
    )
    (bundle,) = _received_by(municipality, message)
    assert problems(bundle) == []
    entries: list[dict[str, Any]] = bundle["entry"]
    resources = {e["resource"]["resourceType"]: e["resource"] for e in entries}
    patient, communication = resources["Patient"], resources["Communication"]
    assert patient["identifier"][0]["value"] == sent.cpr
    assert patient["name"][0]["family"] == "Hansen"
    assert communication["category"][0]["coding"][0]["code"] == "psychiatry-social-disability"
    assert communication["topic"]["text"] == "Udskrevet \N{EN DASH} følges af peer-medarbejder"
    text = str(communication["payload"][0]["contentString"])
    assert "peer-medarbejder følger borgeren" in text
    assert f"Org {sent.roster.organisation_id.removeprefix('org-')}" in text
    organisations = [
        e["resource"] for e in entries if e["resource"]["resourceType"] == "Organization"
    ]
    sors = {i["value"] for o in organisations for i in o["identifier"] if i["system"] == SOR_SYSTEM}
    assert sors == {sent.roster.ward_sor, sent.roster.municipality_sor}
    lines = await _timeline_has(db_pool, sent.driver.id, "timeline.care_communication_acknowledged")
    assert lines == ["The municipality has received the discharge message"]
    async with db_pool.acquire() as conn:
        row = await medcom_outbox.by_header(conn, message.message_header_id)
    assert row is not None
    assert (row.status, row.attempts, row.ack_code) == ("acknowledged", 1, "ok")
    view = await sent.driver.view()
    assert not [t for t in view.open_tasks if t.kind == TaskKind.MEDCOM_UNDELIVERED]


async def test_a_rejected_message_becomes_a_task_the_coordinator_closes(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("negative")
    await sent.driver.discharge()
    message = await _message(db_pool, sent.driver.id)
    outcome = await _delivered(own_env, message)
    assert (outcome.status, outcome.attempts) == (DeliveryStatus.REJECTED, 1)
    assert len(_received_by(municipality, message)) == 1
    lines = await _timeline_has(db_pool, sent.driver.id, "timeline.care_communication_failed")
    assert lines == [
        "The discharge message could not be delivered to the municipality:"
        " rejected by the municipality"
    ]
    task = await sent.driver.task(TaskKind.MEDCOM_UNDELIVERED)
    assert task.assignee.id == sent.roster.organisation_id
    await sent.driver.decide(TaskKind.MEDCOM_UNDELIVERED, note="Phoned the municipality")
    view = await sent.driver.view()
    assert task.task_id not in {t.task_id for t in view.open_tasks}
    async with db_pool.acquire() as conn:
        row = await medcom_outbox.by_header(conn, message.message_header_id)
    assert row is not None
    assert row.status == "rejected"


async def test_an_unanswered_message_is_sent_again_with_the_same_ids_then_becomes_a_task(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("never")
    await sent.driver.discharge()
    message = await _message(db_pool, sent.driver.id)
    await own_env.sleep(ACKNOWLEDGEMENT_DUE * (MAX_ATTEMPTS + 1))
    outcome = await _delivered(own_env, message)
    assert (outcome.status, outcome.attempts) == (DeliveryStatus.UNANSWERED, MAX_ATTEMPTS)
    copies = _received_by(municipality, message)
    assert len(copies) == MAX_ATTEMPTS
    assert all(c == copies[0] for c in copies), "a retransmission is the same Bundle"
    assert {c["id"] for c in copies} == {message.bundle_id}
    lines = await _timeline_has(db_pool, sent.driver.id, "timeline.care_communication_failed")
    assert lines == [
        "The discharge message could not be delivered to the municipality: no acknowledgement"
    ]
    task = await sent.driver.task(TaskKind.MEDCOM_UNDELIVERED)
    assert task.status == TaskStatus.OPEN
    async with db_pool.acquire() as conn:
        row = await medcom_outbox.by_header(conn, message.message_header_id)
    assert row is not None
    assert (row.status, row.attempts) == ("unanswered", MAX_ATTEMPTS)


async def test_a_gateway_that_refuses_the_message_makes_it_undeliverable_at_once(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("positive")
    municipality.status = 400  # not retryable: sending the same again will not help
    await sent.driver.discharge()
    message = await _message(db_pool, sent.driver.id)
    outcome = await _delivered(own_env, message)
    assert (outcome.status, outcome.attempts) == (DeliveryStatus.UNDELIVERABLE, 1)
    assert _received_by(municipality, message) == []
    lines = await _timeline_has(db_pool, sent.driver.id, "timeline.care_communication_failed")
    assert lines == [
        "The discharge message could not be delivered to the municipality: refused by the transport"
    ]
    await sent.driver.task(TaskKind.MEDCOM_UNDELIVERED)


async def test_without_consent_to_share_nothing_is_sent_to_the_municipality(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("positive", consents=(ConsentScope.PEER_SUPPORT,))
    before = len(municipality.received)
    await sent.driver.discharge()  # the hook runs in the discharge's own workflow task
    history = await sent.driver.handle.fetch_history()
    children = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    ]
    assert children == []
    async with db_pool.acquire() as conn:
        assert await medcom_outbox.for_episode(conn, sent.driver.id) == []
    assert len(municipality.received) == before


async def test_a_whole_episode_sends_the_meeting_invitation_discharge_and_closing_summary(
    own_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    municipality: FakeMunicipality,
    citizen_episode: Callable[..., Awaitable[Sent]],
) -> None:
    sent = await citizen_episode("positive")
    driver = sent.driver
    await driver.prepare()  # books the network meeting, three days ahead
    meeting_on = (await driver.now()).date() + timedelta(days=3)
    await driver.discharge()
    await driver.first_contact()
    await driver.phase(Phase.FOLLOW_UP)
    await driver.follow_up_to_the_end()
    outcome = await driver.close_out()  # the closing summary is delivered before it closes
    assert outcome.final_phase == Phase.CLOSED
    async with db_pool.acquire() as conn:
        messages = await medcom_outbox.for_episode(conn, driver.id)
    assert [(m.kind, m.status) for m in messages] == [
        ("network_meeting", "acknowledged"),
        ("discharge", "acknowledged"),
        ("closing_summary", "acknowledged"),
    ]
    said: dict[str, tuple[str, str, str]] = {}
    for message in messages:
        (bundle,) = _received_by(municipality, message)
        assert problems(bundle) == []
        communication = next(
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Communication"
        )
        said[message.kind] = (
            communication["category"][0]["coding"][0]["code"],
            communication["topic"]["text"],
            communication["payload"][0]["contentString"],
        )
    category, topic, text = said["network_meeting"]
    assert (category, topic) == ("carecoordination", "Invitation til netværksmøde")
    assert f"Dato: {danish_date(meeting_on)}" in text
    category, topic, text = said["closing_summary"]
    assert (category, topic) == ("psychiatry-social-disability", "Afslutning af forløb")
    assert "Håb (1-10) ved start og slut: 3 og 7" in text
    # The citizen's job goal is the jobcenter's, and the closing note is not the municipality's.
    assert "Find work" not in text
    assert "Went well" not in text
    async with db_pool.acquire() as conn:
        rows = await episode_queries.timeline(conn, driver.id)
    assert sorted(
        r.summary for r in rows if r.text_key == "timeline.care_communication_acknowledged"
    ) == [
        "The municipality has received the closing summary message",
        "The municipality has received the discharge message",
        "The municipality has received the network meeting message",
    ]
