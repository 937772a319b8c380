"""A partnership's roster file in and out of the database: what a file may refer to, the
import as upserts that change nothing the second time, and the export of the same shape."""

from __future__ import annotations

import json
import uuid
from typing import Any

from db.connection import PooledConnection
from schemas.programme import Carriers
from schemas.roster import OrganisationKind, SupervisionSchedule
from schemas.roster_file import (
    OrganisationEntry,
    PartnershipEntry,
    RosterCatalogue,
    RosterChanges,
    RosterFile,
    UserEntry,
)


async def load_catalogue(conn: PooledConnection) -> RosterCatalogue:
    """The programmes (with who may carry them), courses and roster ids already stored."""
    programmes = {
        r["code"]: Carriers.model_validate(json.loads(r["carried_by"]))
        for r in await conn.fetch(
            "SELECT code, coalesce(definition -> 'carried_by', '{}')::text AS carried_by"
            " FROM programmes WHERE active"
        )
    }
    return RosterCatalogue(
        programmes=programmes,
        courses=frozenset(await _column(conn, "SELECT course FROM training_courses")),
        organisations={
            r["organisation_id"]: OrganisationKind(r["kind"])
            for r in await conn.fetch("SELECT organisation_id, kind FROM organisations")
        },
        municipalities=frozenset(
            await _column(conn, "SELECT municipality_code FROM municipalities")
        ),
        wards=frozenset(await _column(conn, "SELECT ward_id FROM wards")),
        users=frozenset(await _column(conn, "SELECT user_id FROM users")),
        supervision_groups={
            r["group_id"]: r["organisation_id"]
            for r in await conn.fetch("SELECT group_id, organisation_id FROM supervision_groups")
        },
    )


async def _column(conn: PooledConnection, query: str) -> list[str]:
    return [r[0] for r in await conn.fetch(query)]


async def partnership_ids(conn: PooledConnection) -> list[str]:
    return await _column(conn, "SELECT partnership_id FROM partnerships ORDER BY partnership_id")


def _changed(status: str) -> int:
    """Rows an INSERT/UPDATE touched, from its command tag ('INSERT 0 1', 'UPDATE 0')."""
    return int(status.rsplit(" ", 1)[-1])


def _schedule(schedule: SupervisionSchedule) -> str:
    # The stored form (migration 0016): the time as HH:MM.
    return json.dumps(
        {
            "weekday": schedule.weekday,
            "time": schedule.time.strftime("%H:%M"),
            "every_weeks": schedule.every_weeks,
            "duration_minutes": schedule.duration_minutes,
        }
    )


