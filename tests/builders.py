"""Courses with a term of sessions and peer groups, for the tests that need one (db,
activities, api, workflows, pages): the details a test does not care about are filled in
alike."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from db import courses
from db import peer_groups as groups
from db.connection import PooledConnection
from db.supervision import Actor
from schemas.courses import NewCourse, NewSession, NewTerm, ParticipantKind
from schemas.peer_groups import PeerGroup
from schemas.roster import SupervisionSchedule

TITLE = "Recovery and everyday life"
TITLE_DA = "Recovery og hverdagsliv"
PLACE = "Recovery school, room 2"
CITIZENS_AND_RELATIVES = (ParticipantKind.CITIZEN, ParticipantKind.RELATIVE)
# Thursdays at 10:00, every week, two hours.
WEEKLY = SupervisionSchedule(weekday=4, time=time(10, 0), every_weeks=1, duration_minutes=120)


async def course_term(
    conn: PooledConnection,
    who: courses.Actor,
    organisation_id: str,
    starts: Sequence[datetime],
    *,
    length: timedelta = timedelta(hours=2),
    seats: int = 10,
    teachers: tuple[str, ...] = (),
    programme: str = "recovery-college",
    title: tuple[str, str] = (TITLE, TITLE_DA),
    place: str = PLACE,
    participant_kinds: tuple[ParticipantKind, ...] = CITIZENS_AND_RELATIVES,
    sessions_to_complete: int = 1,
    starts_on: date | None = None,
    opened: bool = False,
) -> str:
    """A new course and its term (id returned) with a session of `length` at each of `starts`;
    the term starts on the first session's day unless `starts_on` says otherwise, and is
    opened for enrolment when `opened`."""
    course_id = await courses.create_course(
        conn,
        NewCourse(
            programme=programme,
            organisation_id=organisation_id,
            title=title[0],
            title_da=title[1],
            participant_kinds=participant_kinds,
            sessions_to_complete=sessions_to_complete,
        ),
        who,
    )
    term_id = await courses.create_term(
        conn,
        NewTerm(
            course_id=course_id,
            starts_on=starts_on or starts[0].date(),
            place=place,
            seats=seats,
            sessions=tuple(NewSession(starts_at=s, ends_at=s + length) for s in starts),
            teachers=teachers,
        ),
        who,
    )
    if opened:
        assert await courses.open_term(conn, term_id, who)
    return term_id


async def peer_group(
    conn: PooledConnection,
    organisation_id: str,
    facilitator_id: str,
    *,
    schedule: SupervisionSchedule = WEEKLY,
    seats: int = 8,
    name: str = "Thursday group",
    place: str = "Library, room 2",
    municipality_code: str | None = None,
    who: Actor | None = None,
) -> PeerGroup:
    """A new peer group of the municipal peer support programme (stored, no workflow yet)."""
    group = PeerGroup(
        group_id=f"pg-{uuid.uuid4().hex[:12]}",
        programme="municipal-peer-support",
        organisation_id=organisation_id,
        municipality_code=municipality_code,
        name=name,
        facilitator_id=facilitator_id,
        schedule=schedule,
        place=place,
        seats=seats,
    )
    await groups.create_group(conn, group, who or Actor(role="coordinator", actor_id="c-test"))
    return group
