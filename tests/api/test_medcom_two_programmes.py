"""A hospital fact is a fact for every programme the citizen is in: one HospitalNotification
reaches each open episode its sender speaks for, once each (issue 14: facts in every phase)."""

from __future__ import annotations

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import new_cpr
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_medcom_api import URL, until_phase
from tests.api.test_medcom_senders import death_of
from tests.api.test_second_referral import OTHER_PROGRAMME, referral_for, referred
from tests.medcom.bundles import header_id
from tests.medcom.received import events_under_header


async def test_a_death_reaches_the_citizens_episode_in_each_programme_once(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr, admitted_at=None))
    second = await referred(
        nurse, referral_for(roster, cpr, admitted_at=None, programme=OTHER_PROGRAMME)
    )
    gateway = await as_token("medcom_gateway", sor_codes=[roster.ward_sor])
    bundle = death_of(cpr, roster.ward_sor)

    answer = await gateway.post(URL, json=bundle)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "ok"
    await until_phase(db_pool, first, "deceased")
    await until_phase(db_pool, second, "deceased")

    again = await gateway.post(URL, json=bundle)
    assert again.json()["outcome"] == "ok"
    rows = await events_under_header(db_pool, header_id(bundle))
    (newest,) = [r.event_id for r in rows if r.episode_id == second]
    assert newest.startswith("medcom:") and newest.endswith(header_id(bundle))
    assert sorted((r.episode_id, r.event_id) for r in rows) == sorted(
        [(second, newest), (first, f"{newest}@{first}")]
    ), "each episode records the fact once, under an id of its own (the newest: the bare id)"