_PARTNERSHIP = """
INSERT INTO partnerships (partnership_id, name, sharing) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (partnership_id) DO UPDATE SET name = EXCLUDED.name, sharing = EXCLUDED.sharing
WHERE (partnerships.name, partnerships.sharing) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.sharing)
"""
_ORGANISATION = """
INSERT INTO organisations (organisation_id, name, kind) VALUES ($1, $2, $3)
ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind
WHERE (organisations.name, organisations.kind) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind)
"""
_MEMBER = """
INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING
"""
_MUNICIPALITY = """
INSERT INTO municipalities (municipality_code, name, organisation_id, sor_code, ean)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (municipality_code) DO UPDATE SET name = EXCLUDED.name,
    organisation_id = EXCLUDED.organisation_id, sor_code = EXCLUDED.sor_code, ean = EXCLUDED.ean
WHERE (municipalities.name, municipalities.organisation_id, municipalities.sor_code,
       municipalities.ean)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organisation_id, EXCLUDED.sor_code, EXCLUDED.ean)
"""
_WARD = """
INSERT INTO wards (ward_id, name, organisation_id, sor_code, ean) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (ward_id) DO UPDATE SET name = EXCLUDED.name,
    organisation_id = EXCLUDED.organisation_id, sor_code = EXCLUDED.sor_code, ean = EXCLUDED.ean
WHERE (wards.name, wards.organisation_id, wards.sor_code, wards.ean)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.organisation_id, EXCLUDED.sor_code, EXCLUDED.ean)
"""
_USER = """
INSERT INTO users (user_id, role, display_name, email, phone, organisation_id,
                   municipality_code, ward_id, service, active)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, display_name = EXCLUDED.display_name,
    email = EXCLUDED.email, phone = EXCLUDED.phone, organisation_id = EXCLUDED.organisation_id,
    municipality_code = EXCLUDED.municipality_code, ward_id = EXCLUDED.ward_id,
    service = EXCLUDED.service, active = EXCLUDED.active
WHERE (users.role, users.display_name, users.email, users.phone, users.organisation_id,
       users.municipality_code, users.ward_id, users.service, users.active)
      IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.display_name, EXCLUDED.email, EXCLUDED.phone,
                        EXCLUDED.organisation_id, EXCLUDED.municipality_code, EXCLUDED.ward_id,
                        EXCLUDED.service, EXCLUDED.active)
"""
_FIRST_PASSWORD = "UPDATE users SET password_hash = $2 WHERE user_id = $1 AND password_hash IS NULL"
# The peer's profile; active_load is what their running episodes hold and is left alone.
_PEER = """
INSERT INTO peers (peer_id, organisation_id, employment, languages, programmes, municipalities,
                   capacity, available)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (peer_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
    employment = EXCLUDED.employment, languages = EXCLUDED.languages,
    programmes = EXCLUDED.programmes, municipalities = EXCLUDED.municipalities,
    capacity = EXCLUDED.capacity, available = EXCLUDED.available
WHERE (peers.organisation_id, peers.employment, peers.languages, peers.programmes,
       peers.municipalities, peers.capacity, peers.available)
      IS DISTINCT FROM (EXCLUDED.organisation_id, EXCLUDED.employment, EXCLUDED.languages,
                        EXCLUDED.programmes, EXCLUDED.municipalities, EXCLUDED.capacity,
                        EXCLUDED.available)
"""
_GROUP = """
INSERT INTO supervision_groups (group_id, organisation_id, name, supervisor_id, schedule, active)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
ON CONFLICT (group_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
    name = EXCLUDED.name, supervisor_id = EXCLUDED.supervisor_id,
    schedule = EXCLUDED.schedule, active = EXCLUDED.active
WHERE (supervision_groups.organisation_id, supervision_groups.name,
       supervision_groups.supervisor_id, supervision_groups.schedule, supervision_groups.active)
      IS DISTINCT FROM (EXCLUDED.organisation_id, EXCLUDED.name, EXCLUDED.supervisor_id,
                        EXCLUDED.schedule, EXCLUDED.active)
"""
_GROUP_MEMBER = """
INSERT INTO supervision_members (group_id, peer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
"""
_TRAINING = """
INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (peer_id, course, completed_on) DO UPDATE SET trained_by = EXCLUDED.trained_by
WHERE peer_trainings.trained_by IS DISTINCT FROM EXCLUDED.trained_by
"""
_ABSENCE_KIND = """
UPDATE peer_absences SET kind = $4
WHERE peer_id = $1 AND starts_on = $2 AND ends_on = $3 AND kind <> $4
"""
_ABSENCE = """
INSERT INTO peer_absences (absence_id, peer_id, starts_on, ends_on, kind, recorded_by)
SELECT $1, $2, $3, $4, $5, $6
WHERE NOT EXISTS (SELECT 1 FROM peer_absences
                  WHERE peer_id = $2 AND starts_on = $3 AND ends_on = $4)
"""


