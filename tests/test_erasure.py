"""Data-subject erasure: an episode fed distinctive personal data through every input is erased,
then all of PostgreSQL, the Temporal history (decoded with the codec) and the visibility store
are searched for that data: none is left, and a restored backup is erased again from the ledger.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import History
from temporalio.client import Client
from temporalio.converter import WorkflowSerializationContext
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import CITIZEN_IDLE, SESSION_COOKIE
from command.erasure import erase_citizen, read_ledger, reapply
from command.synthetic.roster import Roster, make_roster
from db import citizen_preferences, courses, outbox, peer_groups, relatives
from db.access import create_session, create_token
from db.citizen_sign_in import citizen_session, create_citizen_session, issue_link, link_state
from db.citizens import upsert_citizen
from db.erasure import erase
from db.outbox import Queued
from db.pool import DatabasePool
from db.supervision import Actor
from hverdagsbro.encryption import EncryptionCodec, data_converter
from hverdagsbro.episode_keys import EpisodeKeys, KeyDestroyedError
from hverdagsbro.search_attributes import (
    BRIDGE_PHASE,
    DISCHARGE_DATE,
    MUNICIPALITY,
    OVERDUE_TASKS,
    PROGRAMME,
)
from hverdagsbro.settings import Settings
from schemas.courses import (
    EnrolledBy,
    NewParticipant,
    ParticipantKind,
    participant_user_id,
)
from schemas.notifications import Channel, DeliveryStatus, Notification, Template
from schemas.people import Recipient, Role
from schemas.roster import SupervisionSchedule
from tests.activities.citizens import citizen_episode
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.api.test_events_api import until_applied, wait_for_task
from tests.api.test_medcom_api import from_sender
from tests.builders import course_term, peer_group
from tests.conftest import free_port
from tests.medcom.bundles import _load, example_files, resource, short_name
from tests.temporal_servers import DEV_SERVER
from tests.test_keys import TEST_KEYS
from workers.worker import build_worker, episode_activities

MEDCOM_URL = "/api/medcom/hospital-notifications"


class Refusing:
    """An SMTP server that refuses every message with a reply naming the recipient."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return self.reply


@pytest.fixture
def refusing_smtp(request: pytest.FixtureRequest) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        Refusing("550 5.1.1 mailbox of Zebulon Erasmussen unavailable"),
        hostname="127.0.0.1",
        port=port,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
async def dev_env(db_pool: DatabasePool) -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (deletion and visibility), per-episode keys."""
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(EpisodeKeys(TEST_KEYS, db_pool)),
        dev_server_existing_path=DEV_SERVER,
        search_attributes=[BRIDGE_PHASE, PROGRAMME, MUNICIPALITY, DISCHARGE_DATE, OVERDUE_TASKS],
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


class Person:
    """Distinctive personal data: each value is unique to this test run."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.cpr = new_cpr()
        self.name = f"Zebulon Erasmussen{tag}"
        self.phone = f"+45{uuid.uuid4().int % 10**8:08d}"
        self.email = f"zebulon.{tag}@erasure.example"
        self.goal = f"Svoemme i havet {tag}"
        self.offer_note = f"Peer note about Zebulon {tag}"
        self.contact_note = f"Talked about the sister {tag}"
        self.concern_note = f"Worried about the medication {tag}"
        self.service = f"housing support at Zebulon {tag}"
        self.close_reason = f"moved to the sister {tag}"

    def needles(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if isinstance(v, str)}


