"""Peer groups: a facilitating peer's recurring sessions and their members (citizens, by their
episode), the group workflow's input and state, and what its activities and the pages send it
(ids only, never personal data). The schedule and its arithmetic are the supervision groups'."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from schemas.base import Frozen
from schemas.people import OPAQUE_ID
from schemas.roster import SupervisionSchedule
from schemas.supervision import PlannedSession, SessionRhythm

# A member absent from this many held sessions in a row becomes a follow-up task, unless the
# group says otherwise.
ABSENT_IN_A_ROW = 3


def peer_group_workflow_id(group_id: str) -> str:
    """The id of a peer group's workflow: the group's opaque id, nothing else."""
    return f"peer-group-{group_id}"


class PeerGroup(Frozen):
    group_id: str = Field(pattern=OPAQUE_ID)
    programme: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    municipality_code: str | None = Field(default=None, pattern=r"^[0-9]{3,4}$")
    name: str = Field(min_length=1, max_length=120)
    facilitator_id: str = Field(pattern=OPAQUE_ID)
    co_facilitator_ids: tuple[str, ...] = ()
    schedule: SupervisionSchedule
    place: str = Field(default="", max_length=200)
    seats: int = Field(ge=1, le=100)
    absent_in_a_row: int = Field(default=ABSENT_IN_A_ROW, ge=2, le=10)
    active: bool = True


class GroupMember(Frozen):
    """One membership from `joined_on` until `left_on`: a citizen by their episode, or someone
    without an account (a course participant: a relative, staff, a student, or a citizen
    without an episode)."""

    member_id: str
    group_id: str
    episode_id: str | None = None
    participant_id: str | None = None
    joined_on: date
    left_on: date | None = None


class PeerGroupState(SessionRhythm):
    """Everything the peer group workflow knows: the rhythm and its next session."""

    next_session: PlannedSession | None = None


class PeerGroupStart(Frozen):
    """The peer group workflow's input; `state` is set when it continues as new."""

    group_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    schedule: SupervisionSchedule
    state: PeerGroupState | None = None
    sessions_per_run: int = Field(
        default=26, ge=1, le=100, description="Sessions before it continues as new."
    )


class PeerGroupView(Frozen):
    """What the peer group workflow's query answers: its plan, for pages and operators."""

    group_id: str
    active: bool
    schedule: SupervisionSchedule
    next_session: PlannedSession | None
    following: tuple[PlannedSession, ...]


class PeerAttendanceResult(Frozen):
    recorded: bool
    absent_in_a_row: tuple[str, ...] = Field(
        default=(), description="Members (membership ids) who became a follow-up task now."
    )
    task_opened: bool = False
