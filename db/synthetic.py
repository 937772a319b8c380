"""The rows of a made-up partnership (tests and benchmark): new ids only, never updates."""

from __future__ import annotations

from collections.abc import Sequence

from db.connection import PooledConnection
from schemas.base import Frozen


class StaffRow(Frozen):
    user_id: str
    role: str
    display_name: str
    municipality_code: str | None = None
    ward_id: str | None = None
    service: str | None = None


class PeerRow(Frozen):
    peer_id: str
    languages: list[str]
    programmes: list[str]
    municipalities: list[str]
    capacity: int
    employment: str = "volunteer"


async def add_partnership(
    conn: PooledConnection,
    *,
    key: str,
    organisation_id: str,
    municipality_code: str,
    ward_id: str,
    ward_sor: str,
    ward_ean: str | None = None,
    municipality_sor: str | None = None,
    municipality_ean: str | None = None,
    municipality_organisation_id: str | None = None,
    organisation_kind: str = "ngo",
) -> None:
    """Partnership p-<key> with one NGO, its ward (with its SOR and EAN codes) and a
    municipality (with its SOR and EAN codes and, when given, its own organisation, outside
    the partnership, which its MedCom tokens are bound to; kept as it is if it exists)."""
    await conn.execute(
        "INSERT INTO partnerships (partnership_id, name) VALUES ($1, $2)",
        f"p-{key}",
        f"Partnership {key}",
    )
    await conn.execute(
        "INSERT INTO organisations (organisation_id, name, kind) VALUES ($1, $2, $3)",
        organisation_id,
        f"Org {key}",
        organisation_kind,
    )
    await conn.execute(
        "INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)",
        f"p-{key}",
        organisation_id,
    )
    if municipality_organisation_id is not None:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, name, kind)"
            " VALUES ($1, $2, 'municipality') ON CONFLICT DO NOTHING",
            municipality_organisation_id,
            f"Kommune {municipality_code}",
        )
    await conn.execute(
        "INSERT INTO municipalities (municipality_code, name, organisation_id, sor_code, ean)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        municipality_code,
        f"Kommune {municipality_code}",
        municipality_organisation_id,
        municipality_sor,
        municipality_ean,
    )
    await conn.execute(
        "INSERT INTO wards (ward_id, name, organisation_id, sor_code, ean)"
        " VALUES ($1, $2, $3, $4, $5)",
        ward_id,
        f"Ward {key}",
        organisation_id,
        ward_sor,
        ward_ean,
    )


async def add_staff(
    conn: PooledConnection, organisation_id: str, staff: Sequence[StaffRow]
) -> None:
    """Users of the organisation, each with a made-up address <user_id>@example.org."""
    await conn.executemany(
        "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
        " municipality_code, ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            (
                u.user_id,
                u.role,
                u.display_name,
                f"{u.user_id}@example.org",
                organisation_id,
                u.municipality_code,
                u.ward_id,
                u.service,
            )
            for u in staff
        ],
    )


async def add_peers(conn: PooledConnection, organisation_id: str, peers: Sequence[PeerRow]) -> None:
    """Peers of the organisation (their users are added as staff), trained a month ago in
    every course, so their training counts for every programme."""
    await conn.executemany(
        "INSERT INTO peers (peer_id, organisation_id, employment, languages,"
        " programmes, municipalities, capacity)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (
                p.peer_id,
                organisation_id,
                p.employment,
                p.languages,
                p.programmes,
                p.municipalities,
                p.capacity,
            )
            for p in peers
        ],
    )
    await conn.execute(
        "INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by)"
        " SELECT p.peer_id || ':' || c.course, p.peer_id, c.course, current_date - 30,"
        " 'Synthetic training'"
        " FROM unnest($1::text[]) AS p (peer_id) CROSS JOIN training_courses c",
        [p.peer_id for p in peers],
    )


async def add_partner_organisation(
    conn: PooledConnection, organisation_id: str, *, kind: str, partner_of: str
) -> None:
    """A new organisation of `kind` in every partnership `partner_of` is a member of."""
    await conn.execute(
        "INSERT INTO organisations (organisation_id, name, kind) VALUES ($1, $2, $3)",
        organisation_id,
        f"Partner {organisation_id}",
        kind,
    )
    await conn.execute(
        "INSERT INTO partnership_members (partnership_id, organisation_id)"
        " SELECT partnership_id, $1 FROM partnership_members WHERE organisation_id = $2",
        organisation_id,
        partner_of,
    )
