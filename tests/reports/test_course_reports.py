"""Course and group figures in the report: per course programme and participant kind, per
group programme, small cells hidden the same way as the episodes' numbers, on the page in
both languages and in the CSV."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from api.reports.build import build_report
from api.reports.model import ReportFilters
from api.reports.period import Period
from api.reports.programme_figures import EnrolmentFacts
from api.web import labels
from command.synthetic.roster import Roster
from db.pool import DatabasePool
from schemas.courses import ParticipantKind
from tests.reports.conftest import Caller
from tests.reports.population import CPH, Ep, insert
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster

COLLEGE, ARK, GROUPS, SIND, BRIDGE = (
    "recovery-college",
    "ark-course",
    "municipal-peer-support",
    "peer-guide-sind",
    "bro-til-hverdagslivet",
)
Q3 = "quarter=2026-Q3"
HIDDEN = {"<5", "suppressed"}
# (status, attended) per person enrolled.
SEATED, ATTENDED, COMPLETED, WAITING = (
    ("enrolled", False),
    ("enrolled", True),
    ("completed", True),
    ("waiting", False),
)


@dataclass
class Term:
    """Who enrolled, by participant kind."""

    people: dict[ParticipantKind, list[tuple[str, bool]]]


async def add_term(
    pool: DatabasePool,
    roster: Roster,
    programme: str,
    starts_on: date,
    people: dict[ParticipantKind, list[tuple[str, bool]]],
    status: str = "open",
) -> None:
    """A course of the roster's organisation with one term of two sessions, its enrolments and
    the attendance a teaching peer would record."""
    course_id, term_id = f"course-{uuid.uuid4().hex}", f"term-{uuid.uuid4().hex}"
    first = datetime.combine(starts_on, datetime.min.time(), CPH) + timedelta(hours=17)
    sessions = [f"{term_id}-s{i}" for i in (1, 2)]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO courses (course_id, programme, organisation_id, title, title_da,"
            " participant_kinds, sessions_to_complete)"
            " VALUES ($1, $2, $3, 'Recovery', 'Recovery', $4, 1)",
            course_id,
            programme,
            roster.organisation_id,
            [k.value for k in ParticipantKind],
        )
        await conn.execute(
            "INSERT INTO course_terms (term_id, course_id, starts_on, place, seats, status,"
            " created_by) VALUES ($1, $2, $3, 'Room 1', 40, $4, 'coordinator')",
            term_id,
            course_id,
            starts_on,
            status,
        )
        for number, session_id in enumerate(sessions):
            starts = first + timedelta(days=7 * number)
            await conn.execute(
                "INSERT INTO course_sessions (session_id, term_id, starts_at, ends_at, place,"
                " status) VALUES ($1, $2, $3, $4, 'Room 1', 'held')",
                session_id,
                term_id,
                starts,
                starts + timedelta(hours=2),
            )
        position = 0
        for kind, enrolments in people.items():
            for enrolment, came in enrolments:
                participant = f"participant-{uuid.uuid4().hex}"
                await conn.execute(
                    "INSERT INTO course_participants (participant_id, display_name, kind,"
                    " consent_at, consent_version) VALUES ($1, 'Someone', $2, now(), 'v1')",
                    participant,
                    kind.value,
                )
                waiting = enrolment == "waiting"
                position += waiting
                await conn.execute(
                    "INSERT INTO course_enrolments (term_id, participant_id, status, position,"
                    " enrolled_by_role, enrolled_by_id) VALUES ($1, $2, $3, $4, 'public', NULL)",
                    term_id,
                    participant,
                    enrolment,
                    position if waiting else None,
                )
                if waiting:
                    continue
                for number, session_id in enumerate(sessions):
                    await conn.execute(
                        "INSERT INTO course_attendance (session_id, participant_id, present,"
                        " recorded_by) VALUES ($1, $2, $3, 'peer')",
                        session_id,
                        participant,
                        came and number == 0,
                    )


async def add_group(
    pool: DatabasePool,
    roster: Roster,
    programme: str,
    members: int,
    present: list[list[bool]],
    relatives: int = 0,
) -> None:
    """A group with members (citizens with episodes, then relatives without an account) and
    held sessions in 2026-Q3; `present` holds each session's marks, one per member."""
    eps = [
        Ep(
            citizen=f"cit-{uuid.uuid4().hex[:12]}",
            programme=programme,
            municipality=roster.municipality_code,
            referred_at=datetime(2026, 5, 1, tzinfo=CPH),
        )
        for _ in range(members)
    ]
    await insert(pool, roster, eps)
    group_id = f"group-{uuid.uuid4().hex}"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO peer_groups (group_id, programme, organisation_id, name,"
            " facilitator_id, schedule, seats) VALUES ($1, $2, $3, 'Tirsdagsgruppen', $4,"
            ' \'{"weekday": 2, "time": "14:00", "every_weeks": 1,'
            ' "duration_minutes": 90}\'::jsonb, 12)',
            group_id,
            programme,
            roster.organisation_id,
            roster.peers[0],
        )
        member_ids = []
        for ep in eps:
            episode_id = await conn.fetchval(
                "SELECT episode_id FROM episodes WHERE citizen_id = $1", ep.citizen
            )
            member_id = f"member-{uuid.uuid4().hex}"
            member_ids.append(member_id)
            await conn.execute(
                "INSERT INTO peer_group_members (member_id, group_id, episode_id, joined_on,"
                " added_by) VALUES ($1, $2, $3, '2026-06-15', 'coordinator')",
                member_id,
                group_id,
                episode_id,
            )
        for _ in range(relatives):
            participant_id, member_id = (
                f"participant-{uuid.uuid4().hex}",
                f"member-{uuid.uuid4().hex}",
            )
            member_ids.append(member_id)
            await conn.execute(
                "INSERT INTO course_participants (participant_id, display_name, kind,"
                " consent_at, consent_version) VALUES ($1, 'Someone', 'relative', now(), 'v1')",
                participant_id,
            )
            await conn.execute(
                "INSERT INTO peer_group_members (member_id, group_id, participant_id, joined_on,"
                " added_by) VALUES ($1, $2, $3, '2026-06-15', 'coordinator')",
                member_id,
                group_id,
                participant_id,
            )
        for number, marks in enumerate(present):
            session_id = f"{group_id}-s{number}"
            await conn.execute(
                "INSERT INTO peer_group_sessions (session_id, group_id, starts_at, status)"
                " VALUES ($1, $2, $3, 'held')",
                session_id,
                group_id,
                datetime(2026, 7, 7, 10, tzinfo=CPH) + timedelta(days=7 * number),
            )
            for member_id, came in zip(member_ids, marks, strict=True):
                await conn.execute(
                    "INSERT INTO peer_group_attendance (session_id, member_id, present,"
                    " recorded_by) VALUES ($1, $2, $3, 'peer')",
                    session_id,
                    member_id,
                    came,
                )


