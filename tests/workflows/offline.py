"""An episode record outside Temporal: a clock the test moves, chosen patches, what was shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.common import SearchAttributeUpdate

from command.synthetic.referral import referral
from command.synthetic.roster import Roster
from db.programmes import default_programmes
from schemas.consent import ConsentScope
from schemas.episode import EpisodeStart
from schemas.events import Goal
from schemas.people import Actor, Role
from schemas.programme import Programme
from workers.starter import episode_id_for
from workflows import facts
from workflows.record import EpisodeRecord

REFERRED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ROSTER = Roster(
    organisation_id="org-offline",
    municipality_code="0101",
    ward_id="ward-offline",
    peers=["peer-1", "peer-2"],
    coordinator="coord-1",
    ward_nurse="nurse-1",
    caseworkers={"social_services": "cw-1"},
)
WARD = Actor(role=Role.WARD, id=ROSTER.ward_nurse)
PEER = Actor(role=Role.PEER, id="peer-1")


@dataclass
class OfflineRuntime:
    """Stands in for the workflow's runtime: every patch is on unless listed as off."""

    clock: datetime = REFERRED_AT
    patches_off: frozenset[str] = frozenset()
    logged: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    published: list[tuple[list[SearchAttributeUpdate[Any]], str]] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock

    def patched(self, patch_id: str) -> bool:
        return patch_id not in self.patches_off

    def log(self, message: str, extra: dict[str, str]) -> None:
        self.logged.append((message, extra))

    def publish(self, updates: list[SearchAttributeUpdate[Any]], details: str) -> None:
        self.published.append((updates, details))

    def advance(self, by: timedelta) -> None:
        self.clock += by


def programme(code: str) -> Programme:
    return next(p for p in default_programmes() if p.code == code)


def episode_start(
    code: str = "peer-guide-sind",
    *,
    consents: tuple[ConsentScope, ...] = (
        ConsentScope.PEER_SUPPORT,
        ConsentScope.SHARE_WITH_MUNICIPALITY,
    ),
    goals: tuple[Goal, ...] = (),
    risk_elevated: bool = False,
) -> EpisodeStart:
    event = referral(
        ROSTER,
        programme=code,
        consents=consents,
        goals=goals,
        risk_elevated=risk_elevated,
        at=REFERRED_AT,
    )
    return EpisodeStart(
        episode_id=episode_id_for(event.event_id),
        programme=programme(code),
        referral=event.payload,
        referral_event_id=event.event_id,
        referred_at=event.occurred_at,
        referred_by=event.actor,
    )


def new_record(
    start: EpisodeStart | None = None, *, patches_off: frozenset[str] = frozenset()
) -> tuple[EpisodeRecord, OfflineRuntime]:
    """A freshly referred episode, its referral recorded, as the workflow starts it."""
    start = start or episode_start()
    runtime = OfflineRuntime(patches_off=patches_off)
    record = EpisodeRecord(start, facts.initial_state(start), runtime)
    facts.record_referral(record)
    record.touch()
    return record, runtime


def with_peer(record: EpisodeRecord, peer_id: str = PEER.id) -> EpisodeRecord:
    record.assign(peer_id, offer_no=1)
    return record