async def test_erasure_leaves_no_personal_data_in_postgresql_temporal_or_search_attributes(
    db_pool: DatabasePool, dev_env: WorkflowEnvironment, refusing_smtp: int, tmp_path: Path
) -> None:
    person = Person()
    roster = await make_roster(db_pool, peers=1)
    queue = f"erasure-{uuid.uuid4().hex[:6]}"
    ledger = tmp_path / "erasure-ledger.jsonl"
    settings = Settings(
        task_queue=queue,
        smtp_host="127.0.0.1",
        smtp_port=refusing_smtp,
        public_url="http://hverdagsbro.test",
        quiet_hours="none",  # the same at any hour CI runs
    )
    client = dev_env.client
    app = create_app(settings, pool=db_pool, temporal=client)
    async with httpx.AsyncClient(timeout=5.0) as http:
        worker = build_worker(
            client,
            task_queue=queue,
            activities=episode_activities(db_pool, settings, http),
            max_cached_workflows=10,
        )
        async with worker:
            episode_id, citizen_id = await _feed_every_input(app, db_pool, roster, person)
            handle = client.get_workflow_handle(episode_id)
            failure = await _failed_delivery(client, episode_id)
            history = History(events=(await handle.fetch_history()).events)
            described = (await handle.describe()).raw_description

            # Before: the inputs reached PostgreSQL, the history carries them encrypted, the
            # operator reads the failure text through the codec, and nothing is in clear.
            before = await _found_in_postgresql(db_pool, person.needles())
            assert set(before) == set(person.needles()), before
            raw = str(history) + str(described)
            assert not [k for k, v in person.needles().items() if v in raw]
            plain = await _decoded_text(db_pool, _payloads(history))
            assert person.goal in plain and person.cpr not in plain
            assert failure.message == "Encoded failure" and not failure.stack_trace
            message = await _failure_message(db_pool, episode_id, failure)
            assert "deliveries failed" in message
            indexed = described.workflow_execution_info.search_attributes.indexed_fields
            attributes = [str(v) for v in indexed.values()]
            assert citizen_id not in " ".join(attributes)
            assert not [v for v in person.needles().values() if v in " ".join(attributes)]

            report = await erase_citizen(
                db_pool, client, citizen_id, actor_id="dpo-test", ledger=ledger
            )

    assert report.episodes == (episode_id,)
    assert report.workflows_deleted == 1
    assert await _found_in_postgresql(db_pool, person.needles()) == {}
    # A copy of the history taken before (Temporal's own backups): nothing decrypts.
    for payload in _payloads(history) + _payloads(described):
        if payload.metadata.get("encoding") == b"binary/encrypted":
            with pytest.raises(KeyDestroyedError):
                await _codec(db_pool).decode([payload])
    with pytest.raises(KeyDestroyedError):
        await _failure_message(db_pool, episode_id, failure)
    await _gone_from_temporal(client, episode_id)
    assert [e.citizen_id for e in read_ledger(ledger)] == [citizen_id]
    assert not [v for v in person.needles().values() if v in ledger.read_text()]

    await _restore_backup_then_reapply(db_pool, client, person, citizen_id, episode_id, ledger)


async def test_a_failure_text_is_encrypted_with_the_episode_key_and_erased_with_it(
    db_pool: DatabasePool,
) -> None:
    """A failure naming a person (a server reply echoing an address) goes to the history only
    encrypted with the episode's key: readable for operators until the key is destroyed."""
    converter = data_converter(EpisodeKeys(TEST_KEYS, db_pool))
    episode_id = f"episode-{uuid.uuid4().hex[:24]}"
    scoped = converter.with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=episode_id)
    )
    failure = Failure()
    await scoped.encode_failure(
        ApplicationError("delivery to zebulon@erasure.example refused", type="Delivery"), failure
    )
    assert b"zebulon" not in failure.SerializeToString()
    assert failure.encoded_attributes.metadata["encryption-key-id"] == f"ep.{episode_id}".encode()
    readable = await scoped.decode_failure(copy.deepcopy(failure))
    assert "zebulon@erasure.example" in str(readable)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE payload_keys SET wrapped_key = NULL, master_key_id = NULL,"
            " destroyed_at = now() WHERE workflow_id = $1",
            episode_id,
        )
    fresh = data_converter(EpisodeKeys(TEST_KEYS, db_pool)).with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=episode_id)
    )
    with pytest.raises(KeyDestroyedError):
        await fresh.decode_failure(failure)


