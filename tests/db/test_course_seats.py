"""Course seats: enrolments at the same moment take seats in turn (the term's row is locked),
the rest wait in order; a cancellation moves the first waiting up; a repeated enrolment
changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from db import courses
from db.pool import DatabasePool
from schemas.courses import (
    EnrolledBy,
    EnrolmentRefused,
    EnrolmentStatus,
    NewParticipant,
    ParticipantKind,
)
from tests.activities.builders import Roster
from tests.builders import course_term

WARD = EnrolledBy(role="ward", actor_id="ward-staff-1")
WHO = courses.Actor(role="coordinator", actor_id="coordinator-1")


async def _term(pool: DatabasePool, seats: int) -> str:
    roster = Roster(pool)
    org = await roster.organisation()
    start = datetime(2030, 3, 4, 17, 0, tzinfo=UTC)
    async with pool.acquire() as conn:
        return await course_term(conn, WHO, org, [start], seats=seats, opened=True)


async def _participant(pool: DatabasePool, kind: ParticipantKind = ParticipantKind.RELATIVE) -> str:
    async with pool.acquire() as conn:
        return await courses.create_participant(
            conn,
            NewParticipant(
                display_name="Test Person",
                email=f"p-{uuid.uuid4().hex[:8]}@example.org",
                kind=kind,
                consent_at=datetime.now(UTC),
            ),
        )


async def test_twenty_enrol_at_once_for_five_seats(db_pool: DatabasePool) -> None:
    term_id = await _term(db_pool, seats=5)
    people = [await _participant(db_pool) for _ in range(20)]

    async def enrol(participant_id: str) -> None:
        async with db_pool.acquire() as conn:
            await courses.enrol(conn, term_id, participant_id, WARD)

    await asyncio.gather(*(enrol(p) for p in people))

    async with db_pool.acquire() as conn:
        rows = await courses.enrolments(conn, term_id)
        seats = await courses.seats(conn, term_id)
    assert (seats.enrolled, seats.waiting, seats.free) == (5, 15, 0)
    waiting = [r for r in rows if r.status == EnrolmentStatus.WAITING]
    assert [r.position for r in waiting] == list(range(1, 16))

    # The first waiting moves up when someone with a seat cancels, in the same transaction.
    holder = next(r.participant_id for r in rows if r.status == EnrolmentStatus.ENROLLED)
    async with db_pool.acquire() as conn:
        result = await courses.cancel_enrolment(conn, term_id, holder, WHO)
        again = await courses.cancel_enrolment(conn, term_id, holder, WHO)
        seats = await courses.seats(conn, term_id)
    assert result.cancelled and result.moved_up == waiting[0].participant_id
    assert not again.cancelled and again.moved_up is None
    assert (seats.enrolled, seats.waiting) == (5, 14)


async def test_enrolling_again_changes_nothing(db_pool: DatabasePool) -> None:
    term_id = await _term(db_pool, seats=1)
    first, second = await _participant(db_pool), await _participant(db_pool)
    async with db_pool.acquire() as conn:
        made = await courses.enrol(conn, term_id, first, WARD)
        repeated = await courses.enrol(conn, term_id, first, WARD)
        waiting = await courses.enrol(conn, term_id, second, EnrolledBy(role="self"))
        waiting_again = await courses.enrol(conn, term_id, second, EnrolledBy(role="self"))
        rows = await courses.enrolments(conn, term_id)
    assert (made.status, made.created) == (EnrolmentStatus.ENROLLED, True)
    assert (repeated.status, repeated.created) == (EnrolmentStatus.ENROLLED, False)
    assert (waiting.status, waiting.position) == (EnrolmentStatus.WAITING, 1)
    assert (waiting_again.position, waiting_again.created) == (1, False)
    assert len(rows) == 2


async def test_refusals_name_the_field(db_pool: DatabasePool) -> None:
    term_id = await _term(db_pool, seats=3)
    staff = await _participant(db_pool, ParticipantKind.STAFF)
    async with db_pool.acquire() as conn:
        for participant_id, field in ((staff, "kind"), ("cp-nobody", "participant_id")):
            with pytest.raises(EnrolmentRefused) as refused:
                await courses.enrol(conn, term_id, participant_id, WARD)
            assert refused.value.field == field
        assert await courses.cancel_term(conn, term_id, WHO)
        relative = await _participant(db_pool)
        with pytest.raises(EnrolmentRefused) as refused:
            await courses.enrol(conn, term_id, relative, WARD)
        assert (refused.value.field, refused.value.reason) == ("term_id", "course_term_not_open")
        assert await courses.enrolments(conn, term_id) == []
