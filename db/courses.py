"""Courses, terms, sessions, participants, enrolments and attendance: every SQL statement the
course pages, the term workflow's activities and the worker need.

Functions (all take a PooledConnection first):

Catalogue and terms
- create_course(conn, NewCourse, who) -> course_id
- update_course(conn, course_id, NewCourse, who) -> bool    (the course page's edit form)
- course(conn, course_id) -> Course | None
- organisation_courses(conn, organisation_id) -> list[Course]
- active_courses(conn) -> list[Course]                       (the public enrolment page)
- create_term(conn, NewTerm, who) -> term_id               (sessions and teachers with it)
- term(conn, term_id) -> Term | None
- course_terms(conn, course_id) -> list[Term]
- organisation_terms(conn, organisation_id) -> list[Term]
- teacher_terms(conn, peer_id) -> list[Term]               (a teaching peer's terms)
- open_terms(conn) -> list[Term]                           (whose workflows the worker ensures)
- open_term(conn, term_id, who) -> bool                     (planned -> open; then start the
                                                              workflow: workers/course_starter)
- cancel_term(conn, term_id, who) -> bool                   (then signal term_cancelled)
- close_term(conn, term_id) -> None                         (the workflow, at the end)
- teachers(conn, term_id) -> list[str]; set_teachers(conn, term_id, peer_ids, who)
- is_teacher(conn, term_id, peer_id) -> bool
- sessions(conn, term_id) -> list[TermSession]; session(conn, session_id) -> TermSession | None
- cancel_session(conn, session_id, who) -> bool             (then signal session_cancelled)
- term_plan(conn, term_id) -> TermPlan | None               (what the workflow needs)

Participants and enrolment
- create_participant(conn, NewParticipant) -> participant_id (a given id makes it idempotent)
- participant(conn, participant_id) -> Participant | None    (PERSONAL DATA: pages only)
- participants(conn, participant_ids) -> dict[id, Participant] (PERSONAL DATA: pages only)
- participant_kind(conn, participant_id) -> ParticipantKind | None
- enrol(conn, term_id, participant_id, by) -> EnrolResult    (one transaction, term row
                                                              locked; raises EnrolmentRefused)
  EnrolmentRefused(field, reason) reasons: course_term_unknown (term_id),
  course_participant_unknown (participant_id), course_term_not_open (term_id: cancelled or
  closed), course_kind_not_allowed (kind: the course does not take this participant kind).
- cancel_enrolment(conn, term_id, participant_id, who) -> CancelResult (the first waiting
                                                              moves up; then signal
                                                              enrolment_changed)
- set_seats(conn, term_id, seats, who) -> list[moved up ids]  (then signal enrolment_changed)
- enrolments(conn, term_id) -> list[Enrolment]               (enrolled/completed, then waiting
                                                              by position, then cancelled)
- enrolment(conn, term_id, participant_id) -> Enrolment | None
- enrolled(conn, term_id) -> list[str]                       (participants holding a seat)
- seats(conn, term_id) -> Seats

Attendance and completion
- record_attendance(conn, session_id, present, who)          (then signal attendance_recorded)
- attendance(conn, session_id) -> dict[participant_id, bool]
- attendance_recorded(conn, session_id) -> bool
- missed_twice(conn, term_id, session_id) -> list[str]
- complete_term(conn, term_id) -> CompletionResult

Tasks for the teaching peers (escalated to the coordinators)
- open_task(conn, kind, term_id, organisation_id, session_id, dedupe_key, due_at,
            participant_id=None) -> task_id | None   (once per dedupe_key)
- close_task_by_key(conn, dedupe_key, closed_by) -> bool
- close_task(conn, task_id, closed_by) -> bool
- escalate_task(conn, dedupe_key) -> bool              (the coordinators were told)
- term_tasks(conn, term_id) -> list[CourseTask]        (open ones, soonest due first)
- teacher_tasks(conn, peer_id) -> list[CourseTask]     (open ones of the peer's terms)
- organisation_tasks(conn, organisation_id) -> list[CourseTask]

Delivery
- reachable(conn, participant_ids) -> list[(participant_id, has_email, has_phone)]

Signals the pages send the term's workflow (workflows/course_term.CourseTermWorkflow, id
schemas.courses.term_workflow_id): attendance_recorded(session_id), session_cancelled(
session_id), enrolment_changed(EnrolmentChanged(moved_up=...)), term_cancelled(); the query
view() -> TermView. create_term does not check that the course and teachers exist (foreign
keys refuse them): the page checks first.

Erasure: db/erasure.py deletes a citizen's episodes' participants (their enrolments and
attendance go by cascade).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime

from db.audit import Actor, write_audit
from db.connection import PooledConnection
from schemas.courses import (
    CancelResult,
    CompletedParticipant,
    CompletionResult,
    Course,
    CourseTask,
    CourseTaskKind,
    EnrolledBy,
    Enrolment,
    EnrolmentRefused,
    EnrolmentStatus,
    EnrolResult,
    NewCourse,
    NewParticipant,
    NewTerm,
    Participant,
    ParticipantKind,
    PlannedCourseSession,
    Seats,
    SessionStatus,
    Term,
    TermPlan,
    TermSession,
    TermStatus,
)

__all__ = ["Actor"]


async def _audit(
    conn: PooledConnection, who: Actor, action: str, detail: dict[str, object]
) -> None:
    await write_audit(conn, "course", who, action, detail)


def session_id_for(term_id: str, index: int) -> str:
    return f"cs-{hashlib.sha256(f'{term_id}|{index}'.encode()).hexdigest()[:24]}"


# ------------------------------------------------------------------ catalogue

_COURSE = (
    "SELECT course_id, programme, organisation_id, title, title_da, description,"
    " participant_kinds, sessions_to_complete, active FROM courses"
)


def _course(row: object) -> Course:
    data = dict(row)  # type: ignore[call-overload]
    data["participant_kinds"] = tuple(data["participant_kinds"])
    return Course.model_validate(data)


async def create_course(conn: PooledConnection, new: NewCourse, who: Actor) -> str:
    course_id = f"co-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        await _audit(conn, who, "course.created", {"course_id": course_id})
        await conn.execute(
            "INSERT INTO courses (course_id, programme, organisation_id, title, title_da,"
            " description, participant_kinds, sessions_to_complete)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8)",
            course_id,
            new.programme,
            new.organisation_id,
            new.title,
            new.title_da,
            new.description,
            [k.value for k in new.participant_kinds],
            new.sessions_to_complete,
        )
    return course_id


async def update_course(
    conn: PooledConnection, course_id: str, changed: NewCourse, who: Actor
) -> bool:
    """A coordinator's change to a course (not its organisation); whether it exists. Terms
    enrolled already keep who they took."""
    async with conn.transaction():
        found = await conn.fetchval(
            "UPDATE courses SET programme = $2, title = $3, title_da = $4, description = $5,"
            " participant_kinds = $6::text[], sessions_to_complete = $7"
            " WHERE course_id = $1 RETURNING course_id",
            course_id,
            changed.programme,
            changed.title,
            changed.title_da,
            changed.description,
            [k.value for k in changed.participant_kinds],
            changed.sessions_to_complete,
        )
        if found is not None:
            await _audit(conn, who, "course.changed", {"course_id": course_id})
    return found is not None


async def course(conn: PooledConnection, course_id: str) -> Course | None:
    row = await conn.fetchrow(_COURSE + " WHERE course_id = $1", course_id)
    return None if row is None else _course(row)


async def organisation_courses(conn: PooledConnection, organisation_id: str) -> list[Course]:
    rows = await conn.fetch(
        _COURSE + " WHERE organisation_id = $1 ORDER BY active DESC, title, course_id",
        organisation_id,
    )
    return [_course(r) for r in rows]


async def active_courses(conn: PooledConnection) -> list[Course]:
    rows = await conn.fetch(_COURSE + " WHERE active ORDER BY title, course_id")
    return [_course(r) for r in rows]


# ------------------------------------------------------------------ terms

_TERM = (
    "SELECT t.term_id, t.course_id, c.organisation_id, c.programme, t.starts_on, t.place,"
    " t.seats, t.status, t.created_by"
    " FROM course_terms t JOIN courses c ON c.course_id = t.course_id"
)


async def create_term(conn: PooledConnection, new: NewTerm, who: Actor) -> str:
    """The term (planned), its sessions (ids derived from the term and their order) and its
    co-teaching peers, in one transaction."""
    term_id = f"ct-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        await _audit(conn, who, "course.term_created", {"term_id": term_id})
        await conn.execute(
            "INSERT INTO course_terms (term_id, course_id, starts_on, place, seats, created_by)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            term_id,
            new.course_id,
            new.starts_on,
            new.place,
            new.seats,
            who.actor_id,
        )
        await conn.executemany(
            "INSERT INTO course_sessions (session_id, term_id, starts_at, ends_at, place)"
            " VALUES ($1, $2, $3, $4, $5)",
            [
                (session_id_for(term_id, i), term_id, s.starts_at, s.ends_at, s.place or new.place)
                for i, s in enumerate(new.sessions)
            ],
        )
        await conn.executemany(
            "INSERT INTO course_term_teachers (term_id, peer_id) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING",
            [(term_id, p) for p in new.teachers],
        )
    return term_id


async def term(conn: PooledConnection, term_id: str) -> Term | None:
    row = await conn.fetchrow(_TERM + " WHERE t.term_id = $1", term_id)
    return None if row is None else Term.model_validate(dict(row))


async def course_terms(conn: PooledConnection, course_id: str) -> list[Term]:
    rows = await conn.fetch(
        _TERM + " WHERE t.course_id = $1 ORDER BY t.starts_on DESC, t.term_id", course_id
    )
    return [Term.model_validate(dict(r)) for r in rows]


async def organisation_terms(conn: PooledConnection, organisation_id: str) -> list[Term]:
    rows = await conn.fetch(
        _TERM + " WHERE c.organisation_id = $1 ORDER BY t.starts_on DESC, t.term_id LIMIT 500",
        organisation_id,
    )
    return [Term.model_validate(dict(r)) for r in rows]


async def teacher_terms(conn: PooledConnection, peer_id: str) -> list[Term]:
    rows = await conn.fetch(
        _TERM + " JOIN course_term_teachers tt ON tt.term_id = t.term_id"
        " WHERE tt.peer_id = $1 ORDER BY t.starts_on DESC, t.term_id LIMIT 200",
        peer_id,
    )
    return [Term.model_validate(dict(r)) for r in rows]


async def open_terms(conn: PooledConnection) -> list[Term]:
    rows = await conn.fetch(_TERM + " WHERE t.status = 'open' ORDER BY t.term_id")
    return [Term.model_validate(dict(r)) for r in rows]


async def open_term(conn: PooledConnection, term_id: str, who: Actor) -> bool:
    """A planned term opens for enrolment; whether it was planned. Its workflow is started
    next (workers/course_starter.ensure_term_workflow)."""
    async with conn.transaction():
        changed = await conn.fetchval(
            "UPDATE course_terms SET status = 'open' WHERE term_id = $1 AND status = 'planned'"
            " RETURNING term_id",
            term_id,
        )
        if changed is not None:
            await _audit(conn, who, "course.term_opened", {"term_id": term_id})
    return changed is not None


async def cancel_term(conn: PooledConnection, term_id: str, who: Actor) -> bool:
    """The term will not run (or not go on): cancelled, with its sessions not held yet;
    whether it was planned or open. The page then signals the workflow `term_cancelled`."""
    async with conn.transaction():
        changed = await conn.fetchval(
            "UPDATE course_terms SET status = 'cancelled' WHERE term_id = $1"
            " AND status IN ('planned', 'open') RETURNING term_id",
            term_id,
        )
        if changed is not None:
            await _audit(conn, who, "course.term_cancelled", {"term_id": term_id})
            await conn.execute(
                "UPDATE course_sessions SET status = 'cancelled'"
                " WHERE term_id = $1 AND status = 'planned' AND starts_at > now()",
                term_id,
            )
    return changed is not None


async def close_term(conn: PooledConnection, term_id: str) -> None:
    await conn.execute(
        "UPDATE course_terms SET status = 'closed' WHERE term_id = $1 AND status = 'open'",
        term_id,
    )


async def teachers(conn: PooledConnection, term_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT peer_id FROM course_term_teachers WHERE term_id = $1 ORDER BY peer_id", term_id
    )
    return [str(r["peer_id"]) for r in rows]


async def set_teachers(
    conn: PooledConnection, term_id: str, peer_ids: Sequence[str], who: Actor
) -> None:
    async with conn.transaction():
        await _audit(conn, who, "course.teachers_changed", {"term_id": term_id})
        await conn.execute(
            "DELETE FROM course_term_teachers WHERE term_id = $1"
            " AND NOT (peer_id = ANY($2::text[]))",
            term_id,
            list(peer_ids),
        )
        await conn.executemany(
            "INSERT INTO course_term_teachers (term_id, peer_id) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING",
            [(term_id, p) for p in peer_ids],
        )


async def is_teacher(conn: PooledConnection, term_id: str, peer_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM course_term_teachers WHERE term_id = $1 AND peer_id = $2",
        term_id,
        peer_id,
    )
    return found is not None


_SESSION = "SELECT session_id, term_id, starts_at, ends_at, place, status FROM course_sessions"


async def sessions(conn: PooledConnection, term_id: str) -> list[TermSession]:
    rows = await conn.fetch(_SESSION + " WHERE term_id = $1 ORDER BY starts_at", term_id)
    return [TermSession.model_validate(dict(r)) for r in rows]


async def session(conn: PooledConnection, session_id: str) -> TermSession | None:
    row = await conn.fetchrow(_SESSION + " WHERE session_id = $1", session_id)
    return None if row is None else TermSession.model_validate(dict(row))


async def cancel_session(conn: PooledConnection, session_id: str, who: Actor) -> bool:
    """A planned session will not be held; whether it was planned. The page then signals the
    workflow `session_cancelled` (which tells everyone enrolled)."""
    async with conn.transaction():
        changed = await conn.fetchval(
            "UPDATE course_sessions SET status = 'cancelled'"
            " WHERE session_id = $1 AND status = 'planned' RETURNING term_id",
            session_id,
        )
        if changed is not None:
            await _audit(conn, who, "course.session_cancelled", {"session_id": session_id})
    return changed is not None


async def term_plan(conn: PooledConnection, term_id: str) -> TermPlan | None:
    row = await conn.fetchrow(
        "SELECT t.term_id, c.organisation_id, t.status, c.sessions_to_complete"
        " FROM course_terms t JOIN courses c ON c.course_id = t.course_id WHERE t.term_id = $1",
        term_id,
    )
    if row is None:
        return None
    planned = [
        PlannedCourseSession(
            session_id=s.session_id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            cancelled=s.status == SessionStatus.CANCELLED,
        )
        for s in await sessions(conn, term_id)
    ]
    return TermPlan(
        term_id=str(row["term_id"]),
        organisation_id=str(row["organisation_id"]),
        status=TermStatus(row["status"]),
        sessions_to_complete=int(row["sessions_to_complete"]),
        sessions=tuple(planned),
    )


# ------------------------------------------------------------------ participants

_PARTICIPANT = (
    "SELECT participant_id, display_name, email, phone, kind, episode_id, consent_at,"
    " consent_version FROM course_participants"
)


async def create_participant(conn: PooledConnection, new: NewParticipant) -> str:
    """The participant's row; a given `participant_id` that exists already is kept as it is
    (a repeated form submission makes one participant)."""
    participant_id = new.participant_id or f"cp-{uuid.uuid4().hex[:20]}"
    await conn.execute(
        "INSERT INTO course_participants (participant_id, display_name, email, phone, kind,"
        " episode_id, consent_at, consent_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (participant_id) DO NOTHING",
        participant_id,
        new.display_name,
        new.email,
        new.phone,
        new.kind.value,
        new.episode_id,
        new.consent_at,
        new.consent_version,
    )
    return participant_id


async def participant(conn: PooledConnection, participant_id: str) -> Participant | None:
    """PERSONAL DATA: for the pages only, never a workflow or a log."""
    row = await conn.fetchrow(_PARTICIPANT + " WHERE participant_id = $1", participant_id)
    return None if row is None else Participant.model_validate(dict(row))


async def participants(
    conn: PooledConnection, participant_ids: Sequence[str]
) -> dict[str, Participant]:
    """PERSONAL DATA: for the pages only, never a workflow or a log."""
    rows = await conn.fetch(
        _PARTICIPANT + " WHERE participant_id = ANY($1::text[])", list(participant_ids)
    )
    return {str(r["participant_id"]): Participant.model_validate(dict(r)) for r in rows}


# ------------------------------------------------------------------ enrolment

_LOCK_TERM = """
SELECT t.seats, t.status, c.participant_kinds
FROM course_terms t JOIN courses c ON c.course_id = t.course_id
WHERE t.term_id = $1
FOR UPDATE OF t
"""

_HOLDING = (
    "SELECT count(*) FROM course_enrolments"
    " WHERE term_id = $1 AND status IN ('enrolled', 'completed')"
)

_NEXT_POSITION = (
    "SELECT coalesce(max(position), 0) + 1 FROM course_enrolments"
    " WHERE term_id = $1 AND status = 'waiting'"
)

_UPSERT_ENROLMENT = """
INSERT INTO course_enrolments (term_id, participant_id, status, position, enrolled_by_role,
                               enrolled_by_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (term_id, participant_id) DO UPDATE
SET status = EXCLUDED.status, position = EXCLUDED.position,
    enrolled_by_role = EXCLUDED.enrolled_by_role, enrolled_by_id = EXCLUDED.enrolled_by_id,
    changed_at = now()
"""


async def enrol(
    conn: PooledConnection, term_id: str, participant_id: str, by: EnrolledBy
) -> EnrolResult:
    """Enrol a participant: a seat if one is free, else the next place on the waiting list.
    One transaction with the term's row locked, so enrolments at the same moment take seats
    in turn. Idempotent per (term, participant): one already enrolled, waiting or completed
    keeps their status (`created` False); one who had cancelled enrols anew. Refused
    (EnrolmentRefused) for a term not taking enrolments or a kind the course does not take."""
    async with conn.transaction():
        term_row = await conn.fetchrow(_LOCK_TERM, term_id)
        if term_row is None:
            raise EnrolmentRefused("term_id", "course_term_unknown")
        kind = await conn.fetchval(
            "SELECT kind FROM course_participants WHERE participant_id = $1", participant_id
        )
        if kind is None:
            raise EnrolmentRefused("participant_id", "course_participant_unknown")
        existing = await conn.fetchrow(
            "SELECT status, position FROM course_enrolments"
            " WHERE term_id = $1 AND participant_id = $2",
            term_id,
            participant_id,
        )
        if existing is not None and existing["status"] != EnrolmentStatus.CANCELLED:
            return EnrolResult(
                status=EnrolmentStatus(existing["status"]),
                position=existing["position"],
                created=False,
            )
        if term_row["status"] not in (TermStatus.PLANNED, TermStatus.OPEN):
            raise EnrolmentRefused("term_id", "course_term_not_open")
        if kind not in term_row["participant_kinds"]:
            raise EnrolmentRefused("kind", "course_kind_not_allowed")
        holding: int = await conn.fetchval(_HOLDING, term_id)
        if holding < term_row["seats"]:
            status, position = EnrolmentStatus.ENROLLED, None
        else:
            status, position = EnrolmentStatus.WAITING, await conn.fetchval(_NEXT_POSITION, term_id)
        await conn.execute(
            _UPSERT_ENROLMENT, term_id, participant_id, status.value, position, by.role,
            by.actor_id,
        )  # fmt: skip
        await _audit(
            conn,
            Actor(role=by.role, actor_id=by.actor_id or participant_id),
            "course.enrolled",
            {"term_id": term_id, "participant_id": participant_id, "status": status.value},
        )
    return EnrolResult(status=status, position=position, created=True)


async def _move_up(conn: PooledConnection, term_id: str, seats: int) -> list[str]:
    """While a seat is free, the first on the waiting list takes it (term row locked)."""
    moved: list[str] = []
    while True:
        holding: int = await conn.fetchval(_HOLDING, term_id)
        if holding >= seats:
            return moved
        first = await conn.fetchval(
            "UPDATE course_enrolments SET status = 'enrolled', position = NULL, changed_at = now()"
            " WHERE (term_id, participant_id) = (SELECT term_id, participant_id"
            "   FROM course_enrolments WHERE term_id = $1 AND status = 'waiting'"
            "   ORDER BY position LIMIT 1)"
            " RETURNING participant_id",
            term_id,
        )
        if first is None:
            return moved
        moved.append(str(first))


async def cancel_enrolment(
    conn: PooledConnection, term_id: str, participant_id: str, who: Actor
) -> CancelResult:
    """The participant leaves the term (or its waiting list); the first waiting moves up into
    a freed seat in the same transaction. Idempotent: cancelling twice changes nothing. The
    page then signals the workflow `enrolment_changed` (the one moved up is told)."""
    async with conn.transaction():
        term_row = await conn.fetchrow(_LOCK_TERM, term_id)
        if term_row is None:
            return CancelResult(cancelled=False)
        previous = await conn.fetchval(
            "UPDATE course_enrolments SET status = 'cancelled', position = NULL,"
            " changed_at = now()"
            " WHERE term_id = $1 AND participant_id = $2 AND status IN ('enrolled', 'waiting')"
            " RETURNING status",
            term_id,
            participant_id,
        )
        if previous is None:
            return CancelResult(cancelled=False)
        await _audit(
            conn,
            who,
            "course.enrolment_cancelled",
            {"term_id": term_id, "participant_id": participant_id},
        )
        moved = await _move_up(conn, term_id, int(term_row["seats"]))
        if moved:
            await _audit(
                conn, who, "course.moved_up", {"term_id": term_id, "participant_ids": moved}
            )
    return CancelResult(cancelled=True, moved_up=moved[0] if moved else None)


async def set_seats(conn: PooledConnection, term_id: str, seats: int, who: Actor) -> list[str]:
    """Change a term's seats; more seats move the waiting list up (those moved up)."""
    async with conn.transaction():
        if await conn.fetchrow(_LOCK_TERM, term_id) is None:
            return []
        await conn.execute("UPDATE course_terms SET seats = $2 WHERE term_id = $1", term_id, seats)
        await _audit(conn, who, "course.seats_changed", {"term_id": term_id, "seats": seats})
        return await _move_up(conn, term_id, seats)


_ENROLMENT = (
    "SELECT term_id, participant_id, status, position, enrolled_by_role, enrolled_by_id,"
    " created_at FROM course_enrolments"
)


async def enrolments(conn: PooledConnection, term_id: str) -> list[Enrolment]:
    rows = await conn.fetch(
        _ENROLMENT + " WHERE term_id = $1 ORDER BY CASE status WHEN 'enrolled' THEN 0"
        " WHEN 'completed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, position, created_at,"
        " participant_id",
        term_id,
    )
    return [Enrolment.model_validate(dict(r)) for r in rows]


async def enrolment(conn: PooledConnection, term_id: str, participant_id: str) -> Enrolment | None:
    row = await conn.fetchrow(
        _ENROLMENT + " WHERE term_id = $1 AND participant_id = $2", term_id, participant_id
    )
    return None if row is None else Enrolment.model_validate(dict(row))


async def enrolled(conn: PooledConnection, term_id: str) -> list[str]:
    """The participants holding a seat (enrolled), by id."""
    rows = await conn.fetch(
        "SELECT participant_id FROM course_enrolments WHERE term_id = $1 AND status = 'enrolled'"
        " ORDER BY participant_id",
        term_id,
    )
    return [str(r["participant_id"]) for r in rows]


async def seats(conn: PooledConnection, term_id: str) -> Seats:
    row = await conn.fetchrow(
        "SELECT t.seats,"
        " count(*) FILTER (WHERE e.status = 'enrolled') AS enrolled,"
        " count(*) FILTER (WHERE e.status = 'waiting') AS waiting,"
        " count(*) FILTER (WHERE e.status = 'completed') AS completed"
        " FROM course_terms t LEFT JOIN course_enrolments e ON e.term_id = t.term_id"
        " WHERE t.term_id = $1 GROUP BY t.seats",
        term_id,
    )
    if row is None:
        return Seats(seats=0, enrolled=0, waiting=0, completed=0)
    return Seats.model_validate(dict(row))


# ------------------------------------------------------------------ attendance


async def record_attendance(
    conn: PooledConnection, session_id: str, present: dict[str, bool], who: Actor
) -> None:
    """The teaching peer's record of who came: one row per participant, replacing an earlier
    record; the session counts as held. The page then signals `attendance_recorded`."""
    async with conn.transaction():
        detail = {"session_id": session_id, "absent": sum(not v for v in present.values())}
        await _audit(conn, who, "course.attendance_recorded", detail)
        await conn.executemany(
            "INSERT INTO course_attendance (session_id, participant_id, present, recorded_by)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, participant_id) DO UPDATE"
            " SET present = EXCLUDED.present, recorded_by = EXCLUDED.recorded_by,"
            " recorded_at = now()",
            [(session_id, p, came, who.actor_id) for p, came in present.items()],
        )
        await conn.execute(
            "UPDATE course_sessions SET status = 'held' WHERE session_id = $1"
            " AND status = 'planned'",
            session_id,
        )


async def attendance(conn: PooledConnection, session_id: str) -> dict[str, bool]:
    rows = await conn.fetch(
        "SELECT participant_id, present FROM course_attendance WHERE session_id = $1",
        session_id,
    )
    return {str(r["participant_id"]): bool(r["present"]) for r in rows}


async def attendance_recorded(conn: PooledConnection, session_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM course_attendance WHERE session_id = $1 LIMIT 1", session_id
    )
    return found is not None


_MISSED_TWICE = """
WITH last_two AS (
    SELECT s.session_id
    FROM course_sessions s, course_sessions this
    WHERE this.session_id = $2 AND s.term_id = $1 AND s.status = 'held'
      AND s.starts_at <= this.starts_at
    ORDER BY s.starts_at DESC
    LIMIT 2
)
SELECT e.participant_id
FROM course_enrolments e
JOIN course_attendance a
  ON a.participant_id = e.participant_id AND a.session_id IN (SELECT session_id FROM last_two)
WHERE e.term_id = $1 AND e.status = 'enrolled'
  AND (SELECT count(*) FROM last_two) = 2
  AND NOT EXISTS (SELECT 1 FROM course_tasks t WHERE t.term_id = $1
                  AND t.participant_id = e.participant_id
                  AND t.kind = 'participant_absent' AND t.status = 'open')
GROUP BY e.participant_id
HAVING count(*) = 2 AND NOT bool_or(a.present)
ORDER BY e.participant_id
"""


async def missed_twice(conn: PooledConnection, term_id: str, session_id: str) -> list[str]:
    """Enrolled participants absent from both of the term's last two held sessions (this one
    the later) who have no open participant_absent task already (one follow-up at a time)."""
    rows = await conn.fetch(_MISSED_TWICE, term_id, session_id)
    return [str(r["participant_id"]) for r in rows]


_COMPLETE = """
WITH attended AS (
    SELECT e.participant_id, p.episode_id,
           count(a.present) FILTER (WHERE a.present) AS sessions
    FROM course_enrolments e
    JOIN course_participants p ON p.participant_id = e.participant_id
    LEFT JOIN course_attendance a ON a.participant_id = e.participant_id
         AND a.session_id IN (SELECT session_id FROM course_sessions
                              WHERE term_id = $1 AND status = 'held')
    WHERE e.term_id = $1 AND e.status IN ('enrolled', 'completed')
    GROUP BY e.participant_id, p.episode_id
)
SELECT participant_id, episode_id, sessions >= $2 AS done FROM attended
ORDER BY participant_id
"""


async def complete_term(conn: PooledConnection, term_id: str) -> CompletionResult:
    """The term is over: every enrolled participant who attended at least the course's
    sessions_to_complete is completed (again on a retry: idempotent); the term is closed."""
    async with conn.transaction():
        needed = await conn.fetchval(
            "SELECT c.sessions_to_complete FROM course_terms t"
            " JOIN courses c ON c.course_id = t.course_id WHERE t.term_id = $1 FOR UPDATE OF t",
            term_id,
        )
        if needed is None:
            return CompletionResult()
        rows = await conn.fetch(_COMPLETE, term_id, needed)
        done = [r for r in rows if r["done"]]
        await conn.execute(
            "UPDATE course_enrolments SET status = 'completed', changed_at = now()"
            " WHERE term_id = $1 AND status = 'enrolled' AND participant_id = ANY($2::text[])",
            term_id,
            [str(r["participant_id"]) for r in done],
        )
        await close_term(conn, term_id)
    return CompletionResult(
        completed=tuple(
            CompletedParticipant(
                participant_id=str(r["participant_id"]),
                episode_id=None if r["episode_id"] is None else str(r["episode_id"]),
            )
            for r in done
        ),
        not_completed=len(rows) - len(done),
    )


async def participant_kind(conn: PooledConnection, participant_id: str) -> ParticipantKind | None:
    value = await conn.fetchval(
        "SELECT kind FROM course_participants WHERE participant_id = $1", participant_id
    )
    return None if value is None else ParticipantKind(value)


# ------------------------------------------------------------------ tasks

_OPEN_TASK = """
INSERT INTO course_tasks (task_id, kind, term_id, organisation_id, session_id, participant_id,
                          dedupe_key, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING task_id
"""

_TASK = (
    "SELECT task_id, kind, term_id, organisation_id, session_id, participant_id, status,"
    " due_at, created_at, escalated_at FROM course_tasks"
)

_TEACHER_TASKS = """
SELECT k.task_id, k.kind, k.term_id, k.organisation_id, k.session_id, k.participant_id,
       k.status, k.due_at, k.created_at, k.escalated_at
FROM course_tasks k
JOIN course_term_teachers tt ON tt.term_id = k.term_id AND tt.peer_id = $1
WHERE k.status = 'open'
ORDER BY k.due_at, k.task_id
LIMIT 500
"""


async def open_task(
    conn: PooledConnection,
    *,
    kind: CourseTaskKind,
    term_id: str,
    organisation_id: str,
    session_id: str,
    dedupe_key: str,
    due_at: datetime,
    participant_id: str | None = None,
) -> str | None:
    """Open the task unless one with this `dedupe_key` was ever opened; its id, or None."""
    task_id: str | None = await conn.fetchval(
        _OPEN_TASK,
        f"ctk-{uuid.uuid4().hex}",
        kind.value,
        term_id,
        organisation_id,
        session_id,
        participant_id,
        dedupe_key,
        due_at,
    )
    return task_id


async def close_task_by_key(conn: PooledConnection, dedupe_key: str, closed_by: str) -> bool:
    value = await conn.fetchval(
        "UPDATE course_tasks SET status = 'done', closed_at = now(), closed_by = $2"
        " WHERE dedupe_key = $1 AND status = 'open' RETURNING task_id",
        dedupe_key,
        closed_by,
    )
    return value is not None


async def close_task(conn: PooledConnection, task_id: str, closed_by: str) -> bool:
    value = await conn.fetchval(
        "UPDATE course_tasks SET status = 'done', closed_at = now(), closed_by = $2"
        " WHERE task_id = $1 AND status = 'open' RETURNING task_id",
        task_id,
        closed_by,
    )
    return value is not None


async def escalate_task(conn: PooledConnection, dedupe_key: str) -> bool:
    """Mark an open task as gone to the coordinators; whether it was open and not yet so."""
    value = await conn.fetchval(
        "UPDATE course_tasks SET escalated_at = now()"
        " WHERE dedupe_key = $1 AND status = 'open' AND escalated_at IS NULL RETURNING task_id",
        dedupe_key,
    )
    return value is not None


async def term_tasks(conn: PooledConnection, term_id: str) -> list[CourseTask]:
    rows = await conn.fetch(
        _TASK + " WHERE term_id = $1 AND status = 'open' ORDER BY due_at, task_id", term_id
    )
    return [CourseTask.model_validate(dict(r)) for r in rows]


async def teacher_tasks(conn: PooledConnection, peer_id: str) -> list[CourseTask]:
    rows = await conn.fetch(_TEACHER_TASKS, peer_id)
    return [CourseTask.model_validate(dict(r)) for r in rows]


async def organisation_tasks(conn: PooledConnection, organisation_id: str) -> list[CourseTask]:
    rows = await conn.fetch(
        _TASK + " WHERE status = 'open' AND organisation_id = $1 ORDER BY due_at, task_id"
        " LIMIT 500",
        organisation_id,
    )
    return [CourseTask.model_validate(dict(r)) for r in rows]


# ------------------------------------------------------------------ delivery


async def reachable(
    conn: PooledConnection, participant_ids: Sequence[str]
) -> list[tuple[str, bool, bool]]:
    """(participant_id, has e-mail, has phone) of these participants; only flags leave the
    database, the addresses are read by the outbox at delivery time."""
    rows = await conn.fetch(
        "SELECT participant_id, coalesce(email, '') <> '' AS has_email,"
        " coalesce(phone, '') <> '' AS has_phone FROM course_participants"
        " WHERE participant_id = ANY($1::text[]) ORDER BY participant_id",
        list(participant_ids),
    )
    return [(str(r["participant_id"]), bool(r["has_email"]), bool(r["has_phone"])) for r in rows]


async def term_texts(conn: PooledConnection, term_id: str) -> dict[str, str]:
    """What a participant's message names: the course's titles and the term's place."""
    row = await conn.fetchrow(
        "SELECT c.title, c.title_da, t.place FROM course_terms t"
        " JOIN courses c ON c.course_id = t.course_id WHERE t.term_id = $1",
        term_id,
    )
    if row is None:
        return {}
    return {
        "title": str(row["title"]),
        "title_da": str(row["title_da"]),
        "place": str(row["place"]),
    }
