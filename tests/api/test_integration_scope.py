"""Attack test: an integration token reports only for the organisations it is bound to
(issue 13, finding 1)."""

from __future__ import annotations

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller, TokenCaller


async def recorded(pool: DatabasePool, event_id: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id = $1", event_id
        )
    return count


async def test_an_integration_token_of_one_organisation_cannot_report_for_anothers_episode(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    home, away = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=0)
    ward = await as_user(home.ward_nurse)
    answer = await ward.post("/api/events", json=referral_body(home))
    assert answer.status_code == 202, answer.text
    episode_id = answer.json()["episode_id"]
    intruder = await as_token("integration", organisations=[away.organisation_id])

    death = event_body(episode_id, "deceased")
    assert (await intruder.post("/api/events", json=death)).status_code == 404
    cancel = event_body(episode_id, "referral_cancelled", {"reason": "not needed"})
    assert (await intruder.post("/api/events", json=cancel)).status_code == 404
    assert (await intruder.get(f"/api/episodes/{episode_id}")).status_code == 404
    status = await intruder.get(f"/api/events/{answer.json()['event_id']}")
    assert status.status_code == 404
    referral = referral_body(home)
    refused = await intruder.post("/api/events", json=referral)
    assert refused.status_code == 403, refused.text
    assert "payload.ward_id" in refused.text
    for event_id in (death["event_id"], cancel["event_id"], referral["event_id"]):
        assert await recorded(db_pool, event_id) == 0, "nothing of the attempt is kept"

    # The home organisation's own integration reports for its episode and refers from its ward.
    own = await as_token("integration", organisations=[home.organisation_id])
    leave = event_body(episode_id, "leave_started")
    assert (await own.post("/api/events", json=leave)).status_code == 202
    assert (await own.post("/api/events", json=referral_body(home))).status_code == 202
    by_ward = await as_token("integration", sor_codes=[home.ward_sor])
    assert (await by_ward.get(f"/api/episodes/{episode_id}")).status_code == 200
