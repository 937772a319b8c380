"""The coordinator in the browser across a partnership: the volunteer's home coordinator finds
the municipality's episode their volunteer carries on their page, marked with its owner, and
reads the partnerships, their members and their sharing rules in words (issue 17)."""

from __future__ import annotations

import pytest

from db.pool import DatabasePool
from tests.api.bodies import event_body
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation
from tests.api.test_partnership_sharing import (
    a_municipality,
    assigned_episode,
    ngo_partner,
    open_task,
    set_sharing,
)
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import ApiAs, OpenAs, reload_until, screenshot, with_passwords

pytestmark = pytest.mark.browser


async def test_the_volunteers_home_coordinator_finds_the_episode_and_the_partnership_rules(
    open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    await set_sharing(db_pool, partners.partnership_id, match_across=True)
    episode_id = await assigned_episode(db_pool, api_as, partners.municipality, partners.volunteer)
    await with_passwords(db_pool, partners.municipality, partners.ngo_coordinator)
    owner = f"Kommune {partners.municipality.municipality_code}"

    coordinator = await open_as(partners.ngo_coordinator)
    row = coordinator.locator(f"#episode-{episode_id}")
    await row.wait_for()
    assert await coordinator.locator(f"#episode-owner-{episode_id}").inner_text() == (
        f"Your peer's, owned by {owner}"
    )
    assert "NGO volunteer" in await row.inner_text()
    await assert_accessible(coordinator, context="the coordinator's list with a partner's episode")

    # The volunteer flags a concern: the owner's task, which their home coordinator takes on
    # their own page.
    volunteer = await api_as(partners.volunteer)
    concern = event_body(episode_id, "concern_flagged", {"note": "Worried after the visit"})
    assert (await volunteer.post("/api/events", json=concern)).status_code == 202
    await eventually(lambda: open_task(db_pool, episode_id, "concern"))
    task_id = await open_task(db_pool, episode_id, "concern")
    await reload_until(coordinator, f"#task-{task_id}")
    card = coordinator.locator(f"#task-{task_id}")
    await card.get_by_label("Short note (optional)").fill("Talked it through with the volunteer")
    await card.get_by_role("button", name="Complete task").click()
    await coordinator.get_by_text("Your decision has been recorded.").wait_for()
    assert await open_task(db_pool, episode_id, "concern") is None

    await coordinator.get_by_role("link", name="See your partnerships and their rules").click()
    await coordinator.get_by_role("heading", name="Partnerships", level=1).wait_for()
    card = coordinator.locator(f"#partnership-card-{partners.partnership_id}")
    ngo = card.locator(f"#member-{partners.partnership_id}-{partners.ngo}")
    assert "(your organisation)" in await ngo.inner_text()
    assert "NGO" in await ngo.inner_text()
    municipality = card.locator(
        f"#member-{partners.partnership_id}-{partners.municipality.organisation_id}"
    )
    assert owner in await municipality.inner_text()
    assert "Municipality" in await municipality.inner_text()
    rules = await card.locator(f"#rules-{partners.partnership_id}").inner_text()
    assert "Peer guides of every member may be offered" in rules
    assert "of the kind NGO or Patient association see and supervise" in rules
    assert "you see your peer guides' episodes at the partners" in rules
    await assert_accessible(coordinator, context="the partnerships page")
    await screenshot(coordinator, "partnerships")

    await coordinator.goto("/coordinator/partnerships?lang=da")
    rules = await card.locator(f"#rules-{partners.partnership_id}").inner_text()
    assert "Frivillig organisation eller Patientforening" in rules
    await assert_accessible(coordinator, context="the partnerships page in Danish")


async def test_a_partnership_that_keeps_peers_apart_says_so_and_hides_the_episode(
    open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    episode_id = await assigned_episode(db_pool, api_as, partners.municipality, partners.volunteer)
    await set_sharing(db_pool, partners.partnership_id, match_across=False, home_sees_assigned=[])
    await with_passwords(db_pool, partners.municipality, partners.ngo_coordinator)

    coordinator = await open_as(partners.ngo_coordinator)
    assert await coordinator.locator(f"#episode-{episode_id}").count() == 0
    await coordinator.goto("/coordinator/partnerships")
    rules = await coordinator.locator(f"#rules-{partners.partnership_id}").inner_text()
    assert "Peer guides are offered only their own organisation's episodes." in rules
    assert "No coordinator sees partners' episodes" in rules
    await assert_accessible(coordinator, context="a partnership that keeps peers apart")


async def test_a_coordinator_outside_any_partnership_is_told_and_a_peer_is_refused_the_page(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    lonely = await coordinator_of_a_new_organisation(db_pool, partner_of=None)
    await with_passwords(db_pool, partners.municipality, lonely, partners.volunteer)

    coordinator = await open_as(lonely)
    await coordinator.goto("/coordinator/partnerships")
    await coordinator.get_by_text(
        "Your organisation is not a member of any partnership."
    ).wait_for()
    await assert_accessible(coordinator, context="no partnerships")

    peer = await open_as(partners.volunteer)
    response = await peer.goto("/coordinator/partnerships")
    assert response is not None and response.status == 403
    assert await peer.locator("#rules-" + partners.partnership_id).count() == 0
    await assert_accessible(peer, context="the partnerships page refused to a peer")
