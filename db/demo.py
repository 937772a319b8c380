"""The demo roster's rows, written so that loading it again refreshes instead of duplicating."""

from __future__ import annotations

from datetime import date

from db.connection import PooledConnection
from db.episode_contacts import record_contact
from schemas.base import Frozen
from schemas.people import Actor


class PeerOffer(Frozen):
    peer_id: str
    display_name: str


async def put_partnership(conn: PooledConnection, partnership_id: str, name: str) -> None:
    await conn.execute(
        "INSERT INTO partnerships (partnership_id, name) VALUES ($1, $2)"
        " ON CONFLICT (partnership_id) DO UPDATE SET name = EXCLUDED.name",
        partnership_id,
        name,
    )


async def put_organisation(
    conn: PooledConnection,
    organisation_id: str,
    name: str,
    kind: str,
    partnership_id: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO organisations (organisation_id, name, kind, partnership_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id) DO UPDATE SET"
        " name = EXCLUDED.name, kind = EXCLUDED.kind,"
        " partnership_id = EXCLUDED.partnership_id",
        organisation_id,
        name,
        kind,
        partnership_id,
    )


async def put_municipality(
    conn: PooledConnection,
    municipality_code: str,
    name: str,
    organisation_id: str | None,
    sor_code: str | None = None,
    ean: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO municipalities (municipality_code, name, organisation_id, sor_code, ean)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (municipality_code) DO UPDATE SET"
        " name = EXCLUDED.name, organisation_id = EXCLUDED.organisation_id,"
        " sor_code = EXCLUDED.sor_code, ean = EXCLUDED.ean",
        municipality_code,
        name,
        organisation_id,
        sor_code,
        ean,
    )


async def put_ward(
    conn: PooledConnection,
    ward_id: str,
    name: str,
    organisation_id: str,
    sor_code: str | None,
    ean: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO wards (ward_id, name, organisation_id, sor_code, ean)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ward_id) DO UPDATE SET"
        " name = EXCLUDED.name, organisation_id = EXCLUDED.organisation_id,"
        " sor_code = EXCLUDED.sor_code, ean = EXCLUDED.ean",
        ward_id,
        name,
        organisation_id,
        sor_code,
        ean,
    )


async def put_user(
    conn: PooledConnection,
    *,
    user_id: str,
    role: str,
    display_name: str,
    email: str,
    organisation_id: str | None,
    municipality_code: str | None,
    ward_id: str | None,
    service: str | None,
    password_hash: str,
) -> None:
    """The user, active; `password_hash` only where none is set, so a changed one is kept."""
    await conn.execute(
        "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
        " municipality_code, ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role,"
        " display_name = EXCLUDED.display_name, email = EXCLUDED.email,"
        " organisation_id = EXCLUDED.organisation_id,"
        " municipality_code = EXCLUDED.municipality_code, ward_id = EXCLUDED.ward_id,"
        " service = EXCLUDED.service, active = true",
        user_id,
        role,
        display_name,
        email,
        organisation_id,
        municipality_code,
        ward_id,
        service,
    )
    await conn.execute(
        "UPDATE users SET password_hash = $2 WHERE user_id = $1 AND password_hash IS NULL",
        user_id,
        password_hash,
    )


async def put_peer(
    conn: PooledConnection,
    *,
    peer_id: str,
    organisation_id: str | None,
    employment: str,
    trained: bool,
    training_completed: date | None,
    supervision_group: str | None,
    languages: list[str],
    programmes: list[str],
    municipalities: list[str],
    capacity: int,
) -> None:
    """The peer's profile; their current load is left as it is."""
    await conn.execute(
        "INSERT INTO peers (peer_id, organisation_id, employment, trained, training_completed,"
        " supervision_group, languages, programmes, municipalities, capacity)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (peer_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,"
        " employment = EXCLUDED.employment, trained = EXCLUDED.trained,"
        " training_completed = EXCLUDED.training_completed,"
        " supervision_group = EXCLUDED.supervision_group, languages = EXCLUDED.languages,"
        " programmes = EXCLUDED.programmes, municipalities = EXCLUDED.municipalities,"
        " capacity = EXCLUDED.capacity",
        peer_id,
        organisation_id,
        employment,
        trained,
        training_completed,
        supervision_group,
        languages,
        programmes,
        municipalities,
        capacity,
    )


async def add_named_citizen(
    conn: PooledConnection, citizen_id: str, name: str, *, episode_id: str, recorded_by: Actor
) -> None:
    """A fictional citizen (no CPR number) whose name the demo episode recorded."""
    async with conn.transaction():
        await conn.execute("INSERT INTO citizens (citizen_id) VALUES ($1)", citizen_id)
        await record_contact(
            conn,
            episode_id=episode_id,
            citizen_id=citizen_id,
            name=name,
            phone=None,
            email=None,
            recorded_by=recorded_by,
        )


async def first_peer_offer(conn: PooledConnection, episode_id: str) -> PeerOffer | None:
    """The episode's first peer_offer task in the read model, if it is there yet."""
    row = await conn.fetchrow(
        "SELECT t.assignee_id AS peer_id,"
        " COALESCE(u.display_name, t.assignee_id) AS display_name"
        " FROM tasks t LEFT JOIN users u ON u.user_id = t.assignee_id"
        " WHERE t.episode_id = $1 AND t.kind = 'peer_offer'"
        " ORDER BY t.number, t.created_at LIMIT 1",
        episode_id,
    )
    return None if row is None else PeerOffer.model_validate(dict(row))
