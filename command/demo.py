"""The demo: a fake capital-region roster and one episode started through the real starter."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Literal

import structlog
from pydantic import Field, model_validator
from temporalio.client import Client

from api.passwords import hash_password
from db.connection import PooledConnection
from db.pool import DatabasePool
from db.programmes import default_programmes
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


class Ward(Frozen):
    ward_id: str
    name: str
    organisation_id: str
    sor_code: str | None = None


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
            await conn.execute(
                "INSERT INTO partnerships (partnership_id, name) VALUES ($1, $2)"
                " ON CONFLICT (partnership_id) DO UPDATE SET name = EXCLUDED.name",
                p.partnership_id,
                p.name,
            )
        for o in roster.organisations:
            await conn.execute(
                "INSERT INTO organisations (organisation_id, name, kind, partnership_id)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id) DO UPDATE SET"
                " name = EXCLUDED.name, kind = EXCLUDED.kind,"
                " partnership_id = EXCLUDED.partnership_id",
                o.organisation_id,
                o.name,
                o.kind,
                o.partnership_id,
            )
        for m in roster.municipalities:
            await conn.execute(
                "INSERT INTO municipalities (municipality_code, name, organisation_id)"
                " VALUES ($1, $2, $3) ON CONFLICT (municipality_code) DO UPDATE SET"
                " name = EXCLUDED.name, organisation_id = EXCLUDED.organisation_id",
                m.municipality_code,
                m.name,
                m.organisation_id,
            )
        for w in roster.wards:
            await conn.execute(
                "INSERT INTO wards (ward_id, name, organisation_id, sor_code)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (ward_id) DO UPDATE SET"
                " name = EXCLUDED.name, organisation_id = EXCLUDED.organisation_id,"
                " sor_code = EXCLUDED.sor_code",
                w.ward_id,
                w.name,
                w.organisation_id,
                w.sor_code,
            )
        for u in roster.users:
            await _upsert_user(conn, u)


# The shared log-in password of the fictional demo users (printed by `hverdagsbro demo`).
DEMO_PASSWORD = "hverdagsbro-demo"
_DEMO_HASH = hash_password(DEMO_PASSWORD)


async def _upsert_user(conn: PooledConnection, u: User) -> None:
    await conn.execute(
        "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
        " municipality_code, ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role,"
        " display_name = EXCLUDED.display_name, email = EXCLUDED.email,"
        " organisation_id = EXCLUDED.organisation_id,"
        " municipality_code = EXCLUDED.municipality_code, ward_id = EXCLUDED.ward_id,"
        " service = EXCLUDED.service, active = true",
        u.user_id,
        u.role,
        u.display_name,
        u.email,
        u.organisation_id,
        u.municipality_code,
        u.ward_id,
        u.service,
    )
    # Only set where none is: a password someone changed is kept.
    await conn.execute(
        "UPDATE users SET password_hash = $2 WHERE user_id = $1 AND password_hash IS NULL",
        u.user_id,
        _DEMO_HASH,
    )
    if u.peer is None:
        return
    await conn.execute(
        "INSERT INTO peers (peer_id, organisation_id, employment, trained, training_completed,"
        " supervision_group, languages, programmes, municipalities, capacity)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (peer_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,"
        " employment = EXCLUDED.employment, trained = EXCLUDED.trained,"
        " training_completed = EXCLUDED.training_completed,"
        " supervision_group = EXCLUDED.supervision_group, languages = EXCLUDED.languages,"
        " programmes = EXCLUDED.programmes, municipalities = EXCLUDED.municipalities,"
        " capacity = EXCLUDED.capacity",
        u.user_id,
        u.organisation_id,
        u.peer.employment,
        u.peer.trained,
        u.peer.training_completed,
        u.peer.supervision_group,
        u.peer.languages,
        u.peer.programmes,
        u.peer.municipalities,
        u.peer.capacity,
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
    from workers.starter import start_episode

    citizen_id = uuid.uuid4().hex
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO citizens (citizen_id, name) VALUES ($1, $2)",
            citizen_id,
            DEMO_CITIZEN_NAME,
        )
    event = demo_referral(citizen_id, datetime.now(UTC))
    episode_id = await start_episode(client, pool, event, task_queue=task_queue)
    log.info("demo episode started", episode_id=episode_id)
    return episode_id


@dataclass(frozen=True)
class PeerOffer:
    peer_id: str
    display_name: str


async def first_peer_offer(pool: DatabasePool, episode_id: str) -> PeerOffer | None:
    """The episode's first peer_offer task in the read model, if it is there yet."""
    row = await pool.fetchrow(
        "SELECT t.assignee_id, COALESCE(u.display_name, t.assignee_id) AS display_name"
        " FROM tasks t LEFT JOIN users u ON u.user_id = t.assignee_id"
        " WHERE t.episode_id = $1 AND t.kind = 'peer_offer'"
        " ORDER BY t.number, t.created_at LIMIT 1",
        episode_id,
    )
    return None if row is None else PeerOffer(row["assignee_id"], row["display_name"])


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
