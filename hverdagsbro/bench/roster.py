"""A made-up partnership for the benchmark: one organisation, ward, municipality and peers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from db.programmes import default_programmes
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import Goal, GoalArea, Referral, ReferralCreated
from schemas.people import Actor, Role


@dataclass(frozen=True)
class BenchRoster:
    organisation_id: str
    municipality_code: str
    ward_id: str
    coordinator: str
    ward_nurse: str
    peers: tuple[str, ...]
    caseworkers: dict[str, str]


async def make_bench_roster(
    pool: asyncpg.Pool, *, peers: int = 20, capacity: int = 5000
) -> BenchRoster:
    """Trained peers with room for every episode the benchmark starts (offers, not escalations)."""
    key = secrets.token_hex(4)
    code = str(9000 + secrets.randbelow(999))
    org, ward = f"org-bench-{key}", f"ward-bench-{key}"
    roster = BenchRoster(
        organisation_id=org,
        municipality_code=code,
        ward_id=ward,
        coordinator=f"coord-bench-{key}",
        ward_nurse=f"nurse-bench-{key}",
        peers=tuple(f"peer-bench-{key}-{n}" for n in range(1, peers + 1)),
        caseworkers={
            s: f"cw-bench-{key}-{s}" for s in ("social_services", "jobcenter", "education")
        },
    )
    programmes = [p.code for p in default_programmes()]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO partnerships (partnership_id, name) VALUES ($1, $2)",
            f"p-bench-{key}",
            "Benchmark partnership",
        )
        await conn.execute(
            "INSERT INTO organisations (organisation_id, name, kind, partnership_id)"
            " VALUES ($1, 'Benchmark NGO', 'ngo', $2)",
            org,
            f"p-bench-{key}",
        )
        await conn.execute(
            "INSERT INTO municipalities (municipality_code, name) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING",
            code,
            f"Benchmark kommune {code}",
        )
        await conn.execute(
            "INSERT INTO wards (ward_id, name, organisation_id) VALUES ($1, 'Bench ward', $2)",
            ward,
            org,
        )
        staff: list[tuple[str, str, str | None, str | None, str | None]] = [
            (roster.coordinator, "coordinator", None, None, None),
            (roster.ward_nurse, "ward", None, ward, None),
        ]
        staff += [(uid, "caseworker", code, None, s) for s, uid in roster.caseworkers.items()]
        staff += [(peer, "peer", None, None, None) for peer in roster.peers]
        await conn.executemany(
            "INSERT INTO users (user_id, role, display_name, email, organisation_id,"
            " municipality_code, ward_id, service) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (uid, role, f"Bench {role}", f"{uid}@bench.invalid", org, m, w, s)
                for uid, role, m, w, s in staff
            ],
        )
        await conn.executemany(
            "INSERT INTO peers (peer_id, organisation_id, employment, trained, languages,"
            " programmes, municipalities, capacity)"
            " VALUES ($1, $2, 'employed', true, '{da}', $3, $4, $5)",
            [(peer, org, programmes, [code], capacity) for peer in roster.peers],
        )
    return roster


def bench_referral(
    roster: BenchRoster,
    programme: str = "peer-guide-sind",
    admitted_ago: timedelta = timedelta(days=3),
) -> ReferralCreated:
    """A referral as the starter gets it, with an opaque citizen id and no personal data."""
    now = datetime.now(UTC)
    nurse = Actor(role=Role.WARD, id=roster.ward_nurse)
    return ReferralCreated(
        event_id=f"bench-ref-{secrets.token_hex(12)}",
        occurred_at=now,
        actor=nurse,
        payload=Referral(
            programme=programme,
            citizen_id=secrets.token_hex(16),
            municipality_code=roster.municipality_code,
            ward_id=roster.ward_id,
            organisation_id=roster.organisation_id,
            goals=(Goal(area=GoalArea.NETWORK, text="Meet people again"),),
            consents=tuple(
                ConsentGrant(
                    scope=s, recorded_by=nurse, recorded_at=now, method=ConsentMethod.WRITTEN
                )
                for s in (ConsentScope.PEER_SUPPORT, ConsentScope.SHARE_WITH_MUNICIPALITY)
            ),
            admitted_at=now - admitted_ago,
        ),
    )