@pytest.fixture
async def roster(db_pool: DatabasePool) -> Roster:
    """An organisation with a recovery college term (citizens, relatives, a few staff and
    students, a waiting list), an ARK term with only a handful, and two group programmes;
    terms outside the quarter, a cancelled one and another organisation's never count."""
    roster = await web_roster(db_pool, peers=2)
    citizens = [COMPLETED] * 12 + [ATTENDED] * 4 + [SEATED] * 2 + [WAITING] * 6
    college = {
        ParticipantKind.CITIZEN: citizens,
        ParticipantKind.RELATIVE: [COMPLETED] * 4 + [ATTENDED] * 3 + [WAITING],
        ParticipantKind.STAFF: [ATTENDED] * 3,
        ParticipantKind.STUDENT: [COMPLETED] * 8,
    }
    await add_term(db_pool, roster, COLLEGE, date(2026, 8, 3), college)
    await add_term(db_pool, roster, ARK, date(2026, 9, 1), {ParticipantKind.CITIZEN: [SEATED] * 3})
    late = {ParticipantKind.RELATIVE: [COMPLETED] * 9}
    await add_term(db_pool, roster, COLLEGE, date(2026, 10, 1), late)
    await add_term(db_pool, roster, COLLEGE, date(2026, 8, 10), late, status="cancelled")
    stranger = await web_roster(db_pool, peers=1)
    await add_term(db_pool, stranger, COLLEGE, date(2026, 8, 3), late)
    # 6 members, 4 sessions: 18 of 24 marks present.
    twice = [[True] * 6, [True, False] * 3]
    await add_group(db_pool, roster, GROUPS, 6, twice + twice)
    await add_group(db_pool, roster, GROUPS, 6, [[True, True, False, False, True, True]])
    # 2 citizens and 4 relatives, 4 of 6 present; another programme's group of two.
    await add_group(db_pool, roster, SIND, 2, [[True, False, True, True, False, True]], relatives=4)
    await add_group(db_pool, roster, BRIDGE, 2, [[True, False]])
    return roster


