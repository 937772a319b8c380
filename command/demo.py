"""The demo: a fake capital-region roster and one episode started through the real starter."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Literal

import structlog
from pydantic import Field, model_validator
from temporalio.client import Client

from api.passwords import hash_password
from db import demo as demo_rows
from db.connection import PooledConnection
from db.demo import PeerOffer
from db.pool import DatabasePool
from db.programmes import default_programmes
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings
from schemas.base import Frozen
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import Goal, GoalArea, Referral, ReferralCreated
from schemas.people import Actor, Role

log = structlog.get_logger(__name__)

# The demo referral: from ward A, for the SIND peer-guide programme, citizen in København.
DEMO_WARD = "ward-psyk-a"
DEMO_NURSE = "nurse-demo-a"
DEMO_ORGANISATION = "demo-patients"
DEMO_PROGRAMME = "peer-guide-sind"
DEMO_MUNICIPALITY = "101"
DEMO_CITIZEN_NAME = "Demo Borgersen (fictional)"


def refuse_demo_in_production(settings: Settings) -> None:
    """The demo adds users with a published password and a fictional episode: never in
    production, whatever database it is pointed at."""
    refuse_in_production(
        settings,
        "`hverdagsbro demo` (fictional users sharing a published password)",
        remedy="run it against a development setup (HVERDAGSBRO_ENVIRONMENT=development)",
    )


class Partnership(Frozen):
    partnership_id: str
    name: str


class Organisation(Frozen):
    organisation_id: str
    name: str
    kind: Literal["region", "municipality", "ngo", "association"]
    partnership_id: str | None = None


class Municipality(Frozen):
    municipality_code: str = Field(pattern=r"^[0-9]{3,4}$")
    name: str
    organisation_id: str | None = None
    # The addresses CareCommunications are sent to (made-up demo codes).
    sor_code: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    ean: str | None = Field(default=None, pattern=r"^[0-9]{13}$")


class Ward(Frozen):
    ward_id: str
    name: str
    organisation_id: str
    sor_code: str | None = None
    ean: str | None = Field(default=None, pattern=r"^[0-9]{13}$")


class PeerProfile(Frozen):
    employment: Literal["employed", "volunteer"]
    trained: bool
    training_completed: date | None = None
    supervision_group: str | None = None
    languages: list[str]
    programmes: list[str]
    municipalities: list[str]
    capacity: int = Field(ge=0)


class User(Frozen):
    user_id: str
    role: Literal["ward", "peer", "coordinator", "caseworker", "operator"]
    display_name: str
    email: str = Field(pattern=r"@example\.org$")
    organisation_id: str | None = None
    municipality_code: str | None = None
    ward_id: str | None = None
    service: Literal["social_services", "jobcenter", "education"] | None = None
    peer: PeerProfile | None = None

    @model_validator(mode="after")
    def _peers_have_a_profile(self) -> User:
        if (self.role == "peer") != (self.peer is not None):
            raise ValueError(f"{self.user_id}: a 'peer' profile belongs to peers, and only them")
        if self.peer is not None and self.organisation_id is None:
            raise ValueError(f"{self.user_id}: a peer needs an organisation_id")
        return self


class DemoRoster(Frozen):
    partnerships: list[Partnership]
    organisations: list[Organisation]
    municipalities: list[Municipality]
    wards: list[Ward]
    users: list[User]

    @model_validator(mode="after")
    def _programmes_exist(self) -> DemoRoster:
        known = {p.code for p in default_programmes()}
        for user in self.users:
            unknown = set(user.peer.programmes if user.peer else ()) - known
            if unknown:
                raise ValueError(f"{user.user_id}: unknown programmes {sorted(unknown)}")
        return self

    @model_validator(mode="after")
    def _every_escalation_reaches_someone(self) -> DemoRoster:
        """Refused when some escalation would reach nobody: a ward without staff, or an
        organisation with no coordinator in it or in its partnership (see db/outbox.py)."""
        staffed = {u.ward_id for u in self.users if u.role == "ward"}
        for ward in self.wards:
            if ward.ward_id not in staffed:
                raise ValueError(
                    f"wards.{ward.ward_id}: no ward staff, so its tasks and escalations"
                    " would reach nobody"
                )
        coordinated = {
            u.organisation_id for u in self.users if u.role == "coordinator" and u.organisation_id
        }
        covered = {
            o.partnership_id
            for o in self.organisations
            if o.organisation_id in coordinated and o.partnership_id
        }
        for org in self.organisations:
            if org.organisation_id not in coordinated and org.partnership_id not in covered:
                raise ValueError(
                    f"organisations.{org.organisation_id}: no coordinator in the organisation"
                    " or its partnership, so its escalations would reach nobody"
                )
        return self

    @property
    def peers(self) -> list[User]:
        return [u for u in self.users if u.peer is not None]


def demo_roster() -> DemoRoster:
    """The roster shipped in db/reference/demo_roster.json, validated."""
    raw = (resources.files("db") / "reference" / "demo_roster.json").read_text(encoding="utf-8")
    return DemoRoster.model_validate_json(raw)


async def load_demo_roster(pool: DatabasePool, roster: DemoRoster) -> None:
    """Insert or refresh every row of the roster (safe to run again; peers keep their load)."""
    async with pool.acquire() as conn, conn.transaction():
        for p in roster.partnerships:
            await demo_rows.put_partnership(conn, p.partnership_id, p.name)
        for o in roster.organisations:
            await demo_rows.put_organisation(
                conn, o.organisation_id, o.name, o.kind, o.partnership_id
            )
        for m in roster.municipalities:
            await demo_rows.put_municipality(
                conn, m.municipality_code, m.name, m.organisation_id, m.sor_code, m.ean
            )
        for w in roster.wards:
            await demo_rows.put_ward(conn, w.ward_id, w.name, w.organisation_id, w.sor_code, w.ean)
        for u in roster.users:
            await _put_user(conn, u)


# The shared log-in password of the fictional demo users (printed by `hverdagsbro demo`).
DEMO_PASSWORD = "hverdagsbro-demo"
_DEMO_HASH = hash_password(DEMO_PASSWORD)


async def _put_user(conn: PooledConnection, u: User) -> None:
    await demo_rows.put_user(
        conn,
        user_id=u.user_id,
        role=u.role,
        display_name=u.display_name,
        email=u.email,
        organisation_id=u.organisation_id,
        municipality_code=u.municipality_code,
        ward_id=u.ward_id,
        service=u.service,
        password_hash=_DEMO_HASH,
    )
    if u.peer is None:
        return
    await demo_rows.put_peer(
        conn,
        peer_id=u.user_id,
        organisation_id=u.organisation_id,
        employment=u.peer.employment,
        trained=u.peer.trained,
        training_completed=u.peer.training_completed,
        supervision_group=u.peer.supervision_group,
        languages=u.peer.languages,
        programmes=u.peer.programmes,
        municipalities=u.peer.municipalities,
        capacity=u.peer.capacity,
    )


def demo_referral(citizen_id: str, now: datetime) -> ReferralCreated:
    """Ward A refers a (fictional) citizen to the peer-guide programme, with consent."""
    nurse = Actor(role=Role.WARD, id=DEMO_NURSE)
    consents = tuple(
        ConsentGrant(scope=scope, recorded_by=nurse, recorded_at=now, method=ConsentMethod.WRITTEN)
        for scope in (ConsentScope.PEER_SUPPORT, ConsentScope.SHARE_WITH_MUNICIPALITY)
    )
    return ReferralCreated(
        event_id=f"demo-referral-{uuid.uuid4().hex}",
        occurred_at=now,
        actor=nurse,
        payload=Referral(
            programme=DEMO_PROGRAMME,
            citizen_id=citizen_id,
            municipality_code=DEMO_MUNICIPALITY,
            ward_id=DEMO_WARD,
            organisation_id=DEMO_ORGANISATION,
            goals=(
                Goal(area=GoalArea.NETWORK, text="See my old friends again"),
                Goal(area=GoalArea.JOB, text="Find out whether I can work a few hours a week"),
            ),
            consents=consents,
            admitted_at=now - timedelta(days=5),
        ),
    )


async def start_demo_episode(client: Client, pool: DatabasePool, task_queue: str) -> str:
    """A fictional citizen row and their referral, started as an episode; returns its id."""
    from workers.starter import episode_id_for, start_episode

    citizen_id = uuid.uuid4().hex
    event = demo_referral(citizen_id, datetime.now(UTC))
    async with pool.acquire() as conn:
        await demo_rows.add_named_citizen(
            conn,
            citizen_id,
            DEMO_CITIZEN_NAME,
            episode_id=episode_id_for(event.event_id),
            recorded_by=event.actor,
        )
    episode_id = await start_episode(client, pool, event, task_queue=task_queue)
    log.info("demo episode started", episode_id=episode_id)
    return episode_id


async def first_peer_offer(pool: DatabasePool, episode_id: str) -> PeerOffer | None:
    """The episode's first peer_offer task in the read model, if it is there yet."""
    async with pool.acquire() as conn:
        return await demo_rows.first_peer_offer(conn, episode_id)


async def wait_for_peer_offer(
    pool: DatabasePool, episode_id: str, *, within: float = 60.0
) -> PeerOffer | None:
    """Poll until the first offer exists, printing a dot a second; None after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    next_dot = loop.time() + 1.0
    while loop.time() < deadline:
        offer = await first_peer_offer(pool, episode_id)
        if offer is not None:
            print(flush=True)
            return offer
        if loop.time() >= next_dot:
            print(".", end="", flush=True)
            next_dot += 1.0
        await asyncio.sleep(0.2)
    print(flush=True)
    return None
