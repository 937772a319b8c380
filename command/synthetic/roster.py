"""A made-up partnership: one organisation with its ward, municipality, staff and peers."""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass, field

from db.pool import DatabasePool

# Municipality codes handed out in this process; rosters never share one, so matching in
# one roster never sees another roster's peers.
_codes = itertools.count(2000 + secrets.randbelow(4000))

# The six programmes of the brief (db/reference/programmes.json).
PROGRAMMES = (
    "municipal-peer-support",
    "bro-til-hverdagslivet",
    "peer-guide-sind",
    "recovery-college",
    "ward-bridge-builders",
    "ark-course",
)

SERVICES = ("social_services", "jobcenter", "education")


@dataclass
class Roster:
    organisation_id: str
    municipality_code: str
    ward_id: str
    peers: list[str]
    coordinator: str
    ward_nurse: str
    caseworkers: dict[str, str] = field(default_factory=dict)


async def make_roster(
    pool: DatabasePool,
    *,
    peers: int = 3,
    capacity: int = 2,
    programmes: tuple[str, ...] = PROGRAMMES,
    languages: tuple[tuple[str, ...], ...] = (),
    label: str = "",
) -> Roster:
    """A partnership with one organisation, municipality, ward, coordinator, ward nurse, a
    caseworker per municipal service and `peers` trained peers with room for `capacity`
    episodes each. Peer n speaks `languages[n]` (Danish when not given). `label` goes into
    every id (e.g. "bench"), so rows are easy to tell apart."""
    key = f"{label}-{uuid.uuid4().hex[:8]}" if label else uuid.uuid4().hex[:8]
    org, ward, code = f"org-{key}", f"ward-{key}", str(next(_codes))
    roster = Roster(
        organisation_id=org,
        municipality_code=code,
        ward_id=ward,
        peers=[f"peer-{key}-{n}" for n in range(1, peers + 1)],
        coordinator=f"coord-{key}",
        ward_nurse=f"nurse-{key}",
        caseworkers={s: f"cw-{key}-{s}" for s in SERVICES},
    )
    # (user id, role, display name, municipality, ward, service)
    staff: list[tuple[str, str, str, str | None, str | None, str | None]] = [
        (roster.coordinator, "coordinator", "Test coordinator", None, None, None),
        (roster.ward_nurse, "ward", "Test ward", None, ward, None),
    ]
    staff += [
        (uid, "caseworker", "Test caseworker", code, None, s)
        for s, uid in roster.caseworkers.items()
    ]
    staff += [
        (peer, "peer", f"Test peer {n}", None, None, None) for n, peer in enumerate(roster.peers)
    ]
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
        await conn.executemany(
            "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
            " municipality_code, ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (uid, role, name, f"{uid}@example.org", org, m, w, s)
                for uid, role, name, m, w, s in staff
            ],
        )
        await conn.executemany(
            "INSERT INTO peers (peer_id, organisation_id, employment, trained, languages,"
            " programmes, municipalities, capacity)"
            " VALUES ($1, $2, 'employed', true, $3, $4, $5, $6)",
            [
                (
                    peer,
                    org,
                    list(languages[n]) if n < len(languages) else ["da"],
                    list(programmes),
                    [code],
                    capacity,
                )
                for n, peer in enumerate(roster.peers)
            ],
        )
    return roster