async def _feed_every_input(
    app: Any, db_pool: DatabasePool, roster: Roster, person: Person
) -> tuple[str, str]:
    """Referral, decisions with notes and results, contact and concern notes, a MedCom
    message, a close reason: all through the API, as staff and the gateway send them."""
    ward = await _session(app, db_pool, roster.ward_nurse)
    peer = await _session(app, db_pool, roster.peers[0])
    caseworker = await _session(app, db_pool, roster.caseworkers["social_services"])
    body = referral_body(
        roster,
        citizen={
            "cpr": person.cpr,
            "name": person.name,
            "phone": person.phone,
            "email": person.email,
        },
        goals=[{"area": "network", "text": person.goal}],
    )
    referred = await ward.post("/api/events", json=body)
    assert referred.status_code == 202, referred.text
    episode_id: str = referred.json()["episode_id"]

    offer = await wait_for_task(peer, "peer_offer", timeout=20)
    accepted = await peer.post(
        f"/api/tasks/{offer['task_id']}/accept", json={"note": person.offer_note}
    )
    assert accepted.status_code == 200, accepted.text
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    for event in (
        event_body(episode_id, "discharge_planned", {"planned_for": tomorrow}),
        event_body(episode_id, "discharged"),
    ):
        assert (await ward.post("/api/events", json=event)).status_code == 202
    confirm = await wait_for_task(caseworker, "confirm_service", timeout=20)
    done = await caseworker.post(
        f"/api/tasks/{confirm['task_id']}/complete",
        # The offer is a closed list now; the canary text rides in the decision note.
        json={
            "note": person.service,
            "result": {"kind": "service_confirmed", "service": "housing_support"},
        },
    )
    assert done.status_code == 200, done.text
    await wait_for_task(peer, "first_contact", timeout=20)
    notes = [
        event_body(episode_id, "contact_logged", {"channel": "phone", "note": person.contact_note}),
        event_body(episode_id, "concern_flagged", {"note": person.concern_note}),
    ]
    for event in notes:
        assert (await peer.post("/api/events", json=event)).status_code == 202
        await until_applied(peer, event["event_id"], timeout=20)
    await _medcom_message(app, db_pool, roster, person)
    closing = event_body(episode_id, "close_requested", {"reason": person.close_reason})
    assert (await peer.post("/api/events", json=closing)).status_code == 202
    async with db_pool.acquire() as conn:
        citizen_id: str = await conn.fetchval(
            "SELECT citizen_id FROM episodes WHERE episode_id = $1", episode_id
        )
    for caller in (ward, peer, caseworker):
        await caller.aclose()
    return episode_id, citizen_id


async def _medcom_message(app: Any, db_pool: DatabasePool, roster: Roster, person: Person) -> None:
    """An admission HospitalNotification for the person, with their name in the Patient,
    sent by the roster's ward through a gateway token bound to it."""
    async with db_pool.acquire() as conn:
        _, secret = await create_token(
            conn,
            name="erasure gateway",
            role="medcom_gateway",
            ttl=None,
            sor_codes=[roster.ward_sor],
        )
    admission = next(p for p in example_files() if short_name(p).startswith("a5e5"))
    bundle = from_sender(_load(admission), roster.ward_sor)
    patient = resource(bundle, "Patient")
    for identifier in patient["identifier"]:
        if identifier["system"] == "urn:oid:1.2.208.176.1.2":
            identifier["value"] = person.cpr
    patient["name"] = [{"use": "official", "family": person.name, "given": ["Zebulon"]}]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {secret}"},
    ) as gateway:
        response = await gateway.post(MEDCOM_URL, json=bundle)
    assert response.status_code == 200, response.text


async def _session(app: Any, db_pool: DatabasePool, user_id: str) -> httpx.AsyncClient:
    async with db_pool.acquire() as conn:
        secret, _ = await create_session(conn, user_id, timedelta(hours=1))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        cookies={SESSION_COOKIE: secret},
    )


async def _failed_delivery(client: Client, episode_id: str) -> Failure:
    """The failure of a delivery the SMTP server refused, as Temporal holds it."""
    for _ in range(300):
        described = (await client.get_workflow_handle(episode_id).describe()).raw_description
        for pending in described.pending_activities:
            if pending.HasField("last_failure"):
                return pending.last_failure
        await asyncio.sleep(0.1)
    raise AssertionError("no delivery failed")


async def _found_in_postgresql(db_pool: DatabasePool, needles: dict[str, str]) -> dict[str, str]:
    """Which needles occur in any text, jsonb, array or bytea column of any table:
    needle name -> the first table.column holding it."""
    found: dict[str, str] = {}
    async with db_pool.acquire() as conn:
        columns = await conn.fetch(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
            " AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json',"
            " 'ARRAY', 'bytea')"
        )
        assert {"tasks", "outbox", "events_received", "audit_log"} <= {
            c["table_name"] for c in columns
        }
        for column in columns:
            table, name = f'"{column["table_name"]}"', f'"{column["column_name"]}"'
            for key, needle in needles.items():
                if key in found:
                    continue
                if column["data_type"] == "bytea":
                    sql = f"SELECT count(*) FROM {table} WHERE position($1 in {name}) > 0"
                    hits = await conn.fetchval(sql, needle.encode())
                else:
                    sql = f"SELECT count(*) FROM {table} WHERE {name}::text LIKE $1"
                    hits = await conn.fetchval(sql, f"%{needle}%")
                if hits:
                    found[key] = f"{column['table_name']}.{column['column_name']}"
    return found