def lines(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def course_values(rows: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    return {(r["group"], r["measure"]): r["value"] for r in rows if r["breakdown"] == "course"}


def near(shown: str, raw: int) -> bool:
    """A shown count is a multiple of five within five of the raw one."""
    value = float(shown)
    return value % 5 == 0 and abs(value - raw) < 5


async def test_the_csv_counts_each_participant_kind_of_a_course_and_hides_small_cells(
    as_user: Caller, roster: Roster
) -> None:
    coordinator = await as_user(roster.coordinator)
    response = await coordinator.get(f"/reports.csv?{Q3}")
    assert response.status_code == 200
    values = course_values(lines(response.text))

    kinds = ("all", "citizen", "relative", "staff", "student")
    measures = ("enrolled", "waiting", "attended", "completed")
    assert {g for g, _ in values} == {f"{p}:{k}" for p in (COLLEGE, ARK) for k in kinds}
    assert {m for _, m in values} == set(measures)

    college = {(g.split(":")[1], m): v for (g, m), v in values.items() if g.startswith(COLLEGE)}
    # 18 citizens seated (16 came, 12 completed), 6 waiting; the term of October, the
    # cancelled term and the other organisation's term are not counted.
    assert near(college["citizen", "enrolled"], 18)
    assert near(college["citizen", "attended"], 16)
    assert near(college["citizen", "completed"], 12)
    assert near(college["citizen", "waiting"], 6)
    assert near(college["all", "enrolled"], 18 + 7 + 3 + 8)
    assert near(college["all", "completed"], 12 + 4 + 8)
    # Three staff are too few, and so is the one relative waiting.
    assert college["staff", "enrolled"] == "<5"
    assert college["relative", "waiting"] == "<5"
    # Only staff would be hidden among the kinds enrolled: the smallest other kind goes too.
    enrolled = [college[k, "enrolled"] for k in ("citizen", "relative", "student")]
    assert enrolled.count("suppressed") == 1
    # ARK's three citizens show nowhere, not even in its total.
    assert {v for (g, _), v in values.items() if g.startswith(ARK)} <= HIDDEN


async def test_the_csv_has_members_sessions_and_attendance_per_group_programme(
    as_user: Caller, roster: Roster
) -> None:
    coordinator = await as_user(roster.coordinator)
    rows = lines((await coordinator.get(f"/reports.csv?{Q3}")).text)
    groups = {(r["group"], r["measure"]): r["value"] for r in rows if r["breakdown"] == "group"}
    assert {g for g, _ in groups} == {"all", GROUPS, SIND, BRIDGE}
    # 5 sessions of 12 citizens, 18 + 4 of 30 marks present.
    assert groups[GROUPS, "sessions_held"] == "5"
    assert groups[GROUPS, "attendance_pct"] == f"{100 * 22 / 30:.1f}"
    # Relatives without an account count as members like citizens.
    assert groups[SIND, "sessions_held"] == "1"
    assert groups[SIND, "attendance_pct"] == f"{100 * 4 / 6:.1f}"
    # The group of two is hidden, its session and attendance too, and since the programmes'
    # members add up to the total, the smaller of the others is hidden with it.
    assert groups[BRIDGE, "members"] == "<5"
    assert groups[BRIDGE, "sessions_held"] == "suppressed"
    assert groups[BRIDGE, "attendance_pct"] == "suppressed"
    assert [groups[p, "members"] for p in (GROUPS, SIND)].count("suppressed") == 1
    assert near(groups["all", "members"], 12 + 6 + 2)
    assert groups["all", "sessions_held"] == "7"
    assert groups["all", "attendance_pct"] == f"{100 * 27 / 38:.1f}"


@pytest.mark.parametrize("lang", ["da", "en"])
async def test_the_page_shows_courses_and_groups_in_the_readers_language(
    as_user: Caller, roster: Roster, lang: str
) -> None:
    coordinator = await as_user(roster.coordinator)
    response = await coordinator.get(f"/reports?{Q3}&lang={lang}")
    assert response.status_code == 200
    page = response.text
    for key in (
        "report.section.courses",
        "report.section.groups",
        "report.pk.relative",
        "report.pk.student",
        "report.c.waiting",
        "report.c.attended",
        "report.g.attendance_pct",
    ):
        assert labels.text(key, lang) in page, key
    assert f'data-programme="{COLLEGE}"' in page
    assert 'data-kind="staff"' in page


async def test_another_organisation_sees_none_of_these_courses_or_groups(
    as_user: Caller, roster: Roster, db_pool: DatabasePool
) -> None:
    other = await web_roster(db_pool, peers=1)
    coordinator = await as_user(other.coordinator)
    rows = lines((await coordinator.get(f"/reports.csv?{Q3}")).text)
    assert not [r for r in rows if r["breakdown"] in {"course", "group"}]
    page = (await coordinator.get(f"/reports?{Q3}&lang=en")).text
    assert 'id="courses-title"' not in page
    assert 'id="groups-title"' not in page


async def test_a_caseworker_counts_only_consenting_citizens_of_their_municipality(
    as_user: Caller, roster: Roster
) -> None:
    """Course participants here have no episode, and the groups' relatives none either: a
    caseworker's report counts only the citizens who consented to sharing with them."""
    for service, sees_citizens in (("social_services", True), ("jobcenter", False)):
        caseworker = await as_user(roster.caseworkers[service])
        rows = lines((await caseworker.get(f"/reports.csv?{Q3}")).text)
        assert not [r for r in rows if r["breakdown"] == "course"], service
        groups = {(r["group"], r["measure"]): r["value"] for r in rows if r["breakdown"] == "group"}
        if not sees_citizens:
            assert groups == {}, service
            continue
        assert groups[SIND, "members"] == "<5"
        assert groups[SIND, "attendance_pct"] == "suppressed"
        assert groups[GROUPS, "attendance_pct"] == f"{100 * 22 / 30:.1f}"


def test_a_kind_alone_below_five_hides_the_smallest_other_kind_of_the_programme() -> None:
    def people(kind: ParticipantKind, count: int) -> list[EnrolmentFacts]:
        return [
            EnrolmentFacts(
                programme=COLLEGE,
                kind=kind,
                participant_id=f"p-{kind.value}-{n}",
                status="completed",
                attended=True,
            )
            for n in range(count)
        ]

    enrolments = (
        people(ParticipantKind.CITIZEN, 30)
        + people(ParticipantKind.RELATIVE, 10)
        + people(ParticipantKind.STAFF, 20)
        + people(ParticipantKind.STUDENT, 2)
    )
    period = Period(first=date(2026, 7, 1), last=date(2026, 9, 30))
    report = build_report(
        ReportFilters(period=period), [], [], datetime.now(UTC), enrolments=enrolments
    )
    shown = {row.kind: row.cell("completed").text() for row in report.courses}
    assert near(shown.pop("all"), 62)
    assert shown == {
        "citizen": "30",
        "relative": "suppressed",
        "staff": "20",
        "student": "<5",
    }


@pytest.mark.browser
async def test_a_coordinator_reads_the_course_and_group_tables_in_chromium(
    open_as: OpenAs, roster: Roster
) -> None:
    page = await open_as(roster.coordinator)
    await page.goto(f"/reports?{Q3}&lang=da")
    courses = page.get_by_role("region", name="Kurser")
    college = courses.locator(f'table[data-programme="{COLLEGE}"]')
    assert await college.get_by_role("rowheader", name="Pårørende").count() == 1
    staff = college.locator('tr[data-kind="staff"] td[data-measure="enrolled"]')
    assert await staff.inner_text() == "<5"
    groups = page.get_by_role("region", name="Grupper")
    attendance = groups.locator(f'tr[data-programme="{GROUPS}"] td[data-measure="attendance_pct"]')
    assert await attendance.inner_text() == f"{100 * 22 / 30:.1f}".replace(".", ",")
    await assert_accessible(page, context="report with courses and groups")
    await page.goto(f"/reports/print?{Q3}&lang=en")
    assert await page.get_by_role("region", name="Courses").count() == 1
    await assert_accessible(page, context="printable report with courses and groups")
