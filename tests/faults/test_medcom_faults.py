"""MedCom sending under faults: CareCommunications to the municipality go out over HTTP from a
real worker process to a fake municipality, whose gateway posts each Acknowledgement to the real
API process, while the worker is killed with SIGKILL, or the API is killed while the answers
come in. Nothing may be lost, a message sent again must be the very same message (same
Bundle.id, same body), and no personal data may reach the processes' logs or the deliveries'
workflow ids, memo or search attributes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import string
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from temporalio.api.enums.v1 import EventType

from api.auth import SESSION_COOKIE
from command.synthetic.roster import Roster, make_roster
from db import medcom_outbox
from db.access import create_session, create_token
from db.medcom_outbox import OutboxMessage
from db.pool import DatabasePool
from schemas.care_communication import delivery_workflow_id
from schemas.episode import Phase
from schemas.medcom import CPR_SYSTEM
from schemas.tasks import TaskKind
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.faults.live_system import (
    ApiProcess,
    LiveSystem,
    SwitchableSmtp,
    api_process,
    figures,
    live_system,
)
from tests.medcom.fake_municipality import TOKEN, FakeMunicipality, Json, Mode, header_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

EPISODES = 20
ACKNOWLEDGEMENTS = "/api/medcom/acknowledgements"
ACKNOWLEDGED = "timeline.care_communication_acknowledged"
RECEIVED_LINE = "The municipality has received the discharge message"
# A send cut off by a kill is tried again when its start-to-close time (60 s) has run out.
SETTLE = 180.0
WAVES = 3
# The municipality's first answers come this late: after a cut-off send is tried again.
ANSWER_AFTER = 70.0
API_DOWN = 5.0
PHONE = "+4512345678"


@dataclass(frozen=True)
class Citizen:
    cpr: str
    name: str


def made_up_citizen() -> Citizen:
    """A citizen whose CPR number and name occur nowhere else, so finding either in a log
    can only mean it leaked there."""
    letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    return Citizen(cpr=new_cpr(), name=f"{letters.capitalize()} Fejlsen")


@dataclass
class Gateway:
    """The municipality's MedCom gateway handing each Acknowledgement to our API, as a VANS
    does: store and forward, the same Acknowledgement again (backing off) until our API has
    taken it. Anything but a 2xx, a 503/504 or no connection fails the test (through the
    fake's settle())."""

    http: aiohttp.ClientSession
    taken: Counter[str] = field(default_factory=Counter)  # acknowledged header id -> 2xx
    failures: Counter[str] = field(default_factory=Counter)  # why an attempt failed
    give_up_after: float = 120.0

    async def __call__(self, ack: Json) -> None:
        body = json.dumps(ack).encode()
        answered = header_of(ack)["response"]["identifier"]
        give_up_at = time.monotonic() + self.give_up_after
        backoff = 0.5
        while True:
            try:
                async with self.http.post(
                    ACKNOWLEDGEMENTS,
                    data=body,
                    headers={"Content-Type": "application/fhir+json"},
                ) as response:
                    if response.status < 300:
                        self.taken[answered] += 1
                        return
                    text = await response.text()
                    if response.status not in (503, 504):
                        raise AssertionError(f"the API answered {response.status}: {text[:300]}")
                    self.failures[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as err:
                self.failures[type(err).__name__] += 1
            assert time.monotonic() < give_up_at, "the API never took the Acknowledgement"
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 4.0)


@dataclass
class Scene:
    system: LiveSystem
    api: ApiProcess
    municipality: FakeMunicipality
    gateway: Gateway
    roster: Roster
    ward: aiohttp.ClientSession  # the ward nurse's browser session
    integration: aiohttp.ClientSession  # the ward's system, posting events
    citizens: dict[str, Citizen]  # episode id -> citizen
    logs: str = ""  # the worker's and the API's output, read before the data folder goes


async def send_until_accepted(
    http: aiohttp.ClientSession, body: dict[str, Any], timeout: float = SETTLE
) -> str:
    """POST the event; on a failure (the worker or the API away) the very same event again."""
    give_up_at = time.monotonic() + timeout
    while True:
        try:
            async with http.post("/api/events", json=body) as response:
                if response.status == 202:
                    episode_id: str = (await response.json())["episode_id"]
                    return episode_id
                text = await response.text()
                assert response.status in (503, 504), f"{response.status}: {text[:300]}"
        except (aiohttp.ClientError, TimeoutError):
            pass
        assert time.monotonic() < give_up_at, f"the event {body['type']} was never accepted"
        await asyncio.sleep(0.5)


async def sessions(pool: DatabasePool, roster: Roster) -> tuple[str, str, str]:
    """(the ward nurse's session secret, an integration token for the ward's organisation, the
    municipality gateway's token, bound to the municipality's organisation)."""
    async with pool.acquire() as conn:
        ward, _ = await create_session(conn, roster.ward_nurse, timedelta(hours=1))
        _, integration = await create_token(
            conn,
            name="ward system",
            role="integration",
            ttl=None,
            organisations=[roster.organisation_id],
        )
        _, gateway = await create_token(
            conn,
            name="municipality gateway",
            role="medcom_gateway",
            ttl=None,
            organisations=[roster.municipality_organisation_id],
        )
    return ward, integration, gateway


@contextlib.asynccontextmanager
async def medcom_scene(
    database_url: str,
    db_pool: DatabasePool,
    smtp: SwitchableSmtp,
    mode: Mode,
    late_delay: float = 0.2,
) -> AsyncIterator[Scene]:
    """The fake municipality (answering as `mode` says), the worker sending to it over HTTP,
    the API taking its Acknowledgements; EPISODES citizens referred (consent to share with the
    municipality), matched with a peer each, and waiting for their discharge."""
    async with FakeMunicipality(mode, late_delay=late_delay) as municipality:
        transport = {
            "HVERDAGSBRO_MEDCOM_TRANSPORT": "http",
            "HVERDAGSBRO_MEDCOM_GATEWAY_URL": municipality.url,
            "HVERDAGSBRO_MEDCOM_GATEWAY_TOKEN": TOKEN,
            "HVERDAGSBRO_MEDCOM_GATEWAY_TIMEOUT": "5",
        }
        smtp.up()  # the peers' offer mails
        async with (
            live_system(database_url, db_pool, smtp_port=smtp.port, extra_env=transport) as system,
            api_process(system) as api,
        ):
            roster = await make_roster(db_pool, peers=EPISODES, capacity=2)
            ward, integration, gateway = await sessions(db_pool, roster)
            timeout = aiohttp.ClientTimeout(total=30)
            async with (
                aiohttp.ClientSession(
                    base_url=api.url, headers={"Cookie": f"{SESSION_COOKIE}={ward}"}
                ) as ward_http,
                aiohttp.ClientSession(
                    base_url=api.url,
                    headers={"Authorization": f"Bearer {integration}"},
                    timeout=timeout,
                ) as integration_http,
                aiohttp.ClientSession(
                    base_url=api.url,
                    headers={"Authorization": f"Bearer {gateway}"},
                    timeout=timeout,
                ) as gateway_http,
            ):
                scene = Scene(
                    system,
                    api,
                    municipality,
                    Gateway(gateway_http),
                    roster,
                    ward_http,
                    integration_http,
                    {},
                )
                municipality.on_acknowledgement = scene.gateway
                await refer_and_match(scene)
                try:
                    yield scene
                    # Every Acknowledgement due has been handed over (raises if one was not).
                    await municipality.settle()
                finally:
                    scene.logs = "\n".join(
                        path.read_text(errors="replace")
                        for path in (system.worker_log, system.api_log)
                        if path.exists()
                    )


async def refer_and_match(scene: Scene) -> None:
    """Each citizen referred through the API, the offer accepted by the peer; all waiting for
    the discharge."""
    system = scene.system
    for _ in range(EPISODES):
        citizen = made_up_citizen()
        body = referral_body(
            scene.roster, citizen={"cpr": citizen.cpr, "name": citizen.name, "phone": PHONE}
        )
        scene.citizens[await send_until_accepted(scene.integration, body)] = citizen
    ids = list(scene.citizens)
    offers = await asyncio.gather(
        *(system.open_task(i, TaskKind.PEER_OFFER, timeout=120) for i in ids)
    )
    await asyncio.gather(*(system.accept(i, o) for i, o in zip(ids, offers, strict=True)))
    await asyncio.gather(
        *(
            system.until(i, lambda v: v.phase == Phase.PRE_DISCHARGE, "pre_discharge", 60)
            for i in ids
        )
    )


async def discharge(scene: Scene, episode_ids: list[str]) -> None:
    """The ward discharges these citizens, all at once (each event sent again until the API
    takes it: the worker or the API may be away)."""
    await asyncio.gather(
        *(
            send_until_accepted(scene.integration, event_body(episode_id, "discharged"))
            for episode_id in episode_ids
        )
    )


async def until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float, every: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(every)


async def received_at_least(scene: Scene, count: int) -> None:
    async def enough() -> bool:
        return len(scene.municipality.received) >= count

    # Looked at often: a kill that follows at once finds the other sends under way.
    await until(enough, f"{count} messages at the municipality", timeout=120, every=0.01)


async def outbox(pool: DatabasePool, scene: Scene) -> list[OutboxMessage]:
    async with pool.acquire() as conn:
        return [m for e in scene.citizens for m in await medcom_outbox.for_episode(conn, e)]


async def all_acknowledged(pool: DatabasePool, scene: Scene) -> list[OutboxMessage]:
    """The outbox rows, once every episode's discharge message is acknowledged and its
    delivery workflow has ended (it writes the outcome to the row and tells the episode)."""
    rows: list[OutboxMessage] = []

    async def done() -> bool:
        rows[:] = await outbox(pool, scene)
        return len(rows) >= EPISODES and all(r.status == "acknowledged" for r in rows)

    await until(done, "every discharge message acknowledged", timeout=SETTLE)
    for row in rows:
        handle = scene.system.client.get_workflow_handle(delivery_workflow_id(row.message_id))
        await handle.result()
    return rows


async def timeline_lines(scene: Scene) -> dict[str, list[str]]:
    """What the ward sees on each episode's timeline about the municipality's answer."""
    lines: dict[str, list[str]] = {}

    async def shown() -> bool:
        for episode_id in scene.citizens:
            async with scene.ward.get(f"/api/episodes/{episode_id}") as response:
                assert response.status == 200, await response.text()
                timeline = (await response.json())["timeline"]
            lines[episode_id] = [t["summary"] for t in timeline if t["text_key"] == ACKNOWLEDGED]
        return all(lines.values())

    await until(shown, "every timeline says the municipality received it", timeout=60)
    return lines


@dataclass(frozen=True)
class Copies:
    """What the municipality received, per Bundle.id: each copy's body (canonical JSON)."""

    bodies: dict[str, list[str]]

    @classmethod
    def of(cls, municipality: FakeMunicipality) -> Copies:
        bodies: dict[str, list[str]] = defaultdict(list)
        for bundle in municipality.received:
            bodies[bundle["id"]].append(json.dumps(bundle, sort_keys=True))
        return cls(dict(bodies))

    @property
    def retransmissions(self) -> int:
        return sum(len(copies) - 1 for copies in self.bodies.values())

    def different(self) -> list[str]:
        """Bundle ids received with more than one body: must be none."""
        return [bundle_id for bundle_id, copies in self.bodies.items() if len(set(copies)) > 1]


def cpr_of(bundle: Json) -> str:
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    return str(next(i["value"] for i in patient["identifier"] if i["system"] == CPR_SYSTEM))


async def cut_off_sends(scene: Scene, rows: list[OutboxMessage]) -> int:
    """Send attempts a kill cut off: each delivery's send activity ran `attempt` times."""
    cut = 0
    for row in rows:
        handle = scene.system.client.get_workflow_handle(delivery_workflow_id(row.message_id))
        sends: set[int] = set()
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                if attributes.activity_type.name == "send_care_communication":
                    sends.add(event.event_id)
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                started = event.activity_task_started_event_attributes
                if started.scheduled_event_id in sends:
                    cut += started.attempt - 1
    return cut


async def personal_data_in_deliveries(scene: Scene, rows: list[OutboxMessage]) -> list[str]:
    """Deliveries whose id, memo or search attributes show a citizen's CPR number or name."""
    found = []
    secrets_ = [s for c in scene.citizens.values() for s in (c.cpr, c.name)]
    for row in rows:
        workflow_id = delivery_workflow_id(row.message_id)
        info = (
            await scene.system.client.get_workflow_handle(workflow_id).describe()
        ).raw_description.workflow_execution_info
        shown = f"{workflow_id} {info.memo} {info.search_attributes}"
        found += [workflow_id for s in secrets_ if s in shown]
    return found


def assert_delivered_once_each(scene: Scene, rows: list[OutboxMessage]) -> Copies:
    """One discharge message per episode, acknowledged; each reached the municipality, every
    copy of it the same; about the right citizen. Returns what the municipality received."""
    assert len(rows) == EPISODES, "one discharge message per episode"
    assert {r.kind for r in rows} == {"discharge"}
    assert {(r.status, r.ack_code) for r in rows} == {("acknowledged", "ok")}
    copies = Copies.of(scene.municipality)
    lost = [r.message_id for r in rows if r.bundle_id not in copies.bodies]
    assert lost == [], "every message reached the municipality"
    assert set(copies.bodies) == {r.bundle_id for r in rows}, "and nothing else did"
    assert copies.different() == [], "a message sent again is byte for byte the same message"
    headers = {header_of(b)["id"] for b in scene.municipality.received}
    assert headers == {r.message_header_id for r in rows}, "one MessageHeader.id per message"
    by_bundle = {b["id"]: cpr_of(b) for b in scene.municipality.received}
    assert {by_bundle[r.bundle_id] for r in rows} == {c.cpr for c in scene.citizens.values()}
    for row in rows:
        assert by_bundle[row.bundle_id] == scene.citizens[row.episode_id].cpr
    taken = sum(scene.gateway.taken.values())
    assert taken == len(scene.municipality.acknowledgements), "our API took every answer"
    return copies


def assert_no_personal_data_in_logs(scene: Scene) -> None:
    """The worker's and the API's output, which did log these messages, name no citizen."""
    assert "care communication sent" in scene.logs, "the worker's output was captured"
    assert "medcom acknowledgement recorded" in scene.logs, "the API's output was captured"
    leaked = [
        episode_id
        for episode_id, c in scene.citizens.items()
        if any(s in scene.logs for s in (c.cpr, c.name, c.name.split()[0], PHONE))
    ]
    assert leaked == [], "no CPR number, name or phone of a citizen in the worker's or API's log"


async def test_worker_killed_while_care_communications_go_out_loses_none_and_resends_identically(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    """The citizens are discharged in WAVES; in each, the worker is killed as the second
    message of the wave reaches the municipality, and started again at once. The municipality
    answers those first copies ANSWER_AFTER seconds late, so a send cut off after its gateway
    took the message is really sent again (a send finds the message answered otherwise, and
    does not repeat it); copies that come after the last kill are answered at once, which
    keeps the test short."""
    started = time.monotonic()
    async with medcom_scene(database_url, db_pool, smtp, "late", ANSWER_AFTER) as scene:
        system = scene.system
        ids = list(scene.citizens)
        for wave in (ids[n::WAVES] for n in range(WAVES)):
            before = len(scene.municipality.received)
            discharging = asyncio.create_task(discharge(scene, wave))
            await received_at_least(scene, before + 2)
            await system.kill_worker()
            await system.start_worker()
            await system.worker_ready()
            await discharging
        scene.municipality.mode = "positive"
        rows = await all_acknowledged(db_pool, scene)
        lines = await timeline_lines(scene)
        cut = await cut_off_sends(scene, rows)
        in_workflows = await personal_data_in_deliveries(scene, rows)
        kills = system.worker_kills

    copies = assert_delivered_once_each(scene, rows)
    assert {tuple(v) for v in lines.values()} == {(RECEIVED_LINE,)}, "one line each, as shown"
    assert cut >= 1, "the kills cut sends off under way"
    # A message goes again only when a kill cut its send off (the gateway may have taken it).
    assert copies.retransmissions <= cut
    assert in_workflows == [], "no personal data in a delivery's id, memo or search attributes"
    assert_no_personal_data_in_logs(scene)
    figures(
        "medcom worker killed",
        f"medcom worker killed: kills {kills}, episodes {EPISODES}, messages {len(rows)}, "
        f"received {len(scene.municipality.received)}, retransmissions "
        f"{copies.retransmissions} (all identical), send attempts cut off {cut}, "
        f"acknowledgements {len(scene.municipality.acknowledgements)}, lost 0, "
        f"{time.monotonic() - started:.0f} s",
    )


async def test_api_killed_while_acknowledgements_come_in_ends_every_delivery_acknowledged(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    """The API is killed (SIGKILL) just after the first messages reach the municipality, whose
    answers come a second later, and is started again API_DOWN seconds later. The gateway
    keeps each Acknowledgement and hands it over again until the API takes it; every delivery
    still ends acknowledged, each message sent once."""
    started = time.monotonic()
    async with medcom_scene(database_url, db_pool, smtp, "late", late_delay=1.0) as scene:
        discharging = asyncio.create_task(discharge(scene, list(scene.citizens)))
        await received_at_least(scene, 3)
        await scene.api.kill()
        await asyncio.sleep(API_DOWN)
        await scene.api.start()
        await discharging
        rows = await all_acknowledged(db_pool, scene)
        lines = await timeline_lines(scene)
        in_workflows = await personal_data_in_deliveries(scene, rows)

    copies = assert_delivered_once_each(scene, rows)
    assert {tuple(v) for v in lines.values()} == {(RECEIVED_LINE,)}, "one line each, as shown"
    assert copies.retransmissions == 0, "the worker ran throughout: each message went once"
    refused = sum(scene.gateway.failures.values())
    assert refused >= 1, "Acknowledgements came while the API was away"
    assert in_workflows == [], "no personal data in a delivery's id, memo or search attributes"
    assert_no_personal_data_in_logs(scene)
    figures(
        "medcom API killed",
        f"medcom API killed: API kills {scene.api.kills}, down {API_DOWN:.0f} s, episodes "
        f"{EPISODES}, messages {len(rows)}, received {len(scene.municipality.received)}, "
        f"acknowledgements {len(scene.municipality.acknowledgements)}, hand-overs failed "
        f"{refused} ({dict(scene.gateway.failures)}), lost 0, "
        f"{time.monotonic() - started:.0f} s",
    )
