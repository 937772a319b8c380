"""The coordinator's match form offers the partnership's peers who may be offered the episode
(partner organisations' included, untrained ones not), and a forged choice of another
partnership's peer is refused with the reason."""

from __future__ import annotations

import pytest

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from db.synthetic import PeerRow, StaffRow, add_partner_organisation, add_peers, add_staff
from tests.web.conftest import OpenAs, reload_until, web_roster
from tests.web.steps import refer

pytestmark = pytest.mark.browser


async def test_a_forged_match_form_naming_another_partnerships_peer_is_refused(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    home = await web_roster(db_pool, peers=1, capacity=0)
    stranger = (await make_roster(db_pool, peers=1)).peers[0]
    ward = await open_as(home.ward_nurse)
    episode_id = await refer(ward, home, db_pool)

    coordinator = await open_as(home.coordinator)
    await reload_until(coordinator, "text=Match manually")
    choice = coordinator.get_by_label("Peer guide")
    offered = await choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered == home.peers, "only the partnership's peers are offered"

    # What a hand-made request would send: another partnership's peer in the form.
    await choice.evaluate("(select, id) => select.add(new Option('Stranger', id))", stranger)
    await choice.select_option(stranger)
    async with coordinator.expect_navigation() as sent:
        await coordinator.get_by_role("button", name="Match manually").click()
    response = await sent.value
    assert response is not None
    assert response.status == 422
    alert = coordinator.get_by_role("alert")
    await alert.wait_for()
    assert "peer_id" in await alert.inner_text()
    assert "partnership" in await alert.inner_text()
    async with db_pool.acquire() as conn:
        load = await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", stranger)
        peer = await conn.fetchval("SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id)
    assert load == 0
    assert peer is None


async def test_the_match_form_offers_partner_peers_and_never_an_untrained_one(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    home = await web_roster(db_pool, peers=2, capacity=0)
    trained, untrained = home.peers
    partner_org, partner_peer = f"assoc-{home.organisation_id}", f"partner-{home.peers[0]}"
    async with db_pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM peer_trainings WHERE peer_id = $1", untrained)
        await add_partner_organisation(
            conn, partner_org, kind="association", partner_of=home.organisation_id
        )
        await add_staff(
            conn, partner_org, [StaffRow(user_id=partner_peer, role="peer", display_name="Partner")]
        )
        await add_peers(
            conn,
            partner_org,
            [
                PeerRow(
                    peer_id=partner_peer,
                    languages=["da"],
                    programmes=["peer-guide-sind"],
                    municipalities=[home.municipality_code],
                    capacity=0,
                )
            ],
        )
    ward = await open_as(home.ward_nurse)
    await refer(ward, home, db_pool)

    coordinator = await open_as(home.coordinator)
    await reload_until(coordinator, "text=Match manually")
    offered = await (
        coordinator.get_by_label("Peer guide")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert sorted(offered) == sorted([trained, partner_peer])
