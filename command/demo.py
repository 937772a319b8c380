"""The demo: a fake capital-region roster and one episode started through the real starter."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources

import structlog
from pydantic import model_validator
from temporalio.client import Client

from api.passwords import hash_password
from command.process import CommandError
from command.roster.formats import Parsed, RosterRefused, json_where, read_json
from command.roster.importing import import_roster
from db import demo as demo_rows
from db.demo import PeerOffer
from db.pool import DatabasePool
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import Goal, GoalArea, Referral, ReferralCreated
from schemas.people import Actor, Role
from schemas.roster_file import RosterChanges, RosterFile

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


class DemoRoster(RosterFile):
    """The demo's roster file, which must also leave no escalation without a recipient."""

    @model_validator(mode="after")
    def _every_escalation_reaches_someone(self) -> DemoRoster:
        """Refused when some escalation would reach nobody: a ward without staff, or an
        organisation with no active coordinator of its own or among its partners (every
        organisation in the file is a member of the partnership; see db/outbox.py)."""
        staffed = {u.ward_id for u in self.users if u.role == "ward" and u.active}
        for ward in self.wards:
            if ward.ward_id not in staffed:
                raise ValueError(
                    f"wards.{ward.ward_id}: no ward staff, so its tasks and escalations"
                    " would reach nobody"
                )
        coordinated = {
            u.organisation_id for u in self.users if u.role == "coordinator" and u.active
        }
        for org in self.organisations:
            if org.organisation_id not in coordinated and not coordinated:
                raise ValueError(
                    f"organisations.{org.organisation_id}: no active coordinator in the"
                    " organisation or its partnership, so its escalations would reach nobody"
                )
        return self


def demo_roster() -> DemoRoster:
    """The roster shipped in db/reference/demo_roster.json, read as any roster file is."""
    raw = (resources.files("db") / "reference" / "demo_roster.json").read_bytes()
    return read_json(raw, DemoRoster).whole()


async def load_demo_roster(pool: DatabasePool, roster: DemoRoster) -> RosterChanges:
    """Import the roster the way `hverdagsbro roster import` does (safe to run again; peers
    keep their load); demo users without a password get the shared demo password."""
    try:
        return await import_roster(
            pool, Parsed(roster, json_where), recorded_by="demo", password_hash=_DEMO_HASH
        )
    except RosterRefused as refused:
        raise CommandError(
            "the demo roster does not fit this database: " + "; ".join(refused.problems)
        ) from None


# The shared log-in password of the fictional demo users (printed by `hverdagsbro demo`).
DEMO_PASSWORD = "hverdagsbro-demo"
_DEMO_HASH = hash_password(DEMO_PASSWORD)


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
