"""Everything held about a citizen, as they download it from /my/data (GDPR art. 15): their
own row without internal keys, and per episode its facts, contact data, goals, timeline,
consents, relatives, the staff's notes about them, tasks and the messages sent to them."""

from __future__ import annotations

from datetime import datetime

from schemas.base import Frozen


class CitizenPart(Frozen):
    cpr: str | None
    known_since: datetime


class ContactPart(Frozen):
    """How the episode reaches the citizen, and who recorded it."""

    name: str | None
    phone: str | None
    email: str | None
    recorded_by: str
    recorded_at: datetime


class GoalPart(Frozen):
    area: str
    text: str
    status: str
    set_at: datetime | None
    changed_at: datetime | None


class TimelinePart(Frozen):
    at: datetime
    what: str
    by: str | None


class RelativePart(Frozen):
    name: str
    relation: str | None
    phone: str | None
    email: str | None
    added_at: datetime
    removed_at: datetime | None


class NotePart(Frozen):
    """A note staff wrote (a contact, a concern, a task's or a debrief's note)."""

    kind: str
    at: datetime
    by: str | None
    text: str
    urgent: bool


class TaskPart(Frozen):
    kind: str
    for_role: str
    status: str
    created_at: datetime
    due_at: datetime | None
    decided_at: datetime | None


class MessagePart(Frozen):
    """A message to the citizen: what it was about, how and whether it went."""

    about: str
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class EpisodePart(Frozen):
    programme: str
    phase: str
    ward: str
    organisation: str
    municipality: str
    referred_at: datetime
    discharged_at: datetime | None
    closed_at: datetime | None
    consents_given: tuple[str, ...]
    contact: ContactPart | None
    goals: tuple[GoalPart, ...]
    timeline: tuple[TimelinePart, ...]
    relatives: tuple[RelativePart, ...]
    notes: tuple[NotePart, ...]
    tasks: tuple[TaskPart, ...]
    messages: tuple[MessagePart, ...]


class CitizenRecord(Frozen):
    """The download: when it was made, in which language its words are, and the record."""

    exported_at: datetime
    language: str
    citizen: CitizenPart
    episodes: tuple[EpisodePart, ...]
