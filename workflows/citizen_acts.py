"""What the citizen may do to their own episode: the event types of CITIZEN_EVENT_TYPES (their
goals, added and reworded), and only as the episode's own citizen. Every other actor is
judged elsewhere (the API's roles and scopes)."""

from __future__ import annotations

from schemas.events import CITIZEN_EVENT_TYPES, EpisodeEvent
from schemas.people import Role
from workflows.record import EpisodeRecord


def problem(record: EpisodeRecord, event: EpisodeEvent) -> tuple[str, str] | None:
    """Why the citizen may not report this event here: (field, reason), or None (also for
    anyone who is not a citizen)."""
    if event.actor.role != Role.CITIZEN:
        return None
    if event.actor.id != record.referral.citizen_id:
        return ("actor", "only the episode's own citizen may report for it")
    if event.type not in CITIZEN_EVENT_TYPES:
        return ("type", "a citizen may not report this kind of event")
    return None
