"""The episode writes to the citizen and their relatives: a reminder a day before each meeting
with the peer (brought forward out of the citizen's quiet hours, none once they turned reminders
off), 'your peer will contact you by ...' after the discharge (in the morning if the discharge
came in the night), and to a relative, only with the share_with_relative consent, the planned
discharge date and who the peer is. A notice delivery finds in quiet hours goes when they end.
The runs replay on the current code.

Delivery checks quiet hours against the wall clock, the workflow against the test server's
clock: each test first moves the server's clock half a day away from the wall clock, so quiet
hours set around the workflow's time never hold the delivery back (and, in the one test that
wants it, quiet hours set around the wall clock hold back only the delivery).

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records two runs for the replay tests
(`peer-guide-sind.<label>-citizen-notices.json`, `...-relative-notices.json`)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from structlog.testing import capture_logs
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.citizen_notices import CitizenNoticeChoices
from activities.notifications import EmailSender, Notifier
from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import PEER_SUPPORT_AND_MUNICIPALITY, referral
from command.synthetic.roster import make_roster
from db import citizen_preferences, relatives
from db.audit import Actor as AuditActor
from db.episode_contacts import record_contact
from db.pool import DatabasePool
from db.programmes import default_programmes
from hverdagsbro.settings import Settings
from schemas.citizen_messages import QuietHours, citizen_user_id, relative_user_id
from schemas.consent import ConsentMethod, ConsentScope
from schemas.episode import Phase
from schemas.events import (
    ConsentWithdrawn,
    ConsentWithdrawnPayload,
    DischargePlanned,
    DischargePlannedPayload,
)
from schemas.notifications import Template
from schemas.people import Actor, Role
from schemas.relatives import Added, NewRelative
from schemas.supervision import LOCAL_TIME
from schemas.tasks import NetworkMeetingBooked, TaskKind
from tests.activities.citizens import NO_QUIET_HOURS, quiet_later, quiet_now
from tests.activities.test_notifications import text_of
from tests.conftest import SmtpServer, eventually
from tests.test_keys import TEST_CONVERTER
from workers.starter import episode_id_for
from workers.worker import build_worker, episode_activities
from workflows.episode import EpisodeWorkflow
from workflows.timings import CITIZEN_REMINDER_LEAD, DEFERRAL_FLOOR

HISTORIES = Path(__file__).parent / "histories"
# Delivery and the workflow's reading of the choices, with no default quiet hours: only those
# a test sets for its citizen hold anything back.
REPLACED = {"deliver_notification", "mark_delivery_failed", "citizen_notice_choices"}
WITH_RELATIVE = (*PEER_SUPPORT_AND_MUNICIPALITY, ConsentScope.SHARE_WITH_RELATIVE)


@pytest.fixture(scope="module")
async def worker(
    own_env: WorkflowEnvironment, own_queue: str, db_pool: DatabasePool, worker_settings: Settings
) -> AsyncIterator[Worker]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        email = EmailSender(
            worker_settings.smtp_host,
            worker_settings.smtp_port,
            worker_settings.smtp_sender,
            timeout=10.0,
        )
        notifier = Notifier(
            db_pool, email, None, worker_settings.public_url, quiet_hours=NO_QUIET_HOURS
        )
        choices = CitizenNoticeChoices(db_pool, NO_QUIET_HOURS)
        activities = [
            a
            for a in episode_activities(db_pool, worker_settings, http)
            if getattr(a, "__name__", "") not in REPLACED
        ]
        activities += [
            notifier.deliver_notification,
            notifier.mark_delivery_failed,
            choices.citizen_notice_choices,
        ]
        built = build_worker(
            own_env.client, task_queue=own_queue, activities=activities, max_cached_workflows=20
        )
        async with built:
            yield built


@dataclass
class Citizen:
    episode: EpisodeDriver
    citizen_id: str
    email: str
    pool: DatabasePool

    @property
    def env(self) -> WorkflowEnvironment:
        return self.episode.env

    def me(self) -> AuditActor:
        return AuditActor(role=Role.CITIZEN.value, actor_id=self.citizen_id)

    async def choose_quiet_hours(self, quiet: QuietHours) -> None:
        async with self.pool.acquire() as conn:
            await citizen_preferences.set_quiet_hours(conn, self.citizen_id, quiet, self.me())

    async def local_now(self) -> datetime:
        return (await self.episode.now()).astimezone(LOCAL_TIME)

    async def skip_to(self, at: datetime) -> None:
        now = await self.episode.now()
        if at > now:
            await self.env.sleep(at - now)


async def away_from_the_wall_clock(env: WorkflowEnvironment) -> None:
    """Move the server's clock on until its time of day is the wall clock's plus 12 hours."""
    offset = (await env.get_current_time() - datetime.now(UTC)) % timedelta(days=1)
    need = (timedelta(hours=12) - offset) % timedelta(days=1)
    if need > timedelta(minutes=1):
        await env.sleep(need)


@pytest.fixture
async def new_citizen(
    own_env: WorkflowEnvironment, own_queue: str, db_pool: DatabasePool, worker: Worker
) -> Callable[..., Any]:
    async def make(
        consents: tuple[ConsentScope, ...] = PEER_SUPPORT_AND_MUNICIPALITY,
        quiet: QuietHours = NO_QUIET_HOURS,
    ) -> Citizen:
        await away_from_the_wall_clock(own_env)
        roster = await make_roster(db_pool, peers=1)
        event = referral(roster, consents=consents, at=await own_env.get_current_time())
        citizen_id = event.payload.citizen_id
        email = f"borger.{uuid.uuid4().hex[:10]}@citizen.example"
        async with db_pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO citizens (citizen_id) VALUES ($1) ON CONFLICT DO NOTHING", citizen_id
            )
            await record_contact(
                conn,
                episode_id=episode_id_for(event.event_id),
                citizen_id=citizen_id,
                name="Borger Privatsen",
                phone=None,
                email=email,
                recorded_by=event.actor,
            )
        episode = await start(own_env, db_pool, roster, own_queue, event)
        citizen = Citizen(episode, citizen_id, email, db_pool)
        await citizen.choose_quiet_hours(quiet)
        return citizen

    return make


async def notices(pool: DatabasePool, episode_id: str, template: Template) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT notification_id, user_id, status, last_error, params, created_at FROM outbox"
        " WHERE episode_id = $1 AND template = $2 ORDER BY created_at, user_id",
        episode_id,
        template.value,
    )
    return rows


async def sent(pool: DatabasePool, episode_id: str, template: Template) -> list[asyncpg.Record]:
    """Once the notice's rows are all sent (polled: delivery runs beside the workflow)."""

    async def all_sent() -> bool:
        found = await notices(pool, episode_id, template)
        return bool(found) and all(r["status"] == "sent" for r in found)

    await eventually(all_sent, timeout=20)
    return await notices(pool, episode_id, template)


