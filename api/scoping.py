"""Row scoping: which episodes and tasks each role may see and act on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from api.principal import Principal, TokenRole
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role


class EpisodeScope(Protocol):
    """What decides who sees an episode (a read-model row, or a referral not committed yet)."""

    @property
    def episode_id(self) -> str | None: ...

    @property
    def ward_id(self) -> str: ...
    @property
    def peer_id(self) -> str | None: ...
    @property
    def organisation_id(self) -> str: ...
    @property
    def municipality_code(self) -> str: ...
    @property
    def consents(self) -> Sequence[str]: ...


class NotesScope(EpisodeScope, Protocol):
    """What decides who reads an episode's notes: its scope, and whether the citizen is on
    the ward now."""

    @property
    def phase(self) -> str: ...
    @property
    def discharged_at(self) -> datetime | None: ...


# Phases in which the citizen is still on the ward, unless a discharge was recorded already.
BEFORE_DISCHARGE = frozenset({"referred", "matching", "unmatched", "pre_discharge"})


class TaskScope(Protocol):
    @property
    def assignee_role(self) -> str: ...
    @property
    def assignee_id(self) -> str: ...
    @property
    def assignee_service(self) -> str | None: ...


def may_see_episode(p: Principal, episode: EpisodeScope) -> bool:
    """Ward: their ward. Peer: assigned to them. Coordinator: their organisation, and an
    episode of a partner organisation an escalation called them to or one of their own peers
    is assigned to (where the partnership's sharing rules say so).
    Caseworker: their municipality, and only with consent for their service.
    Integration token: episodes of the wards and organisations it is bound to.
    Citizen: their own episodes (the sign-in's citizen_episodes)."""
    match p.role:
        case Role.WARD:
            return episode.ward_id == p.ward_id
        case Role.PEER:
            return episode.peer_id == p.id
        case Role.COORDINATOR:
            return episode.organisation_id == p.organisation_id or _partners_to(p, episode)
        case Role.CASEWORKER:
            scope = SERVICE_SCOPE.get(p.service or "")
            return (
                episode.municipality_code == p.municipality_code
                and scope is not None
                and scope.value in episode.consents
            )
        case TokenRole.INTEGRATION:
            return p.binding.covers_episode(episode.ward_id, episode.organisation_id)
        case Role.OPERATOR | TokenRole.OPERATOR:
            return True
        case Role.CITIZEN:
            return episode.episode_id is not None and episode.episode_id in p.citizen_episodes
    return False


def may_refer_from(p: Principal, ward_id: str) -> bool:
    """A ward refers from its own ward; an integration token from the wards it is bound to."""
    match p.role:
        case Role.WARD:
            return ward_id == p.ward_id
        case TokenRole.INTEGRATION:
            return p.binding.covers_ward(ward_id)
    return True


def may_see_citizen(p: Principal, episode: EpisodeScope) -> bool:
    """Personal data goes to the people who work with the citizen, never to operators."""
    if p.role in (Role.OPERATOR, TokenRole.OPERATOR, TokenRole.INTEGRATION):
        return False
    return may_see_episode(p, episode)


def is_admitted(episode: NotesScope) -> bool:
    """Readmitted, or not yet discharged (a discharge can come before a peer is matched)."""
    if episode.phase == "readmitted":
        return True
    return episode.phase in BEFORE_DISCHARGE and episode.discharged_at is None


def may_read_notes(p: Principal, episode: NotesScope) -> bool:
    """Contact, concern, task and debrief notes go to the people who work with the citizen
    day to day: the assigned peer, the coordinators of the episode's organisation (and of a
    partner the escalation called or whose peer is assigned: they supervise that peer), and the
    ward only while the citizen is admitted there. Caseworkers see their service's slice of
    the episode, which has no notes (api/caseworker_view); operators and systems never read
    them."""
    match p.role:
        case Role.PEER | Role.COORDINATOR:
            return may_see_episode(p, episode)
        case Role.WARD:
            return may_see_episode(p, episode) and is_admitted(episode)
    return False


def may_act_on_task(p: Principal, task: TaskScope, episode: EpisodeScope) -> bool:
    """The assignee, or the coordinator of the episode's organisation for peer tasks. A
    partner's coordinator (called by an escalation, or the home coordinator of the assigned
    peer) acts on the coordinator tasks only: the peer's tasks are led by the owner."""
    role, assignee = task.assignee_role, task.assignee_id
    match p.role:
        case Role.PEER:
            return bool(role == "peer" and assignee == p.id)
        case Role.WARD:
            return bool(role == "ward" and assignee == p.ward_id)
        case Role.CASEWORKER:
            return (
                role == "caseworker"
                and assignee == p.municipality_code
                and task.assignee_service in (None, p.service)
            )
        case Role.COORDINATOR:
            own_org = episode.organisation_id == p.organisation_id
            if own_org:
                return role in ("coordinator", "peer")
            return role == "coordinator" and _partners_to(p, episode)
    return False


def _partners_to(p: Principal, episode: EpisodeScope) -> bool:
    """A partner organisation's episode this coordinator works on through the partnership: an
    escalation reached them, or their own peer is assigned to it and the sharing rules let
    their organisation's kind supervise it (api/auth fills both)."""
    if episode.episode_id is None:
        return False
    return episode.episode_id in p.escalated_episodes or episode.episode_id in p.supervised_episodes
