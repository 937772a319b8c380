"""The checks across a roster file and against what is stored: ids that are unique and known,
and peers who may carry the programmes they list. Every problem is collected, none stops it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from command.roster.formats import Loc
from schemas.roster import OrganisationKind
from schemas.roster_file import RosterCatalogue, RosterFile, UserEntry

Problem = tuple[Loc, str]


def cross_check(
    roster: RosterFile, catalogue: RosterCatalogue, unchecked: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every problem of the roster against itself and the catalogue. `unchecked`: ids of
    entries that were refused already; a reference to one is not reported again."""
    members = {o.organisation_id: o.kind for o in roster.organisations}
    municipalities = (
        catalogue.municipalities | {m.municipality_code for m in roster.municipalities} | unchecked
    )
    wards = catalogue.wards | {w.ward_id for w in roster.wards} | unchecked
    users = catalogue.users | {u.user_id for u in roster.users} | unchecked
    groups = (
        set(catalogue.supervision_groups)
        | {g.group_id for g in roster.supervision_groups}
        | unchecked
    )
    known_members = set(members) | unchecked
    problems: list[Problem] = []
    problems += _duplicates("organisations", "organisation_id", roster.organisations)
    problems += _duplicates("municipalities", "municipality_code", roster.municipalities)
    problems += _duplicates("wards", "ward_id", roster.wards)
    problems += _duplicates("users", "user_id", roster.users)
    problems += _duplicates("supervision_groups", "group_id", roster.supervision_groups)
    for i, m in enumerate(roster.municipalities):
        owner = m.organisation_id
        if (
            owner is not None
            and owner not in catalogue.organisations
            and owner not in known_members
        ):
            problems.append((("municipalities", i, "organisation_id"), _NO_ORGANISATION))
    for i, w in enumerate(roster.wards):
        if w.organisation_id not in known_members:
            problems.append((("wards", i, "organisation_id"), _NOT_A_MEMBER))
    for i, u in enumerate(roster.users):
        at: Loc = ("users", i)
        if u.organisation_id not in known_members:
            problems.append(((*at, "organisation_id"), _NOT_A_MEMBER))
        if u.municipality_code is not None and u.municipality_code not in municipalities:
            problems.append(((*at, "municipality_code"), "no such municipality"))
        if u.ward_id is not None and u.ward_id not in wards:
            problems.append(((*at, "ward_id"), "no such ward"))
        if u.peer is not None:
            problems += _peer_problems(u, at, members, catalogue, municipalities, groups)
    for i, g in enumerate(roster.supervision_groups):
        if g.organisation_id not in known_members:
            problems.append((("supervision_groups", i, "organisation_id"), _NOT_A_MEMBER))
        if g.supervisor_id is not None and g.supervisor_id not in users:
            problems.append((("supervision_groups", i, "supervisor_id"), "no such user"))
    return problems


_NOT_A_MEMBER = "not one of the organisations in the file's partnership"
_NO_ORGANISATION = "no such organisation in the file or the database"


def _duplicates(section: str, key: str, entries: Iterable[object]) -> list[Problem]:
    ids = [getattr(entry, key) for entry in entries]
    counts = Counter(ids)
    seen: set[str] = set()
    problems: list[Problem] = []
    for i, value in enumerate(ids):
        if counts[value] > 1 and value in seen:
            problems.append(((section, i, key), "the same id as an earlier entry"))
        seen.add(value)
    return problems


def _peer_problems(
    user: UserEntry,
    at: Loc,
    members: dict[str, OrganisationKind],
    catalogue: RosterCatalogue,
    municipalities: set[str] | frozenset[str],
    groups: set[str],
) -> list[Problem]:
    peer = user.peer
    assert peer is not None
    here: Loc = (*at, "peer")
    kind = members.get(user.organisation_id)
    problems: list[Problem] = []
    for j, code in enumerate(peer.programmes):
        carriers = catalogue.programmes.get(code)
        if carriers is None:
            problems.append(((*here, "programmes", j), "no such active programme"))
        elif kind is not None and (
            peer.employment not in carriers.employment or kind not in carriers.organisation_kinds
        ):
            problems.append(
                (
                    (*here, "programmes", j),
                    f"programme {code} is carried only by"
                    f" {' or '.join(carriers.employment)} peers of"
                    f" {', '.join(carriers.organisation_kinds)} organisations (its carried_by"
                    f" rule); this peer is {peer.employment} in an organisation of kind {kind}",
                )
            )
        if code in peer.programmes[:j]:
            problems.append(((*here, "programmes", j), "listed twice"))
    for j, code in enumerate(peer.municipalities):
        if code not in municipalities:
            problems.append(((*here, "municipalities", j), "no such municipality"))
    for j, group_id in enumerate(peer.supervision_groups):
        if group_id not in groups:
            problems.append(((*here, "supervision_groups", j), "no such supervision group"))
    seen: set[tuple[str, str]] = set()
    for j, t in enumerate(peer.trainings):
        if t.course not in catalogue.courses:
            problems.append(((*here, "trainings", j, "course"), "no such training course"))
        key = (t.course, t.completed_on.isoformat())
        if key in seen:
            problems.append(((*here, "trainings", j), "the same course and date as an earlier one"))
        seen.add(key)
    return problems
