"""A made-up partnership: one organisation with its ward, municipality, staff and peers."""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from db.pool import DatabasePool
from db.programmes import default_programmes
from db.synthetic import PeerRow, StaffRow, add_partnership, add_peers, add_staff
from schemas.roster import Employment, OrganisationKind

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

# The programmes referred as one-to-one bridge episodes (courses and groups are not).
BRIDGE_PROGRAMMES = tuple(
    p.code for p in default_programmes() if p.code in PROGRAMMES and p.kind == "bridge"
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
    # The ward's SOR code: a MedCom sender and what system tokens are bound to.
    ward_sor: str = ""
    # EAN/GLN location numbers (valid GS1 check digits) and the municipality's SOR code: the
    # addresses of a CareCommunication from the ward to the municipality.
    ward_ean: str = ""
    municipality_sor: str = ""
    municipality_ean: str = ""
    # The municipality's own organisation (its MedCom gateway's tokens are bound to it).
    municipality_organisation_id: str = ""


def gln(first_twelve: str) -> str:
    """A GLN (EAN location number): the 12 digits and their GS1 check digit."""
    assert len(first_twelve) == 12
    assert first_twelve.isdigit()
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return first_twelve + str((10 - weighted % 10) % 10)


def _random_gln() -> str:
    """A made-up Danish GLN (prefix 579)."""
    return gln(f"579{secrets.randbelow(10**9):09d}")


async def make_roster(
    pool: DatabasePool,
    *,
    peers: int = 3,
    capacity: int = 2,
    programmes: tuple[str, ...] = PROGRAMMES,
    languages: tuple[tuple[str, ...], ...] = (),
    label: str = "",
    employed: int = 0,
    organisation_kind: str = "ngo",
) -> Roster:
    """A partnership with one organisation, municipality, ward, coordinator, ward nurse, a
    caseworker per municipal service and `peers` trained peers with room for `capacity`
    episodes each, trained in every course. The last `employed` peers are employed, the rest
    volunteers of the partnership's NGO (programme rules: municipal peer support needs
    employed peers, the peer-guide and bridge-to-everyday-life models volunteers). Peer n
    speaks `languages[n]` (Danish when not given). `label` goes into
    every id (e.g. "bench"), so rows are easy to tell apart."""
    key = f"{label}-{uuid.uuid4().hex[:12]}" if label else uuid.uuid4().hex[:12]
    org, ward, code = f"org-{key}", f"ward-{key}", str(next(_codes))
    roster = Roster(
        organisation_id=org,
        municipality_code=code,
        ward_id=ward,
        peers=[f"peer-{key}-{n}" for n in range(1, peers + 1)],
        coordinator=f"coord-{key}",
        ward_nurse=f"nurse-{key}",
        caseworkers={s: f"cw-{key}-{s}" for s in SERVICES},
        ward_sor=str(10**14 + secrets.randbelow(9 * 10**14)),
        ward_ean=_random_gln(),
        municipality_sor=str(10**14 + secrets.randbelow(9 * 10**14)),
        municipality_ean=_random_gln(),
        municipality_organisation_id=f"kommune-{key}",
    )
    staff = [
        StaffRow(user_id=roster.coordinator, role="coordinator", display_name="Test coordinator"),
        StaffRow(user_id=roster.ward_nurse, role="ward", display_name="Test ward", ward_id=ward),
    ]
    staff += [
        StaffRow(
            user_id=uid,
            role="caseworker",
            display_name="Test caseworker",
            municipality_code=code,
            service=s,
        )
        for s, uid in roster.caseworkers.items()
    ]
    staff += [
        StaffRow(user_id=peer, role="peer", display_name=f"Test peer {n}")
        for n, peer in enumerate(roster.peers)
    ]
    peer_rows = [
        PeerRow(
            peer_id=peer,
            languages=list(languages[n]) if n < len(languages) else ["da"],
            programmes=list(programmes),
            municipalities=[code],
            capacity=capacity,
            employment="employed" if n >= peers - employed else "volunteer",
        )
        for n, peer in enumerate(roster.peers)
    ]
    async with pool.acquire() as conn, conn.transaction():
        await add_partnership(
            conn,
            key=key,
            organisation_id=org,
            municipality_code=code,
            ward_id=ward,
            ward_sor=roster.ward_sor,
            ward_ean=roster.ward_ean,
            municipality_sor=roster.municipality_sor,
            municipality_ean=roster.municipality_ean,
            municipality_organisation_id=roster.municipality_organisation_id,
            organisation_kind=organisation_kind,
        )
        await add_staff(conn, org, staff)
        await add_peers(conn, org, peer_rows)
    return roster


async def make_roster_carrying(pool: DatabasePool, programme: str, **kwargs: Any) -> Roster:
    """`make_roster` whose organisation kind and peers' employment may carry `programme`
    (its `carried_by` rule): volunteers of an NGO where volunteers may, else employed peers of
    the first organisation kind the programme allows."""
    carriers = next(p for p in default_programmes() if p.code == programme).carried_by
    volunteers = Employment.VOLUNTEER in carriers.employment
    kind = OrganisationKind.NGO
    if kind not in carriers.organisation_kinds:
        kind = carriers.organisation_kinds[0]
    peers = int(kwargs.pop("peers", 3))
    return await make_roster(
        pool,
        peers=peers,
        employed=0 if volunteers else peers,
        organisation_kind=kind.value,
        **kwargs,
    )