async def apply_roster(
    conn: PooledConnection,
    roster: RosterFile,
    *,
    recorded_by: str,
    password_hash: str | None = None,
) -> RosterChanges:
    """Insert or update every row of a checked roster in one transaction. Nothing is removed:
    memberships, training records and absences the file does not list stay. `password_hash`
    is set only for users who have none (the demo's shared password)."""
    rows = 0
    async with conn.transaction():
        p = roster.partnership
        rows += _changed(
            await conn.execute(_PARTNERSHIP, p.partnership_id, p.name, p.sharing.model_dump_json())
        )
        for o in roster.organisations:
            rows += _changed(await conn.execute(_ORGANISATION, o.organisation_id, o.name, o.kind))
            rows += _changed(await conn.execute(_MEMBER, p.partnership_id, o.organisation_id))
        for m in roster.municipalities:
            rows += _changed(
                await conn.execute(
                    _MUNICIPALITY, m.municipality_code, m.name, m.organisation_id, m.sor_code, m.ean
                )
            )
        for w in roster.wards:
            rows += _changed(
                await conn.execute(_WARD, w.ward_id, w.name, w.organisation_id, w.sor_code, w.ean)
            )
        for u in roster.users:
            rows += await _put_user(conn, u, password_hash)
        for g in roster.supervision_groups:
            rows += _changed(
                await conn.execute(
                    _GROUP,
                    g.group_id,
                    g.organisation_id,
                    g.name,
                    g.supervisor_id,
                    _schedule(g.schedule),
                    g.active,
                )
            )
        for u in roster.peers:
            rows += await _put_peer_records(conn, u, recorded_by)
    return RosterChanges(rows=rows)


async def _put_user(conn: PooledConnection, u: UserEntry, password_hash: str | None) -> int:
    rows = _changed(
        await conn.execute(
            _USER,
            u.user_id,
            u.role,
            u.display_name,
            u.email,
            u.phone,
            u.organisation_id,
            u.municipality_code,
            u.ward_id,
            u.service,
            u.active,
        )
    )
    if password_hash is not None:
        rows += _changed(await conn.execute(_FIRST_PASSWORD, u.user_id, password_hash))
    if u.peer is None:
        return rows
    return rows + _changed(
        await conn.execute(
            _PEER,
            u.user_id,
            u.organisation_id,
            u.peer.employment,
            list(u.peer.languages),
            list(u.peer.programmes),
            list(u.peer.municipalities),
            u.peer.capacity,
            u.peer.available,
        )
    )


async def _put_peer_records(conn: PooledConnection, u: UserEntry, recorded_by: str) -> int:
    """The peer's supervision groups, training records and absences (after the groups exist)."""
    assert u.peer is not None
    rows = 0
    for group_id in u.peer.supervision_groups:
        rows += _changed(await conn.execute(_GROUP_MEMBER, group_id, u.user_id))
    for t in u.peer.trainings:
        rows += _changed(
            await conn.execute(
                _TRAINING,
                f"training-{uuid.uuid4().hex}",
                u.user_id,
                t.course,
                t.completed_on,
                t.trained_by,
                recorded_by,
            )
        )
    for a in u.peer.absences:
        rows += _changed(
            await conn.execute(_ABSENCE_KIND, u.user_id, a.starts_on, a.ends_on, a.kind)
        )
        rows += _changed(
            await conn.execute(
                _ABSENCE,
                f"absence-{uuid.uuid4().hex}",
                u.user_id,
                a.starts_on,
                a.ends_on,
                a.kind,
                recorded_by,
            )
        )
    return rows