def _payloads(message: Message) -> list[Payload]:
    """Every Payload anywhere inside a protobuf message (inputs, results, failures...)."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = list(value.values())
        elif isinstance(value, Message):
            items = [value]
        else:
            items = list(value)
        for item in items:
            if isinstance(item, Message):
                found += _payloads(item)
    return found


def _codec(db_pool: DatabasePool) -> EncryptionCodec:
    return EncryptionCodec(EpisodeKeys(TEST_KEYS, db_pool))


async def _decoded_text(db_pool: DatabasePool, payloads: list[Payload]) -> str:
    decoded = await _codec(db_pool).decode(payloads)
    return " ".join(p.data.decode("utf-8", errors="replace") for p in decoded)


async def _failure_message(db_pool: DatabasePool, episode_id: str, failure: Failure) -> str:
    converter = data_converter(EpisodeKeys(TEST_KEYS, db_pool)).with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=episode_id)
    )
    return str(await converter.decode_failure(copy.deepcopy(failure)))


async def _gone_from_temporal(client: Client, episode_id: str) -> None:
    """The execution, its history and its visibility record (search attributes) are gone
    (the dev server deletes about 30 s after the request)."""
    status: RPCStatusCode | None = None
    listed: list[str] = []
    for _ in range(180):
        listed = [w.id async for w in client.list_workflows(f"WorkflowId = '{episode_id}'")]
        status = None
        try:
            await client.get_workflow_handle(episode_id).fetch_history()
        except RPCError as err:
            status = err.status
        if status not in (None, RPCStatusCode.NOT_FOUND):
            raise AssertionError(f"fetching the history failed with {status}")
        if status == RPCStatusCode.NOT_FOUND and not listed:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"{episode_id} still in Temporal: {status}, listed {listed}")


async def _restore_backup_then_reapply(
    db_pool: DatabasePool,
    client: Client,
    person: Person,
    citizen_id: str,
    episode_id: str,
    ledger: Path,
) -> None:
    """A backup from before the erasure is restored: the CPR and a data key are back and the
    database's ledger has no entry. `erase --reapply` reads the ledger file and erases again."""
    async with db_pool.acquire() as conn:
        await conn.execute("DELETE FROM erasures WHERE citizen_id = $1", citizen_id)
        await conn.execute(
            "UPDATE citizens SET cpr = $2, erased_at = NULL WHERE citizen_id = $1",
            citizen_id,
            person.cpr,
        )
        await conn.execute("DELETE FROM payload_keys WHERE workflow_id = $1", episode_id)
    restored_key = await EpisodeKeys(TEST_KEYS, db_pool).encryption_key(
        WorkflowSerializationContext(namespace="default", workflow_id=episode_id)
    )
    assert restored_key.key_id == f"ep.{episode_id}"
    assert await _found_in_postgresql(db_pool, {"cpr": person.cpr}) == {"cpr": "citizens.cpr"}

    again = await reapply(db_pool, client, actor_id="dpo-test", ledger=ledger)

    assert again.citizens >= 1
    assert await _found_in_postgresql(db_pool, person.needles()) == {}
    with pytest.raises(KeyDestroyedError):
        await EpisodeKeys(TEST_KEYS, db_pool).decryption_key(f"ep.{episode_id}")
    async with db_pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT citizen_id FROM erasures WHERE citizen_id = $1", citizen_id
        )


