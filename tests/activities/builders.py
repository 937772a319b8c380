"""Test data for activity tests: roster rows and commits with ids unique to each test."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from db.pool import DatabasePool
from schemas.commit import AuditEntry, EpisodeCommit, EpisodeProjection, TimelineEntry
from schemas.episode import Phase
from schemas.events import Goal
from schemas.notifications import Notification, Template
from schemas.people import Recipient, Role
from schemas.tasks import Task

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROGRAMME = "peer-guide-sind"


def key() -> str:
    return uuid.uuid4().hex[:10]


class Roster:
    """Inserts organisations, municipalities, users and peers for one test."""

    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool
        self.key = key()
        self.municipality = f"k{self.key}"
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self.key}-{self._n}"

    async def partnership(self) -> str:
        partnership_id = self._id("p")
        await self.pool.execute(
            "INSERT INTO partnerships (partnership_id, name) VALUES ($1, 'Test partnership')",
            partnership_id,
        )
        return partnership_id

    async def organisation(self, partnership_id: str | None = None, *, kind: str = "ngo") -> str:
        """An organisation of `kind`, a member of the partnership when one is given."""
        organisation_id = self._id("org")
        await self.pool.execute(
            "INSERT INTO organisations (organisation_id, name, kind)"
            " VALUES ($1, 'Test organisation', $2)",
            organisation_id,
            kind,
        )
        if partnership_id is not None:
            await self.join(partnership_id, organisation_id)
        return organisation_id

    async def join(self, partnership_id: str, organisation_id: str) -> None:
        await self.pool.execute(
            "INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)",
            partnership_id,
            organisation_id,
        )

    async def municipality_row(self, code: str | None = None) -> str:
        code = code or self.municipality
        await self.pool.execute(
            "INSERT INTO municipalities (municipality_code, name) VALUES ($1, 'Test kommune')"
            " ON CONFLICT DO NOTHING",
            code,
        )
        return code

    async def ward(self, organisation_id: str) -> str:
        ward_id = self._id("ward")
        await self.pool.execute(
            "INSERT INTO wards (ward_id, name, organisation_id) VALUES ($1, 'Test ward', $2)",
            ward_id,
            organisation_id,
        )
        return ward_id

    async def user(
        self,
        role: str,
        *,
        organisation_id: str | None = None,
        email: bool = True,
        phone: bool = False,
        municipality_code: str | None = None,
        ward_id: str | None = None,
        service: str | None = None,
        active: bool = True,
    ) -> str:
        user_id = self._id(role)
        await self.pool.execute(
            "INSERT INTO users (user_id, role, display_name, email, phone, organisation_id,"
            " municipality_code, ward_id, service, active)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            user_id,
            role,
            f"Name of {user_id}",
            f"{user_id}@example.org" if email else None,
            f"+45{abs(hash(user_id)) % 10**8:08d}" if phone else None,
            organisation_id,
            municipality_code,
            ward_id,
            service,
            active,
        )
        return user_id

    async def peer(
        self,
        organisation_id: str,
        *,
        capacity: int = 2,
        load: int = 0,
        languages: tuple[str, ...] = ("da",),
        programmes: tuple[str, ...] = (PROGRAMME,),
        municipalities: tuple[str, ...] | None = None,
        trained: bool = True,
        employment: str = "volunteer",
        available: bool = True,
        active: bool = True,
        phone: bool = False,
    ) -> str:
        peer_id = await self.user(
            "peer", organisation_id=organisation_id, active=active, phone=phone
        )
        await self.pool.execute(
            "INSERT INTO peers (peer_id, organisation_id, employment, languages,"
            " programmes, municipalities, capacity, active_load, available)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            peer_id,
            organisation_id,
            employment,
            list(languages),
            list(programmes),
            list(municipalities if municipalities is not None else (self.municipality,)),
            capacity,
            load,
            available,
        )
        if trained:
            await self.trained_in_every_course(peer_id)
        return peer_id

    async def trained_in_every_course(
        self, peer_id: str, *, completed_on: date | None = None
    ) -> None:
        """A completion of every course (a month ago unless `completed_on` says when)."""
        await self.pool.execute(
            "INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by)"
            " SELECT $1 || ':' || course || ':' || $2::date, $1, course, $2::date, 'Test trainer'"
            " FROM training_courses",
            peer_id,
            completed_on or date.today() - timedelta(days=30),
        )

    async def email_of(self, user_id: str) -> str:
        email: str = await self.pool.fetchval("SELECT email FROM users WHERE user_id = $1", user_id)
        return email

    async def phone_of(self, user_id: str) -> str:
        phone: str = await self.pool.fetchval("SELECT phone FROM users WHERE user_id = $1", user_id)
        return phone


def projection(
    episode_id: str, *, phase: Phase = Phase.MATCHING, **changes: object
) -> EpisodeProjection:
    values: dict[str, object] = {
        "episode_id": episode_id,
        "citizen_id": f"citizen-{episode_id}",
        "programme": PROGRAMME,
        "phase": phase,
        "peer_id": None,
        "municipality_code": "0101",
        "ward_id": "ward-x",
        "organisation_id": "org-x",
        "risk_elevated": False,
        "consents": ("peer_support",),
        "referred_at": NOW,
        "discharged_at": None,
        "first_contact_at": None,
        "next_due_at": None,
        "next_due_kind": None,
        "overdue_tasks": 0,
        "follow_ups_done": 0,
        "follow_ups_planned": 0,
        "readmissions": 0,
        "milestones": (),
    }
    values.update(changes)
    return EpisodeProjection.model_validate(values)


def new_episode_id() -> str:
    return f"episode-{key()}"


def commit(
    episode_id: str,
    seq: int = 1,
    *,
    phase: Phase = Phase.MATCHING,
    goals: tuple[Goal, ...] = (),
    tasks: tuple[Task, ...] = (),
    timeline: tuple[TimelineEntry, ...] = (),
    audit: tuple[AuditEntry, ...] = (),
    notifications: tuple[Notification, ...] = (),
) -> EpisodeCommit:
    return EpisodeCommit(
        episode_id=episode_id,
        commit_seq=seq,
        projection=projection(episode_id, phase=phase),
        goals=goals,
        tasks=tasks,
        timeline=timeline,
        audit=audit,
        notifications=notifications,
    )


def notification(
    episode_id: str,
    role: Role,
    recipient_id: str,
    *,
    service: str | None = None,
    template: Template = Template.NEW_TASK,
    task_id: str | None = None,
) -> Notification:
    return Notification(
        notification_id=f"{episode_id}-n-{key()}",
        episode_id=episode_id,
        recipient=Recipient(role=role, id=recipient_id, service=service),
        template=template,
        task_id=task_id,
        created_at=NOW,
    )


async def fetch_one(pool: DatabasePool, sql: str, *args: object) -> asyncpg.Record:
    row = await pool.fetchrow(sql, *args)
    assert row is not None, "expected a row"
    return row
