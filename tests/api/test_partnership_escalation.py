"""An escalation that climbs to the partnership reaches coordinators of partner organisations,
and those coordinators can open the episode and act on the task; nobody else can (issue 14)."""

from __future__ import annotations

import uuid

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from db.synthetic import add_partner_organisation
from tests.api.bodies import referral_body
from tests.api.conftest import Caller
from tests.conftest import eventually


async def coordinator_of_a_new_organisation(
    pool: DatabasePool, *, partner_of: Roster | None
) -> str:
    """A coordinator in a new organisation: of the roster's partnership, or of none."""
    organisation_id = f"org-{uuid.uuid4().hex[:8]}"
    user_id = f"coord-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        if partner_of is not None:
            await add_partner_organisation(
                conn, organisation_id, kind="ngo", partner_of=partner_of.organisation_id
            )
        else:
            await conn.execute(
                "INSERT INTO organisations (organisation_id, name, kind)"
                " VALUES ($1, 'Partner', 'ngo')",
                organisation_id,
            )
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name, organisation_id)"
            " VALUES ($1, 'coordinator', 'Partner coordinator', $2)",
            user_id,
            organisation_id,
        )
    return user_id


async def manual_match_task(pool: DatabasePool, episode_id: str) -> str | None:
    async with pool.acquire() as conn:
        found: str | None = await conn.fetchval(
            "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = 'manual_match'"
            " AND status = 'open'",
            episode_id,
        )
    return found


async def test_a_partner_coordinator_acts_only_once_the_escalation_reaches_them(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=0)
    ward = await as_user(roster.ward_nurse)
    answer = await ward.post("/api/events", json=referral_body(roster))
    assert answer.status_code == 202, answer.text
    episode_id = answer.json()["episode_id"]
    await eventually(lambda: manual_match_task(db_pool, episode_id))
    task_id = await manual_match_task(db_pool, episode_id)
    partner = await coordinator_of_a_new_organisation(db_pool, partner_of=roster)
    stranger = await coordinator_of_a_new_organisation(db_pool, partner_of=None)

    # The referring organisation has its own coordinator: the partner is not called.
    as_partner = await as_user(partner)
    assert (await as_partner.get(f"/api/episodes/{episode_id}")).status_code == 404
    assert task_id not in {t["task_id"] for t in (await as_partner.get("/api/tasks")).json()}

    # Nobody is left to act in the referring organisation: the partnership is.
    async with db_pool.acquire() as conn:
        await conn.execute("UPDATE users SET active = false WHERE user_id = $1", roster.coordinator)
    assert (await as_partner.get(f"/api/episodes/{episode_id}")).status_code == 200
    listed = (await as_partner.get("/api/tasks")).json()
    assert task_id in {t["task_id"] for t in listed}
    page = await as_partner.get("/coordinator")
    assert page.status_code == 200 and episode_id in page.text

    # A coordinator outside the partnership is never called to it.
    as_stranger = await as_user(stranger)
    assert (await as_stranger.get(f"/api/episodes/{episode_id}")).status_code == 404
    assert task_id not in {t["task_id"] for t in (await as_stranger.get("/api/tasks")).json()}