async def test_an_episodes_medcom_deliveries_use_its_key_and_are_erased_with_it(
    db_pool: DatabasePool,
) -> None:
    """The child workflow that delivers an episode's MedCom message encrypts with the episode's
    key (its input sits in the episode's history too); other ids keep the master ring."""
    keys = EpisodeKeys(TEST_KEYS, db_pool)
    episode_id = f"episode-{uuid.uuid4().hex[:24]}"

    def context(workflow_id: str) -> WorkflowSerializationContext:
        return WorkflowSerializationContext(namespace="default", workflow_id=workflow_id)

    delivery = await keys.encryption_key(context(f"care-communication-{episode_id}-cc3"))
    episode = await keys.encryption_key(context(episode_id))
    assert delivery.key_id == episode.key_id == f"ep.{episode_id}"
    for other in ("care-communication-x-cc1", f"care-communication-{episode_id}-ccx", "bench-1"):
        assert (await keys.encryption_key(context(other))).key_id == TEST_KEYS.current.key_id


async def test_a_citizens_peer_group_memberships_and_attendance_are_erased_with_them(
    db_pool: DatabasePool,
) -> None:
    """That a citizen goes to a peer group, when and whether they came, is about them: it goes;
    the group, its sessions and the other members stay."""
    roster = await make_roster(db_pool, peers=1)
    who = Actor(role="peer", actor_id=roster.peers[0])
    citizen_id, erased, kept = f"cit-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex, uuid.uuid4().hex
    async with db_pool.acquire() as conn:
        group = await peer_group(
            conn,
            roster.organisation_id,
            roster.peers[0],
            schedule=SupervisionSchedule(weekday=4, time=datetime.min.time()),
            seats=6,
            name="Erasure group",
            who=who,
        )
        today = datetime.now(UTC).date()
        member = await peer_groups.add_member(
            conn, group.group_id, today, who, episode_id=f"ep-{erased}"
        )
        other = await peer_groups.add_member(
            conn, group.group_id, today, who, episode_id=f"ep-{kept}"
        )
        assert member is not None and other is not None
        session_id = await peer_groups.plan_session(conn, group.group_id, datetime.now(UTC))
        await peer_groups.record_attendance(conn, session_id, {member: False, other: True}, who)
        await peer_groups.open_task(
            conn,
            kind="member_absent",
            group_id=group.group_id,
            organisation_id=roster.organisation_id,
            session_id=session_id,
            dedupe_key=f"member_absent:{member}:{session_id}",
            due_at=datetime.now(UTC),
            member_id=member,
        )
        await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=[f"ep-{erased}"],
            actor_role="operator",
            actor_id="dpo-test",
        )
        assert await peer_groups.episode_groups(conn, f"ep-{erased}") == []
        assert await peer_groups.attendance(conn, session_id) == {other: True}
        assert await peer_groups.open_tasks(conn, group.group_id) == []
        assert await peer_groups.episode_groups(conn, f"ep-{kept}") == [(other, group.group_id)]


async def test_a_citizens_course_participation_is_erased_with_them(db_pool: DatabasePool) -> None:
    """A citizen enrolled in a course with their episode: their name, address, enrolment,
    attendance and follow-up task go, and the notices addressed to them keep no params; the
    term and the other participants stay."""
    roster = await make_roster(db_pool, peers=1)
    who = Actor(role="coordinator", actor_id=roster.coordinator)
    episode_id, kept_episode = f"ep-{uuid.uuid4().hex}", f"ep-{uuid.uuid4().hex}"
    needle = f"Erasable{uuid.uuid4().hex[:10]}"
    start = datetime.now(UTC) - timedelta(days=1)
    async with db_pool.acquire() as conn:
        term_id = await course_term(
            conn,
            who,
            roster.organisation_id,
            [start],
            seats=5,
            teachers=(roster.peers[0],),
            title=("Erasure course", "Sletningskursus"),
            place="Room 1",
            participant_kinds=(ParticipantKind.CITIZEN,),
        )
        people = {}
        for episode, name in ((episode_id, needle), (kept_episode, "Kept Person")):
            people[episode] = await courses.create_participant(
                conn,
                NewParticipant(
                    display_name=name,
                    email=f"{name.lower().replace(' ', '.')}@example.org",
                    phone="+45 12345678",
                    kind=ParticipantKind.CITIZEN,
                    episode_id=episode,
                    consent_at=datetime.now(UTC),
                ),
            )
            await courses.enrol(conn, term_id, people[episode], EnrolledBy(role="ward"))
        erased, kept = people[episode_id], people[kept_episode]
        session_id = (await courses.sessions(conn, term_id))[0].session_id
        await courses.record_attendance(conn, session_id, {erased: False, kept: True}, who)
        notice = Notification(
            notification_id=f"course-erasure-{uuid.uuid4().hex}",
            recipient=Recipient(role=Role.SYSTEM, id=term_id),
            template=Template.COURSE_SESSION_REMINDER,
            created_at=datetime.now(UTC),
            params={"title": "Erasure course", "place": "Room 1"},
        )
        await outbox.queue(
            conn,
            notice,
            [Queued(user_id=participant_user_id(erased), channel=Channel.EMAIL,
                    status=DeliveryStatus.PENDING)],
        )  # fmt: skip
        assert await _found_in_postgresql(db_pool, {"name": needle}) != {}
        await erase(
            conn,
            citizen_id=f"cit-{uuid.uuid4().hex[:10]}",
            episode_ids=[episode_id],
            actor_role="operator",
            actor_id="dpo-test",
        )
        assert await courses.participant(conn, erased) is None
        assert await courses.enrolment(conn, term_id, erased) is None
        assert await courses.attendance(conn, session_id) == {kept: True}
        params = await conn.fetchval(
            "SELECT params FROM outbox WHERE notification_id = $1", notice.notification_id
        )
        assert params == "{}"
        assert await courses.participant(conn, kept) is not None
        assert await courses.term(conn, term_id) is not None
    assert await _found_in_postgresql(db_pool, {"name": needle}) == {}


