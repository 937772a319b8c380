"""Test rosters: an organisation of its own per test, so matching never sees other tests' peers."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field

import asyncpg

_codes = itertools.count(random.randint(2000, 6000))


@dataclass
class Roster:
    organisation_id: str
    municipality_code: str
    ward_id: str
    peers: list[str]
    coordinator: str
    ward_nurse: str
    caseworkers: dict[str, str] = field(default_factory=dict)


# The six programmes of the brief (db/reference/programmes.json).
PROGRAMMES = (
    "municipal-peer-support",
    "bro-til-hverdagslivet",
    "peer-guide-sind",
    "recovery-college",
    "ward-bridge-builders",
    "ark-course",
)


async def make_roster(
    pool: asyncpg.Pool,
    *,
    peers: int = 3,
    capacity: int = 2,
    programmes: tuple[str, ...] = PROGRAMMES,
    languages: tuple[tuple[str, ...], ...] = (),
) -> Roster:
    """A partnership with one organisation, municipality, ward, peers and staff."""
    key = uuid.uuid4().hex[:8]
    org, ward, code = f"org-{key}", f"ward-{key}", str(next(_codes))
    roster = Roster(
        organisation_id=org,
        municipality_code=code,
        ward_id=ward,
        peers=[f"peer-{key}-{n}" for n in range(1, peers + 1)],
        coordinator=f"coord-{key}",
        ward_nurse=f"nurse-{key}",
        caseworkers={s: f"cw-{key}-{s}" for s in ("social_services", "jobcenter", "education")},
    )
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO partnerships (partnership_id, name) VALUES ($1, $2)",
            f"p-{key}",
            f"Partnership {key}",
        )
        await conn.execute(
            "INSERT INTO organisations (organisation_id, name, kind, partnership_id)"
            " VALUES ($1, $2, 'ngo', $3)",
            org,
            f"Org {key}",
            f"p-{key}",
        )
        await conn.execute(
            "INSERT INTO municipalities (municipality_code, name) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING",
            code,
            f"Kommune {code}",
        )
        await conn.execute(
            "INSERT INTO wards (ward_id, name, organisation_id) VALUES ($1, $2, $3)",
            ward,
            f"Ward {key}",
            org,
        )
        staff = [
            (roster.coordinator, "coordinator", None, None, None),
            (roster.ward_nurse, "ward", None, ward, None),
        ] + [(uid, "caseworker", code, None, s) for s, uid in roster.caseworkers.items()]
        for user_id, role, municipality, ward_id, service in staff:
            await conn.execute(
                "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
                " municipality_code, ward_id, service) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                user_id,
                role,
                f"Test {role}",
                f"{user_id}@example.org",
                org,
                municipality,
                ward_id,
                service,
            )
        for n, peer in enumerate(roster.peers):
            await conn.execute(
                "INSERT INTO users (user_id, role, display_name, email, organisation_id)"
                " VALUES ($1, 'peer', $2, $3, $4)",
                peer,
                f"Test peer {n}",
                f"{peer}@example.org",
                org,
            )
            await conn.execute(
                "INSERT INTO peers (peer_id, organisation_id, employment, trained, languages,"
                " programmes, municipalities, capacity)"
                " VALUES ($1, $2, 'employed', true, $3, $4, $5, $6)",
                peer,
                org,
                list(languages[n]) if n < len(languages) else ["da"],
                list(programmes),
                [code],
                capacity,
            )
    return roster
