"""What a notification says: a short Danish + English text per template and a link, never
anything about the citizen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from activities.calendar_invite import Meeting
from schemas.notifications import ROSTER_TEMPLATES, Template

# Where a coordinator sees and does the roster tasks (api/web/roster_tasks.py).
ROSTER_TASKS_PAGE = "/coordinator/roster-tasks"

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
    Template.ROSTER_TASK: (
        "Der er en ny opgave om peer-medarbejderne i hverdagsbro",
        "There is a new task about the peers in hverdagsbro",
    ),
    Template.ROSTER_TASK_OVERDUE: (
        "En opgave om peer-medarbejderne i hverdagsbro er overskredet",
        "A task about the peers in hverdagsbro is overdue",
    ),
    Template.ROSTER_TASK_ESCALATED: (
        "En opgave om peer-medarbejderne i hverdagsbro er ikke løst og er sendt til partnerskabet",
        "A task about the peers in hverdagsbro is not done and has gone to the partnership",
    ),
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


def link(
    public_url: str,
    episode_id: str | None,
    task_id: str | None,
    template: Template | None = None,
) -> str:
    """Where the reader logs in to see the details: the task if there is one; the closing
    summary for CLOSING_SUMMARY; the roster tasks page for a notice about the roster."""
    base = public_url.rstrip("/")
    if template in ROSTER_TEMPLATES or episode_id is None:
        return f"{base}{ROSTER_TASKS_PAGE}"
    if template == Template.CLOSING_SUMMARY:
        return f"{base}/episodes/{episode_id}/summary"
    return f"{base}/tasks/{task_id}" if task_id else f"{base}/episodes/{episode_id}"


def render(template: Template, url: str, meeting: Meeting | None = None) -> Message:
    """The e-mail and the text. A NETWORK_MEETING with its (checked) meeting says when and
    where; without one it says only what the template says, like every other."""
    danish, english = TEXTS[template]
    if template == Template.NETWORK_MEETING and meeting is not None:
        return _network_meeting(url, meeting)
    body = f"{danish}.\nLog ind for at se mere: {url}\n\n{english}.\nLog in to see more: {url}\n"
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{danish} / {english}: {url}")


_DA_DAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_DA_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _day_da(day: date) -> str:
    return f"{_DA_DAYS[day.weekday()]} den {day.day}. {_DA_MONTHS[day.month - 1]} {day.year}"


def _day_en(day: date) -> str:
    return f"{_EN_DAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def _times(meeting: Meeting) -> tuple[str, str] | None:
    """("10.00", "11.00") style start and end in Copenhagen time, or None all day."""
    start, end = meeting.start(), meeting.end()
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def headline(meeting: Meeting) -> tuple[str, str]:
    """(Danish, English) in one short line each: the day and the time, no place (the SMS,
    and whatever else must stay short)."""
    day = meeting.meeting_on
    times = _times(meeting)
    if times is None:
        return (
            f"Netværksmøde {_DA_DAYS[day.weekday()]} {day:%d.%m.%Y} (hele dagen)",
            f"Network meeting {_day_en(day)} (all day)",
        )
    da_time = times[0].replace(":", ".")
    return (
        f"Netværksmøde {_DA_DAYS[day.weekday()]} {day:%d.%m.%Y} kl. {da_time}",
        f"Network meeting {_day_en(day)} at {times[0]}",
    )


def _network_meeting(url: str, meeting: Meeting) -> Message:
    danish, english = TEXTS[Template.NETWORK_MEETING]
    times = _times(meeting)
    if times is None:
        da_time, en_time = "hele dagen (intet klokkeslæt aftalt)", "all day (no time agreed)"
    else:
        start, end = times
        da_time = f"kl. {start.replace(':', '.')}-{end.replace(':', '.')} (dansk tid)"
        en_time = f"{start}-{end} (Danish time)"
    da_place = meeting.place or "ikke angivet"
    en_place = meeting.place or "not given"
    body = (
        f"{danish}.\n"
        f"Dato: {_day_da(meeting.meeting_on)}\n"
        f"Tid: {da_time}\n"
        f"Sted: {da_place}\n"
        "Mødet er vedhæftet som kalenderinvitation (invite.ics).\n"
        f"Log ind for at se mere: {url}\n"
        "\n"
        f"{english}.\n"
        f"Date: {_day_en(meeting.meeting_on)}\n"
        f"Time: {en_time}\n"
        f"Place: {en_place}\n"
        "The meeting is attached as a calendar invitation (invite.ics).\n"
        f"Log in to see more: {url}\n"
    )
    da_line, en_line = headline(meeting)
    return Message(subject=f"{danish} / {english}", body=body, sms=f"{da_line} / {en_line}: {url}")


def delivery_key(notification_id: str, user_id: str) -> str:
    """The same for every attempt at one person's copy, so receivers can drop repeats."""
    return hashlib.sha256(f"{notification_id}/{user_id}".encode()).hexdigest()[:32]