async def book_network_meeting(citizen: Citizen, meeting: datetime) -> None:
    episode = citizen.episode
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await episode.decide(TaskKind.DISCHARGE_AGREEMENT)
    await episode.decide(TaskKind.COORDINATION_PLAN)
    local = meeting.astimezone(LOCAL_TIME)
    booked = NetworkMeetingBooked(meeting_on=local.date(), starts_at=local.time(), place="Ward 3")
    await episode.decide(TaskKind.NETWORK_MEETING, result=booked)


def en_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


async def replays(episode: EpisodeDriver, label_suffix: str) -> None:
    history = await episode.handle.fetch_history()
    await Replayer(workflows=[EpisodeWorkflow], data_converter=TEST_CONVERTER).replay_workflow(
        history
    )
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        path = HISTORIES / f"peer-guide-sind.{label}-{label_suffix}.json"
        path.write_text(history.to_json(), encoding="utf-8")


async def test_the_citizen_is_reminded_of_the_network_meeting_a_day_before_and_not_earlier(
    new_citizen: Callable[..., Any], db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    citizen: Citizen = await new_citizen()
    meeting = (await citizen.local_now()).replace(second=0, microsecond=0) + timedelta(days=3)
    await book_network_meeting(citizen, meeting)
    episode_id = citizen.episode.id
    due = meeting - CITIZEN_REMINDER_LEAD

    await citizen.skip_to(due - timedelta(minutes=10))
    assert await notices(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER) == []
    await citizen.skip_to(due + timedelta(minutes=10))
    [row] = await sent(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER)

    assert row["user_id"] == citizen_user_id(episode_id)
    assert due <= row["created_at"] < due + timedelta(minutes=10)
    assert row["notification_id"].startswith(f"{episode_id}-reminder-")
    [mail] = smtp_server.mailbox.to(citizen.email)
    body = text_of(mail)
    assert f"Reminder: meeting with your peer {en_day(meeting.date())} {meeting:%H:%M}." in body
    # The meeting passes: nothing more about it.
    await citizen.skip_to(meeting + timedelta(hours=1))
    assert len(await notices(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER)) == 1


async def test_a_reminder_due_in_the_quiet_hours_goes_before_they_begin(
    new_citizen: Callable[..., Any], db_pool: DatabasePool
) -> None:
    citizen: Citizen = await new_citizen()
    meeting = (await citizen.local_now()).replace(second=0, microsecond=0) + timedelta(days=3)
    # Quiet from two hours before the meeting's time of day to two hours after it.
    quiet = QuietHours(
        starts=(meeting - timedelta(hours=2)).time(), ends=(meeting + timedelta(hours=2)).time()
    )
    await citizen.choose_quiet_hours(quiet)
    await book_network_meeting(citizen, meeting)
    episode_id = citizen.episode.id
    quiet_begins = meeting - CITIZEN_REMINDER_LEAD - timedelta(hours=2)

    await citizen.skip_to(quiet_begins - timedelta(minutes=5))
    assert await notices(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER) == []
    await citizen.skip_to(quiet_begins + timedelta(hours=1))
    [row] = await sent(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER)
    assert quiet_begins - timedelta(minutes=5) < row["created_at"] < quiet_begins
    assert not quiet.covers(row["created_at"])


async def test_no_reminder_after_the_citizen_turned_reminders_off(
    new_citizen: Callable[..., Any], db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    citizen: Citizen = await new_citizen()
    meeting = (await citizen.local_now()).replace(second=0, microsecond=0) + timedelta(days=3)
    await book_network_meeting(citizen, meeting)
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, True, citizen.me()
        )

    await citizen.skip_to(meeting + timedelta(minutes=10))
    episode_id = citizen.episode.id

    async def let_pass() -> bool:
        found = await db_pool.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1"
            " AND action = 'notification.let_pass'",
            episode_id,
        )
        return bool(found)

    await eventually(let_pass, timeout=20)
    assert await notices(db_pool, episode_id, Template.CITIZEN_MEETING_REMINDER) == []
    assert smtp_server.mailbox.to(citizen.email) == []


