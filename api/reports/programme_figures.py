"""Course and group figures for the report: per course programme and participant kind, and
per group programme, with the same suppression as the episodes' numbers. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import Field

from api.reports.suppression import (
    Cell,
    Tally,
    count_cell,
    not_above,
    protect,
    statistic_cell,
)
from schemas.base import Frozen
from schemas.courses import ParticipantKind

ALL = "all"


class CourseMeasure(StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    ATTENDED = "attended"
    COMPLETED = "completed"


class GroupMeasure(StrEnum):
    MEMBERS = "members"
    SESSIONS_HELD = "sessions_held"
    ATTENDANCE_PCT = "attendance_pct"


class EnrolmentFacts(Frozen):
    """One enrolment in a term that started in the period. `participant_id` (opaque) is used
    only to count distinct people for suppression; it never leaves the report code."""

    programme: str
    kind: ParticipantKind
    participant_id: str
    status: str = Field(description="enrolled, waiting, cancelled or completed")
    attended: bool = Field(description="present at one or more of the term's sessions")


class GroupMemberFacts(Frozen):
    """Someone who was a member of a group of the programme during the period: a citizen or a
    course participant (`person_id`, opaque, only counts distinct people)."""

    programme: str
    person_id: str


class GroupAttendanceFacts(Frozen):
    """One member's attendance at one held session of the period."""

    programme: str
    session_id: str
    person_id: str
    present: bool


class CourseRow(Frozen):
    """One course programme's numbers for one participant kind, or for all of them."""

    programme: str
    kind: str
    cells: dict[CourseMeasure, Cell]

    def cell(self, measure: CourseMeasure | str) -> Cell:
        return self.cells[CourseMeasure(measure)]


class GroupProgrammeRow(Frozen):
    """One group programme's numbers (`programme` "all": every group programme)."""

    programme: str
    cells: dict[GroupMeasure, Cell]

    def cell(self, measure: GroupMeasure | str) -> Cell:
        return self.cells[GroupMeasure(measure)]


_SEATED = ("enrolled", "completed")
# Which enrolments each measure counts.
_COUNTED: dict[CourseMeasure, Callable[[EnrolmentFacts], bool]] = {
    CourseMeasure.ENROLLED: lambda e: e.status in _SEATED,
    CourseMeasure.WAITING: lambda e: e.status == "waiting",
    CourseMeasure.ATTENDED: lambda e: e.status in _SEATED and e.attended,
    CourseMeasure.COMPLETED: lambda e: e.status == "completed",
}


def _people(enrolments: Sequence[EnrolmentFacts], measure: CourseMeasure) -> Tally:
    """Distinct people: someone enrolled in two terms of a programme counts once."""
    keep = _COUNTED[measure]
    people = frozenset(e.participant_id for e in enrolments if keep(e))
    return Tally(value=float(len(people)), citizens=people)


def _within_enrolled(cells: dict[CourseMeasure, Cell]) -> dict[CourseMeasure, Cell]:
    """Attended and completed are parts of enrolled, so never shown above it."""
    whole = cells[CourseMeasure.ENROLLED]
    for part in (CourseMeasure.ATTENDED, CourseMeasure.COMPLETED):
        cells[part] = not_above(cells[part], whole)
    return {m: cells[m] for m in CourseMeasure}


def _course_rows(programme: str, enrolments: Sequence[EnrolmentFacts]) -> list[CourseRow]:
    """The kinds add up to the programme's row, so each count is protected across the kinds."""
    kinds = list(ParticipantKind)
    by_kind = {k: [e for e in enrolments if e.kind == k] for k in kinds}
    cells: dict[ParticipantKind, dict[CourseMeasure, Cell]] = {k: {} for k in kinds}
    for measure in CourseMeasure:
        family = protect([_people(by_kind[k], measure) for k in kinds])
        for kind, cell in zip(kinds, family, strict=True):
            cells[kind][measure] = cell
    total = {m: count_cell(_people(enrolments, m)) for m in CourseMeasure}
    return [CourseRow(programme=programme, kind=ALL, cells=_within_enrolled(total))] + [
        CourseRow(programme=programme, kind=k.value, cells=_within_enrolled(cells[k]))
        for k in kinds
    ]


def course_rows(enrolments: Sequence[EnrolmentFacts]) -> tuple[CourseRow, ...]:
    """Per course programme with enrolments: all kinds first, then each kind."""
    programmes = sorted({e.programme for e in enrolments})
    return tuple(
        row
        for p in programmes
        for row in _course_rows(p, [e for e in enrolments if e.programme == p])
    )


def _members(members: Sequence[GroupMemberFacts]) -> Tally:
    citizens = frozenset(m.person_id for m in members)
    return Tally(value=float(len(citizens)), citizens=citizens)


def _attendance(marks: Sequence[GroupAttendanceFacts]) -> dict[GroupMeasure, Cell]:
    """Sessions held and the share of members' marks that were present: shown, unrounded, only
    when the marks come from five people or more (like a mean)."""
    citizens = frozenset(a.person_id for a in marks)
    sessions = len({a.session_id for a in marks})
    rate = 100 * sum(a.present for a in marks) / len(marks) if marks else None
    return {
        GroupMeasure.SESSIONS_HELD: statistic_cell(Tally(value=float(sessions), citizens=citizens)),
        GroupMeasure.ATTENDANCE_PCT: statistic_cell(Tally(value=rate, citizens=citizens)),
    }


def group_rows(
    members: Sequence[GroupMemberFacts], marks: Sequence[GroupAttendanceFacts]
) -> tuple[GroupProgrammeRow, ...]:
    """Every group programme together first, then each; members protected across them."""
    programmes = sorted({m.programme for m in members} | {a.programme for a in marks})
    if not programmes:
        return ()
    counted = protect([_members([m for m in members if m.programme == p]) for p in programmes])
    rows = [
        GroupProgrammeRow(
            programme=ALL,
            cells={GroupMeasure.MEMBERS: count_cell(_members(members)), **_attendance(marks)},
        )
    ]
    for programme, cell in zip(programmes, counted, strict=True):
        own = [a for a in marks if a.programme == programme]
        rows.append(
            GroupProgrammeRow(
                programme=programme, cells={GroupMeasure.MEMBERS: cell, **_attendance(own)}
            )
        )
    return tuple(rows)


def decimals(measure: CourseMeasure | GroupMeasure) -> int:
    return 1 if measure == GroupMeasure.ATTENDANCE_PCT else 0