async def test_a_citizens_sign_in_links_and_sessions_are_erased_with_them(
    db_pool: DatabasePool,
) -> None:
    """The one-time links sent to a citizen and their sessions (digests and ids) go with
    them: the link and the session no longer sign anyone in; another citizen's stay."""
    episode_id, kept_episode = f"ep-{uuid.uuid4().hex}", f"ep-{uuid.uuid4().hex}"
    nurse = Actor(role="ward", actor_id="nurse-erasure")
    async with db_pool.acquire() as conn:
        made = []
        for episode in (episode_id, kept_episode):
            citizen = await upsert_citizen(conn, cpr=new_cpr())
            link = await issue_link(
                conn, citizen_id=citizen, episode_id=episode, channel=Channel.EMAIL, asked_by=nurse
            )
            assert link is not None
            session, _ = await create_citizen_session(conn, citizen, episode, timedelta(hours=1))
            made.append((citizen, link.secret, session))
        (erased, erased_link, erased_session), (kept, kept_link, kept_session) = made
        await erase(
            conn,
            citizen_id=erased,
            episode_ids=[episode_id],
            actor_role="operator",
            actor_id="dpo-test",
        )
        assert await link_state(conn, erased_link) is None
        assert await citizen_session(conn, erased_session, CITIZEN_IDLE) is None
        assert await link_state(conn, kept_link) is not None
        still = await citizen_session(conn, kept_session, CITIZEN_IDLE)
        assert still is not None and still.citizen_id == kept


async def test_a_citizens_relatives_and_message_choices_are_erased_with_them(
    db_pool: DatabasePool,
) -> None:
    """Who the citizen's relatives are and how to reach them, and what the citizen chose
    about reminders, go; the messages queued to the relatives keep no params; another
    episode's relative stays."""
    erased = await citizen_episode(db_pool)
    kept = await citizen_episode(db_pool)
    relative = await erased.relative()
    other = await kept.relative()
    notice = erased.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05")
    await erased.commit(notifications=(notice,))
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, erased.citizen_id, True, erased.me()
        )
    needles = {"name": relative.name, "phone": relative.phone or "", "email": relative.email or ""}
    assert set(await _found_in_postgresql(db_pool, needles)) == set(needles)

    async with db_pool.acquire() as conn:
        await erase(
            conn,
            citizen_id=erased.citizen_id,
            episode_ids=[erased.episode_id],
            actor_role="operator",
            actor_id="dpo-test",
        )
        assert await relatives.current(conn, erased.episode_id) == []
        choices = await conn.fetchval(
            "SELECT count(*) FROM citizen_message_preferences WHERE citizen_id = $1",
            erased.citizen_id,
        )
        params = await conn.fetchval(
            "SELECT DISTINCT params::text FROM outbox WHERE notification_id = $1",
            notice.notification_id,
        )
        assert [r.relative_id for r in await relatives.current(conn, kept.episode_id)] == [
            other.relative_id
        ]
    assert choices == 0
    assert params == "{}"
    assert await _found_in_postgresql(db_pool, needles) == {}