_EXPORT_MEMBERS = """
SELECT o.organisation_id, o.name, o.kind
FROM partnership_members m JOIN organisations o ON o.organisation_id = m.organisation_id
WHERE m.partnership_id = $1 ORDER BY o.organisation_id
"""
_EXPORT_MUNICIPALITIES = """
SELECT municipality_code, name, organisation_id, sor_code, ean FROM municipalities
WHERE organisation_id = ANY ($1::text[]) ORDER BY municipality_code
"""
_EXPORT_WARDS = """
SELECT ward_id, name, organisation_id, sor_code, ean FROM wards
WHERE organisation_id = ANY ($1::text[]) ORDER BY ward_id
"""
_EXPORT_USERS = """
SELECT u.user_id, u.role, u.display_name, u.email, u.phone, u.organisation_id,
       u.municipality_code, u.ward_id, u.service, u.active,
       p.employment, p.capacity, p.languages, p.programmes, p.municipalities, p.available
FROM users u LEFT JOIN peers p ON p.peer_id = u.user_id
WHERE u.organisation_id = ANY ($1::text[]) ORDER BY u.user_id
"""
_EXPORT_TRAININGS = """
SELECT peer_id, course, completed_on, trained_by FROM peer_trainings
WHERE peer_id = ANY ($1::text[]) ORDER BY peer_id, completed_on, course
"""
_EXPORT_ABSENCES = """
SELECT peer_id, starts_on, ends_on, kind FROM peer_absences
WHERE peer_id = ANY ($1::text[]) ORDER BY peer_id, starts_on, ends_on
"""
_EXPORT_GROUP_MEMBERS = """
SELECT peer_id, group_id FROM supervision_members
WHERE peer_id = ANY ($1::text[]) ORDER BY peer_id, group_id
"""
_EXPORT_GROUPS = """
SELECT group_id, organisation_id, name, supervisor_id, schedule::text AS schedule, active
FROM supervision_groups WHERE organisation_id = ANY ($1::text[]) ORDER BY group_id
"""


async def export_roster(conn: PooledConnection, partnership_id: str) -> dict[str, Any] | None:
    """The partnership's roster in the file's shape (validated by the caller), or None if
    there is no such partnership. Inactive users are included, marked inactive."""
    row = await conn.fetchrow(
        "SELECT partnership_id, name, sharing::text AS sharing FROM partnerships"
        " WHERE partnership_id = $1",
        partnership_id,
    )
    if row is None:
        return None
    organisations = [
        OrganisationEntry.model_validate(dict(r))
        for r in await conn.fetch(_EXPORT_MEMBERS, partnership_id)
    ]
    members = [o.organisation_id for o in organisations]
    users = [dict(r) for r in await conn.fetch(_EXPORT_USERS, members)]
    peer_ids = [u["user_id"] for u in users if u["employment"] is not None]
    per_peer: dict[str, dict[str, list[Any]]] = {
        p: {"trainings": [], "absences": [], "supervision_groups": []} for p in peer_ids
    }
    for r in await conn.fetch(_EXPORT_TRAININGS, peer_ids):
        per_peer[r["peer_id"]]["trainings"].append(
            {
                "course": r["course"],
                "completed_on": r["completed_on"],
                "trained_by": r["trained_by"],
            }
        )
    for r in await conn.fetch(_EXPORT_ABSENCES, peer_ids):
        per_peer[r["peer_id"]]["absences"].append(
            {"starts_on": r["starts_on"], "ends_on": r["ends_on"], "kind": r["kind"]}
        )
    for r in await conn.fetch(_EXPORT_GROUP_MEMBERS, peer_ids):
        per_peer[r["peer_id"]]["supervision_groups"].append(r["group_id"])
    return {
        "partnership": PartnershipEntry(
            partnership_id=row["partnership_id"],
            name=row["name"],
            sharing=json.loads(row["sharing"]),
        ).model_dump(mode="json"),
        "organisations": [o.model_dump(mode="json") for o in organisations],
        "municipalities": [dict(r) for r in await conn.fetch(_EXPORT_MUNICIPALITIES, members)],
        "wards": [dict(r) for r in await conn.fetch(_EXPORT_WARDS, members)],
        "users": [_user(u, per_peer.get(u["user_id"])) for u in users],
        "supervision_groups": [
            dict(r) | {"schedule": json.loads(r["schedule"])}
            for r in await conn.fetch(_EXPORT_GROUPS, members)
        ],
    }


_PEER_COLUMNS = ("employment", "capacity", "languages", "programmes", "municipalities", "available")


def _user(row: dict[str, Any], records: dict[str, list[Any]] | None) -> dict[str, Any]:
    user = {k: v for k, v in row.items() if k not in _PEER_COLUMNS}
    if row["employment"] is not None and records is not None:
        user["peer"] = {k: row[k] for k in _PEER_COLUMNS} | records
    return user
