"""What a notification says: a short Danish + English text per template and a link, never
anything about the citizen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from schemas.notifications import Template

# (Danish, English). The reader logs in to see who and what; the message itself stays blank.
TEXTS: dict[Template, tuple[str, str]] = {
    Template.NEW_TASK: (
        "Du har en ny opgave i hverdagsbro",
        "You have a new task in hverdagsbro",
    ),
    Template.OFFER: (
        "Du har fået tilbudt et forløb i hverdagsbro",
        "You have been offered an episode in hverdagsbro",
    ),
    Template.ASSIGNED: (
        "Et forløb i hverdagsbro er tildelt dig",
        "An episode in hverdagsbro has been assigned to you",
    ),
    Template.TASK_OVERDUE: (
        "En opgave i hverdagsbro er overskredet",
        "A task in hverdagsbro is overdue",
    ),
    Template.NOTIFICATION_FAILED: (
        "En besked fra hverdagsbro kunne ikke leveres",
        "A message from hverdagsbro could not be delivered",
    ),
    Template.ESCALATION: (
        "Et forløb i hverdagsbro kræver din opmærksomhed",
        "An episode in hverdagsbro needs your attention",
    ),
    Template.DISCHARGE_PLANNED: (
        "En udskrivning er planlagt i et forløb i hverdagsbro",
        "A discharge has been planned in an episode in hverdagsbro",
    ),
    Template.READMITTED: (
        "Et forløb i hverdagsbro er sat på pause",
        "An episode in hverdagsbro has been paused",
    ),
    Template.EMERGENCY_VISIT: (
        "Der er nyt i et forløb i hverdagsbro",
        "There is news in an episode in hverdagsbro",
    ),
    Template.DISCHARGED: (
        "En udskrivning er registreret i et forløb i hverdagsbro",
        "A discharge has been recorded in an episode in hverdagsbro",
    ),
    Template.EPISODE_ENDED: (
        "Et forløb i hverdagsbro er afsluttet",
        "An episode in hverdagsbro has ended",
    ),
    Template.CLOSING_SUMMARY: (
        "En afslutning er klar i hverdagsbro",
        "A closing summary is ready in hverdagsbro",
    ),
    Template.CONCERN: (
        "Der er meldt en bekymring i et forløb i hverdagsbro",
        "A concern has been raised in an episode in hverdagsbro",
    ),
    Template.DISCHARGED_WITHOUT_PEER: (
        "En borger i hverdagsbro er udskrevet uden en peer-medarbejder",
        "A citizen in hverdagsbro has been discharged without a peer guide",
    ),
    Template.DEBRIEF_DONE: (
        "En debriefing er udført i hverdagsbro",
        "A debrief has been done in hverdagsbro",
    ),
    Template.NETWORK_MEETING: (
        "Du er inviteret til et netværksmøde i hverdagsbro",
        "You are invited to a network meeting in hverdagsbro",
    ),
    Template.HANDED_OVER: (
        "Et forløb i hverdagsbro har skiftet peer-medarbejder",
        "An episode in hverdagsbro has a new peer guide",
    ),
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


def link(public_url: str, episode_id: str, task_id: str | None) -> str:
    """Where the reader logs in to see the details: the task if there is one."""
    base = public_url.rstrip("/")
    return f"{base}/tasks/{task_id}" if task_id else f"{base}/episodes/{episode_id}"


def render(template: Template, url: str) -> Message:
    danish, english = TEXTS[template]
    body = f"{danish}.\nLog ind for at se mere: {url}\n\n{english}.\nLog in to see more: {url}\n"
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{danish} / {english}: {url}")


def delivery_key(notification_id: str, user_id: str) -> str:
    """The same for every attempt at one person's copy, so receivers can drop repeats."""
    return hashlib.sha256(f"{notification_id}/{user_id}".encode()).hexdigest()[:32]
