"""The roster pages keep to the coordinator's own organisation: a coordinator of another
organisation (even a partner in the same partnership) neither sees nor changes a peer, each
attempt a 404 with nothing changed; bad input on every roster form is refused naming the
field, changes nothing and never answers 500."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from api.auth import SESSION_COOKIE
from command.synthetic.roster import Roster, make_roster
from db.access import create_session
from db.pool import DatabasePool
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation

# A client logged in as the user, and the CSRF token its page forms carry.
Session = Callable[[str], Awaitable[tuple[httpx.AsyncClient, str]]]


@pytest.fixture
async def session(api_app: FastAPI, db_pool: DatabasePool) -> AsyncIterator[Session]:
    clients: list[httpx.AsyncClient] = []

    async def make(user_id: str) -> tuple[httpx.AsyncClient, str]:
        async with db_pool.acquire() as conn:
            secret, csrf = await create_session(conn, user_id, timedelta(hours=1))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app),
            base_url="http://test",
            cookies={SESSION_COOKIE: secret},
        )
        clients.append(client)
        return client, csrf

    yield make
    for client in clients:
        await client.aclose()


async def snapshot(pool: DatabasePool, peer_id: str) -> dict[str, object]:
    """Everything the roster pages could change about a peer, and their audit lines."""
    async with pool.acquire() as conn:
        peer = await conn.fetchrow(
            "SELECT p.*, u.display_name, u.email, u.phone, u.active FROM peers p"
            " JOIN users u ON u.user_id = p.peer_id WHERE p.peer_id = $1",
            peer_id,
        )
        absences = await conn.fetch(
            "SELECT absence_id, starts_on, ends_on, kind FROM peer_absences WHERE peer_id = $1"
            " ORDER BY absence_id",
            peer_id,
        )
        trainings = await conn.fetch(
            "SELECT training_id, course, completed_on FROM peer_trainings WHERE peer_id = $1"
            " ORDER BY training_id",
            peer_id,
        )
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'roster.%'"
            " AND detail ->> 'peer_id' = $1",
            peer_id,
        )
    assert peer is not None
    return {
        "peer": dict(peer),
        "absences": [dict(r) for r in absences],
        "trainings": [dict(r) for r in trainings],
        "audited": audited,
    }


async def future_absence(pool: DatabasePool, peer_id: str) -> str:
    absence_id = f"absence-test-{peer_id}"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO peer_absences (absence_id, peer_id, starts_on, ends_on, kind)"
            " VALUES ($1, $2, current_date + 10, current_date + 20, 'holiday')",
            absence_id,
            peer_id,
        )
    return absence_id


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    """A form as a browser sends it; a lone surrogate goes as the bytes it would be."""
    body = urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")
    return await client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


def details(roster: Roster, **changes: str) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "display_name": "Stine Jensen",
        "email": "stine@example.org",
        "phone": "",
        "employment": "volunteer",
        "capacity": "3",
        "programmes": ["peer-guide-sind"],
        "municipalities": [roster.municipality_code],
        "languages": "da, en",
        "available": "on",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize("partner", [True, False], ids=["partner", "stranger"])
async def test_a_coordinator_of_another_organisation_cannot_see_or_change_the_peer(
    session: Session, db_pool: DatabasePool, partner: bool
) -> None:
    home = await make_roster(db_pool, peers=1)
    peer_id = home.peers[0]
    absence_id = await future_absence(db_pool, peer_id)
    other = await coordinator_of_a_new_organisation(db_pool, partner_of=home if partner else None)
    before = await snapshot(db_pool, peer_id)
    client, csrf = await session(other)

    listing = await client.get("/coordinator/roster?show=all")
    assert listing.status_code == 200
    assert peer_id not in listing.text and "Test peer 0" not in listing.text

    page = f"/coordinator/roster/peers/{peer_id}"
    seen = await client.get(page)
    assert seen.status_code == 404
    assert "Test peer 0" not in seen.text and "example.org" not in seen.text

    today = date.today()
    attempts: list[tuple[str, dict[str, str | list[str]]]] = [
        (page, details(home)),
        (f"{page}/deactivate", {}),
        (f"{page}/reactivate", {}),
        (
            f"{page}/absences",
            {"starts_on": str(today), "ends_on": str(today + timedelta(days=3)), "kind": "leave"},
        ),
        (f"{page}/absences/{absence_id}/remove", {}),
        (
            f"{page}/trainings",
            {"course": "peer-basic", "completed_on": str(today), "trained_by": "SIND"},
        ),
    ]
    for path, form in attempts:
        answer = await client.post(path, data={"csrf": csrf, **form})
        assert answer.status_code == 404, f"{path}: {answer.status_code}"
        assert "Test peer 0" not in answer.text
    assert await snapshot(db_pool, peer_id) == before, "nothing changed, nothing audited"

    # The peer's own coordinator sees them.
    own, _ = await session(home.coordinator)
    assert (await own.get(page)).status_code == 200


async def test_only_a_coordinator_opens_the_roster(session: Session, db_pool: DatabasePool) -> None:
    roster = await make_roster(db_pool, peers=1)
    for user in (roster.peers[0], roster.ward_nurse, roster.caseworkers["social_services"]):
        client, _ = await session(user)
        assert (await client.get("/coordinator/roster")).status_code == 403
        assert (await client.get(f"/coordinator/roster/peers/{roster.peers[0]}")).status_code == 403


BAD_PEER = [
    ({"display_name": "Stine\x00Jensen"}, "display_name"),
    ({"display_name": "Stine \ud800"}, "display_name"),
    ({"display_name": "x" * 121}, "display_name"),
    ({"display_name": "   "}, "display_name"),
    ({"email": "", "phone": ""}, "email"),
    ({"email": "not an address"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"capacity": "-1"}, "capacity"),
    ({"capacity": "many"}, "capacity"),
    ({"capacity": "9" * 5000}, "capacity"),
    ({"employment": "contractor"}, "employment"),
    ({"programmes": ["no-such-programme"]}, "programmes"),
    ({"municipalities": ["0000"]}, "municipalities"),
    ({"languages": "danish"}, "languages"),
    ({"languages": ""}, "languages"),
]


@pytest.mark.parametrize(("change", "field"), BAD_PEER)
async def test_a_bad_peer_form_is_refused_naming_the_field_and_changes_nothing(
    session: Session, db_pool: DatabasePool, change: dict[str, str], field: str
) -> None:
    roster = await make_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    before = await snapshot(db_pool, peer_id)
    client, csrf = await session(roster.coordinator)
    async with db_pool.acquire() as conn:
        peers_before = await conn.fetchval(
            "SELECT count(*) FROM peers WHERE organisation_id = $1", roster.organisation_id
        )

    for path in ("/coordinator/roster/peers", f"/coordinator/roster/peers/{peer_id}"):
        answer = await post(client, path, {"csrf": csrf, **details(roster, **change)})
        assert answer.status_code == 422, (path, answer.status_code)
        assert field in answer.text

    assert await snapshot(db_pool, peer_id) == before
    async with db_pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM peers WHERE organisation_id = $1", roster.organisation_id
            )
            == peers_before
        )


def _day(days: int) -> str:
    return str(date.today() + timedelta(days=days))


BAD_ABSENCE = [
    ({"starts_on": "2026-02-30", "ends_on": _day(3)}, "starts_on"),
    ({"starts_on": _day(5), "ends_on": _day(2)}, "ends_on"),
    ({"starts_on": _day(-10), "ends_on": _day(-2)}, "ends_on"),
    ({"starts_on": "", "ends_on": _day(2)}, "starts_on"),
    ({"starts_on": _day(1), "ends_on": _day(400)}, "ends_on"),
    ({"starts_on": _day(1), "ends_on": _day(2), "kind": "sick"}, "kind"),
]


@pytest.mark.parametrize(("form", "field"), BAD_ABSENCE)
async def test_a_bad_absence_is_refused_naming_the_field_and_changes_nothing(
    session: Session, db_pool: DatabasePool, form: dict[str, str], field: str
) -> None:
    roster = await make_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    before = await snapshot(db_pool, peer_id)
    client, csrf = await session(roster.coordinator)
    answer = await client.post(
        f"/coordinator/roster/peers/{peer_id}/absences",
        data={"csrf": csrf, "kind": "holiday", **form},
    )
    assert answer.status_code == 422
    assert f'id="err-absence-{field}"' in answer.text
    assert await snapshot(db_pool, peer_id) == before


BAD_TRAINING = [
    ({"course": "juggling"}, "course"),
    ({"completed_on": "2026-02-30"}, "completed_on"),
    ({"completed_on": _day(1)}, "completed_on"),
    ({"completed_on": "1970-01-01"}, "completed_on"),
    ({"trained_by": ""}, "trained_by"),
    ({"trained_by": "x" * 201}, "trained_by"),
]


@pytest.mark.parametrize(("change", "field"), BAD_TRAINING)
async def test_a_bad_training_record_is_refused_naming_the_field_and_changes_nothing(
    session: Session, db_pool: DatabasePool, change: dict[str, str], field: str
) -> None:
    roster = await make_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    before = await snapshot(db_pool, peer_id)
    client, csrf = await session(roster.coordinator)
    form = {"course": "peer-guide", "completed_on": _day(-3), "trained_by": "SIND", **change}
    answer = await client.post(
        f"/coordinator/roster/peers/{peer_id}/trainings", data={"csrf": csrf, **form}
    )
    assert answer.status_code == 422
    assert f'id="err-training-{field}"' in answer.text
    assert await snapshot(db_pool, peer_id) == before


async def test_an_absence_under_way_is_not_removed(session: Session, db_pool: DatabasePool) -> None:
    roster = await make_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO peer_absences (absence_id, peer_id, starts_on, ends_on, kind)"
            " VALUES ('absence-now-' || $1, $1, current_date - 1, current_date + 5, 'leave')",
            peer_id,
        )
    before = await snapshot(db_pool, peer_id)
    client, csrf = await session(roster.coordinator)
    answer = await client.post(
        f"/coordinator/roster/peers/{peer_id}/absences/absence-now-{peer_id}/remove",
        data={"csrf": csrf},
    )
    assert answer.status_code == 409
    assert 'id="err-absence-absence_id"' in answer.text
    assert await snapshot(db_pool, peer_id) == before
