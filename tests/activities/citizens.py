"""An episode whose citizen has contact data, relatives on it, and quiet hours around now or
away from it: what the tests of messages to citizens and relatives build on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from activities.episode_store import EpisodeStore
from db import citizen_preferences, relatives
from db.audit import Actor as AuditActor
from db.episode_contacts import record_contact
from db.pool import DatabasePool
from schemas.citizen_messages import COPENHAGEN, QuietHours
from schemas.commit import EpisodeCommit
from schemas.consent import ConsentScope
from schemas.notifications import Notification, Template
from schemas.people import Actor, Recipient, Role
from schemas.relatives import Added, NewRelative
from schemas.supervision import LOCAL_TIME
from tests.activities.builders import new_episode_id, projection

WARD = Actor(role=Role.WARD, id="ward-x")
SHARED = (ConsentScope.PEER_SUPPORT.value, ConsentScope.SHARE_WITH_RELATIVE.value)
NOT_SHARED = (ConsentScope.PEER_SUPPORT.value,)


def quiet_now() -> QuietHours:
    """Quiet hours from an hour ago until an hour from now (local, whole minutes)."""
    now = datetime.now(LOCAL_TIME).replace(second=0, microsecond=0)
    return QuietHours(
        starts=(now - timedelta(hours=1)).time(), ends=(now + timedelta(hours=1)).time()
    )


def quiet_later() -> QuietHours:
    """Quiet hours that do not cover now: from two to three hours from now."""
    now = datetime.now(LOCAL_TIME).replace(second=0, microsecond=0)
    return QuietHours(
        starts=(now + timedelta(hours=2)).time(), ends=(now + timedelta(hours=3)).time()
    )


NO_QUIET_HOURS = QuietHours(starts=time(0, 0), ends=time(0, 0), zone=COPENHAGEN)


@dataclass
class CitizenEpisode:
    """An episode in the read model with its citizen's contact as the referral gave it."""

    pool: DatabasePool
    episode_id: str
    citizen_id: str
    name: str
    email: str | None
    phone: str | None
    seq: int = 1

    async def commit(
        self, *, consents: tuple[str, ...] = SHARED, notifications: tuple[Notification, ...] = ()
    ) -> None:
        """The next commit of the episode: its consents now, and notifications to queue."""
        self.seq += 1
        await EpisodeStore(self.pool, sms_enabled=True).commit_episode(
            EpisodeCommit(
                episode_id=self.episode_id,
                commit_seq=self.seq,
                projection=projection(
                    self.episode_id, citizen_id=self.citizen_id, consents=consents
                ),
                notifications=notifications,
            )
        )

    async def relative(self, *, email: bool = True, phone: bool = True) -> NewRelative:
        tag = uuid.uuid4().hex[:8]
        relative = NewRelative(
            relative_id=f"rel-{uuid.uuid4().hex}",
            episode_id=self.episode_id,
            name=f"Pia Pårørende{tag}",
            email=f"pia.{tag}@relative.example" if email else None,
            phone=f"+45 3{uuid.uuid4().int % 10**7:07d}" if phone else None,
            relation="sister",
        )
        async with self.pool.acquire() as conn:
            assert await relatives.add(conn, relative, WARD) == Added.ADDED
        return relative

    async def choose_quiet_hours(self, quiet: QuietHours) -> None:
        async with self.pool.acquire() as conn:
            await citizen_preferences.set_quiet_hours(conn, self.citizen_id, quiet, self.me())

    def me(self) -> AuditActor:
        return AuditActor(role=Role.CITIZEN.value, actor_id=self.citizen_id)

    def notice(self, template: Template, role: Role, **params: str) -> Notification:
        return Notification(
            notification_id=f"{self.episode_id}-{template.value}-{uuid.uuid4().hex[:8]}",
            episode_id=self.episode_id,
            recipient=Recipient(role=role, id=self.episode_id),
            template=template,
            created_at=datetime.now(UTC),
            params=params,
        )


async def citizen_episode(
    pool: DatabasePool,
    *,
    email: bool = True,
    phone: bool = True,
    consents: tuple[str, ...] = SHARED,
) -> CitizenEpisode:
    """A committed episode (seq 1) with the consents given and the citizen's contact."""
    episode_id = new_episode_id()
    tag = uuid.uuid4().hex[:8]
    found = CitizenEpisode(
        pool=pool,
        episode_id=episode_id,
        citizen_id=f"citizen-{episode_id}",
        name=f"Borger Privatsen{tag}",
        email=f"borger.{tag}@citizen.example" if email else None,
        phone=f"+45 2{uuid.uuid4().int % 10**7:07d}" if phone else None,
        seq=0,
    )
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO citizens (citizen_id) VALUES ($1)", found.citizen_id)
        await record_contact(
            conn,
            episode_id=episode_id,
            citizen_id=found.citizen_id,
            name=found.name,
            phone=found.phone,
            email=found.email,
            recorded_by=WARD,
        )
    await found.commit(consents=consents)
    return found
