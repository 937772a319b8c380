"""What each CareCommunication to the municipality says, in Danish (the municipality reads
Danish): its MedCom category, its topic and its text, composed from the read model by pure
functions. One catalog (TEXTS) holds every sentence.

Categories (medcom-careCommunication-categoryCodes): the discharge message and the closing
summary are `psychiatry-social-disability` — both are about a citizen in the psychiatric and
social-psychiatric follow-up, and a municipality routes that category to its social-psychiatry
team, who are the readers (the consent that allows sending is `share_with_municipality`, the
social services' scope); `discharge` is for the practical conditions of a discharge (home care,
assistive devices), which these messages do not arrange. The network-meeting invitation is
`carecoordination`: it coordinates the care between the hospital, the municipality and the
peer organisation.

Nothing beyond the consent scope: no diagnosis, no notes, no risk, no admissions; the closing
summary holds the social services' slice of the closing summary (api/closing_summary.py) without
the peer's closing note, which is written for the coordinators and the caseworker's page."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from schemas.base import Frozen
from schemas.care_communication import CareCommunicationKind

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

CATEGORY: dict[CareCommunicationKind, str] = {
    CareCommunicationKind.DISCHARGE: "psychiatry-social-disability",
    CareCommunicationKind.NETWORK_MEETING: "carecoordination",
    CareCommunicationKind.CLOSING_SUMMARY: "psychiatry-social-disability",
}

# The social services' slice of an episode (api/caseworker_view.py): its goal area, the
# milestones and the caseworker service whose confirmations count.
SUMMARY_AREA = "municipal_services"
SUMMARY_MILESTONES = ("municipal_service",)
SUMMARY_SERVICES = ("social_services",)

_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)

TEXTS: dict[str, str] = {
    "discharge.topic": "Udskrevet \N{EN DASH} følges af peer-medarbejder",
    "discharge.text": (
        "Borgeren er udskrevet {discharged_on} og deltager i forløbet {programme}.\n"
        "En peer-medarbejder følger borgeren efter udskrivelsen.\n"
        "Borgeren har givet samtykke til, at kommunen orienteres.\n"
        "Kontakt: {organisation}."
    ),
    "network_meeting.topic": "Invitation til netværksmøde",
    "network_meeting.text": (
        "Kommunen inviteres til netværksmøde om borgeren i forløbet {programme}.\n"
        "Dato: {meeting_on}\n"
        "Tidspunkt: {starts_at}\n"
        "Sted: {place}\n"
        "Kontakt: {organisation}."
    ),
    "network_meeting.no_time": "aftales nærmere",
    "network_meeting.no_place": "aftales nærmere",
    "closing_summary.topic": "Afslutning af forløb",
    "closing_summary.text": (
        "Forløbet {programme} er afsluttet {closed_on}.\n"
        "Henvist: {referred_on}. Udskrevet: {discharged_on}.\n"
        "Opfølgninger: {follow_ups_done} af {follow_ups_planned}.\n"
        "Håb (1-10) ved start og slut: {hope}."
    ),
    "closing_summary.services": "Kommunale indsatser: {services}.",
    "closing_summary.goals": "Borgerens mål for kommunale indsatser:",
    "closing_summary.goal": "- {text} ({status})",
    "closing_summary.contact": "Kontakt: {organisation}.",
    "unknown": "ikke oplyst",
    "goal.active": "i gang",
    "goal.reached": "nået",
    "goal.dropped": "opgivet",
}


class Facts(Frozen):
    """What the episode's read model says that a message may tell (no personal data but the
    goals' words and the meeting's place, which the consent lets the municipality see)."""

    programme_name: str
    organisation: str
    referred_at: datetime
    discharged_at: datetime | None = None
    closed_at: datetime | None = None
    follow_ups_done: int = 0
    follow_ups_planned: int = 0
    hope_start: int | None = None
    hope_end: int | None = None


class Meeting(Frozen):
    meeting_on: date
    starts_at: time | None = None
    place: str = ""


class Goal(Frozen):
    text: str
    status: str


class Summary(Frozen):
    """The social services' slice of the closing summary."""

    services: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()


class Composed(Frozen):
    category: str
    topic: str
    text: str


def danish_date(value: date | datetime) -> str:
    """`3. december 2026`; a time stamp as its date in Copenhagen."""
    day = value.astimezone(COPENHAGEN).date() if isinstance(value, datetime) else value
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


def _date_or_unknown(value: date | datetime | None) -> str:
    return TEXTS["unknown"] if value is None else danish_date(value)


def discharge(facts: Facts) -> Composed:
    text = TEXTS["discharge.text"].format(
        discharged_on=_date_or_unknown(facts.discharged_at),
        programme=facts.programme_name,
        organisation=facts.organisation,
    )
    kind = CareCommunicationKind.DISCHARGE
    return Composed(category=CATEGORY[kind], topic=TEXTS["discharge.topic"], text=text)


def network_meeting(facts: Facts, meeting: Meeting) -> Composed:
    starts = meeting.starts_at
    text = TEXTS["network_meeting.text"].format(
        programme=facts.programme_name,
        meeting_on=danish_date(meeting.meeting_on),
        starts_at=f"kl. {starts:%H.%M}" if starts else TEXTS["network_meeting.no_time"],
        place=meeting.place.strip() or TEXTS["network_meeting.no_place"],
        organisation=facts.organisation,
    )
    kind = CareCommunicationKind.NETWORK_MEETING
    return Composed(category=CATEGORY[kind], topic=TEXTS["network_meeting.topic"], text=text)


def closing_summary(facts: Facts, summary: Summary) -> Composed:
    unknown = TEXTS["unknown"]
    hope = (
        f"{facts.hope_start if facts.hope_start is not None else unknown}"
        f" og {facts.hope_end if facts.hope_end is not None else unknown}"
    )
    lines = [
        TEXTS["closing_summary.text"].format(
            programme=facts.programme_name,
            closed_on=_date_or_unknown(facts.closed_at),
            referred_on=danish_date(facts.referred_at),
            discharged_on=_date_or_unknown(facts.discharged_at),
            follow_ups_done=facts.follow_ups_done,
            follow_ups_planned=facts.follow_ups_planned,
            hope=hope,
        )
    ]
    if summary.services:
        services = ", ".join(s.replace("_", " ") for s in summary.services)
        lines.append(TEXTS["closing_summary.services"].format(services=services))
    if summary.goals:
        lines.append(TEXTS["closing_summary.goals"])
        lines.extend(
            TEXTS["closing_summary.goal"].format(
                text=" ".join(g.text.split()), status=TEXTS.get(f"goal.{g.status}", g.status)
            )
            for g in summary.goals
        )
    lines.append(TEXTS["closing_summary.contact"].format(organisation=facts.organisation))
    kind = CareCommunicationKind.CLOSING_SUMMARY
    return Composed(
        category=CATEGORY[kind], topic=TEXTS["closing_summary.topic"], text="\n".join(lines)
    )