async def test_after_the_discharge_the_citizen_hears_by_when_the_peer_calls_and_follow_ups(
    new_citizen: Callable[..., Any], db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    citizen: Citizen = await new_citizen()
    episode = citizen.episode
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    assert contact.due_at is not None
    by = contact.due_at.astimezone(LOCAL_TIME).date()

    [row] = await sent(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE)
    assert row["notification_id"] == f"{episode.id}-after-discharge-{by:%Y%m%d}"
    [mail] = smtp_server.mailbox.to(citizen.email)
    assert f"Your peer will contact you by {en_day(by)}." in text_of(mail)

    # The first follow-up contact: reminded a day before it falls due.
    await episode.first_contact()
    view = await episode.phase(Phase.FOLLOW_UP)
    assert view.discharged_at is not None
    programme = next(p for p in default_programmes() if p.code == "peer-guide-sind")
    first = view.discharged_at + programme.follow_up_offsets()[0]
    await citizen.skip_to(first - CITIZEN_REMINDER_LEAD + timedelta(minutes=10))
    [reminder] = await sent(db_pool, episode.id, Template.CITIZEN_MEETING_REMINDER)
    assert datetime.fromisoformat(json.loads(reminder["params"])["when"]) == first
    assert len(await notices(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE)) == 1
    await replays(episode, "citizen-notices")


async def test_a_discharge_in_the_night_is_told_when_the_quiet_hours_end(
    new_citizen: Callable[..., Any], db_pool: DatabasePool
) -> None:
    citizen: Citizen = await new_citizen()
    now = (await citizen.local_now()).replace(second=0, microsecond=0)
    quiet = QuietHours(
        starts=(now - timedelta(hours=1)).time(), ends=(now + timedelta(hours=3)).time()
    )
    await citizen.choose_quiet_hours(quiet)
    episode = citizen.episode
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await episode.discharge()
    ends = now + timedelta(hours=3)

    await citizen.skip_to(ends - timedelta(minutes=10))
    assert await notices(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE) == []
    await citizen.skip_to(ends + timedelta(minutes=10))
    [row] = await sent(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE)
    assert ends <= row["created_at"] < ends + timedelta(minutes=10)


async def test_a_notice_delivery_finds_in_quiet_hours_goes_once_they_are_over(
    new_citizen: Callable[..., Any], db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    # Quiet around the wall clock (which delivery reads), not around the workflow's time.
    citizen: Citizen = await new_citizen(quiet=quiet_now())
    episode = citizen.episode
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    with capture_logs() as logs:
        await episode.discharge()

        async def held_back() -> bool:
            return any(line["event"] == "delivery deferred" for line in logs)

        await eventually(held_back, timeout=20)
    [row] = await notices(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE)
    assert row["status"] == "pending"
    assert smtp_server.mailbox.to(citizen.email) == []
    # The quiet hours end (here: the citizen moves them) and the episode delivers again.
    await citizen.choose_quiet_hours(quiet_later())
    await citizen.env.sleep(DEFERRAL_FLOOR + timedelta(minutes=1))
    [row] = await sent(db_pool, episode.id, Template.CITIZEN_AFTER_DISCHARGE)
    assert row["last_error"] is None
    assert len(smtp_server.mailbox.to(citizen.email)) == 1


async def test_a_relative_hears_the_discharge_date_and_the_peer_only_with_consent(
    new_citizen: Callable[..., Any], db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    citizen: Citizen = await new_citizen(consents=WITH_RELATIVE)
    episode = citizen.episode

    async def episode_stored() -> bool:
        return bool(
            await db_pool.fetchval("SELECT 1 FROM episodes WHERE episode_id = $1", episode.id)
        )

    await eventually(episode_stored, timeout=20)
    tag = uuid.uuid4().hex[:8]
    relative = NewRelative(
        relative_id=f"rel-{uuid.uuid4().hex}",
        episode_id=episode.id,
        name=f"Pia Pårørende{tag}",
        email=f"pia.{tag}@relative.example",
    )
    async with db_pool.acquire() as conn:
        ward = Actor(role=Role.WARD, id=episode.roster.ward_nurse)
        assert await relatives.add(conn, relative, ward) == Added.ADDED
    assert relative.email is not None
    to_relative = relative_user_id(relative.relative_id)

    peer_id = await episode.accept_offer()
    [peer_row] = await sent(db_pool, episode.id, Template.RELATIVE_PEER_ASSIGNED)
    assert peer_row["user_id"] == to_relative
    assert json.loads(peer_row["params"]) == {"peer_id": peer_id}
    assert "Your relative now has a peer worker: " in text_of(
        smtp_server.mailbox.to(relative.email)[0]
    )

    today = (await citizen.local_now()).date()

    async def plan(day: date) -> None:
        await episode.send(
            DischargePlanned(
                event_id=f"plan-{uuid.uuid4().hex}",
                occurred_at=await episode.now(),
                actor=episode.ward(),
                payload=DischargePlannedPayload(planned_for=day),
            )
        )

    await plan(today + timedelta(days=5))
    [row] = await sent(db_pool, episode.id, Template.RELATIVE_DISCHARGE_DATE)
    assert (row["user_id"], json.loads(row["params"])) == (
        to_relative,
        {"date": (today + timedelta(days=5)).isoformat()},
    )
    mails = smtp_server.mailbox.to(relative.email)
    assert f"discharged on {en_day(today + timedelta(days=5))}." in text_of(mails[-1])
    # The date moves: the relative hears the new one.
    await plan(today + timedelta(days=7))

    async def two() -> bool:
        found = await notices(db_pool, episode.id, Template.RELATIVE_DISCHARGE_DATE)
        return len(found) == 2

    await eventually(two, timeout=20)

    # The citizen withdraws the consent: a later change is not told.
    await episode.send(
        ConsentWithdrawn(
            event_id=f"withdraw-{uuid.uuid4().hex}",
            occurred_at=await episode.now(),
            actor=Actor(role=Role.CITIZEN, id=citizen.citizen_id),
            payload=ConsentWithdrawnPayload(
                scope=ConsentScope.SHARE_WITH_RELATIVE, method=ConsentMethod.DIGITAL
            ),
        )
    )

    async def withdrawn() -> bool:
        consents = await db_pool.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode.id
        )
        return "share_with_relative" not in consents

    await eventually(withdrawn, timeout=20)
    await plan(today + timedelta(days=9))

    async def third_plan_applied() -> bool:
        found = await db_pool.fetchval(
            "SELECT count(*) FROM timeline WHERE episode_id = $1"
            " AND text_key = 'timeline.discharge_planned'",
            episode.id,
        )
        return bool(found == 3)

    await eventually(third_plan_applied, timeout=20)
    await citizen.env.sleep(timedelta(hours=1))
    assert len(await notices(db_pool, episode.id, Template.RELATIVE_DISCHARGE_DATE)) == 2
    assert smtp_server.mailbox.to(citizen.email) == [], "nothing of this to the citizen"
    # Ids and dates only: no name or address of the citizen, the relative or the peer.
    stored = await db_pool.fetch(
        "SELECT notification_id || ' ' || params::text AS text FROM outbox"
        " WHERE episode_id = $1 AND recipient_role IN ('citizen', 'relative')",
        episode.id,
    )
    secrets = (relative.name, relative.email, citizen.email, "Privatsen", "Pårørende")
    assert stored and not [r["text"] for r in stored if any(x in r["text"] for x in secrets)]
    await replays(episode, "relative-notices")
