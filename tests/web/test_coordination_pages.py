"""The coordinator matches an episode nobody could take; the operator sees counts and refused
commits, ids only."""

from __future__ import annotations

import uuid

import pytest

from db.pool import DatabasePool
from tests.api.bodies import new_cpr
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster, with_passwords
from tests.web.steps import CITIZEN, refer

pytestmark = pytest.mark.browser


async def test_coordinator_matches_an_unmatched_episode_by_hand(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1, capacity=0)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)

    coordinator = await open_as(roster.coordinator)
    assert coordinator.url.endswith("/coordinator")
    await reload_until(coordinator, "text=Choose the peer guide")
    attention = coordinator.locator("section", has_text="Unmatched and escalated episodes")
    assert await attention.locator(f'a[href="/episodes/{episode_id}"]').count() == 1
    assert await attention.get_by_text("Unmatched").count() >= 1
    load = coordinator.locator("section", has_text="Peer load")
    assert await load.get_by_role("row", name="Test peer 0").count() == 1
    await screenshot(coordinator, "coordinator")
    await assert_accessible(coordinator, context="the coordinator's page with a manual match")
    # The choice of peer is on the match's own page, linked from the task's card.
    await coordinator.get_by_role("link", name="Choose the peer guide").click()
    await coordinator.get_by_label("Peer guide", exact=True).select_option(roster.peers[0])
    await assert_accessible(coordinator, context="a manual match on its own page")
    await coordinator.get_by_role("button", name="Match manually").click()
    await coordinator.get_by_text("Your decision has been recorded.").wait_for()

    peer = await open_as(roster.peers[0])
    await reload_until(peer, f"table >> text={episode_id}")
    async with db_pool.acquire() as conn:
        active_load = await conn.fetchval(
            "SELECT active_load FROM peers WHERE peer_id = $1", roster.peers[0]
        )
    assert active_load == 1, "a manual match may go over capacity"


async def test_operator_sees_counts_by_phase_and_the_temporal_ui_but_no_personal_data(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    operator_id = f"operator-{uuid.uuid4().hex[:6]}"
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name)"
            " VALUES ($1, 'operator', 'Test operator')",
            operator_id,
        )
    await with_passwords(db_pool, roster, operator_id)
    ward = await open_as(roster.ward_nurse)
    cpr = new_cpr()
    episode_id = await refer(ward, roster, db_pool, cpr=cpr)

    operator = await open_as(operator_id)
    assert operator.url.endswith("/operator")
    assert await operator.get_by_role("link", name="http://127.0.0.1:8233").count() == 1
    assert await operator.get_by_role("columnheader", name="Count").count() == 1
    text = await operator.locator("body").inner_text()
    assert CITIZEN not in text
    assert cpr not in text
    refused = operator.locator("section", has_text="Episodes whose changes the database refused")
    assert await refused.get_by_text("No refused changes.").count() == 1

    # The episode's commit was refused (tests/workflows/test_poisoned_commit.py shows how the
    # task comes about): the operator finds the episode, by id only, with its Temporal link.
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO tasks (task_id, episode_id, kind, assignee_role, assignee_id, status,"
            " created_at, commit_seq) VALUES ($1, $2, 'commit_failed', 'coordinator', $3,"
            " 'open', now(), 0)",
            f"task-{uuid.uuid4().hex[:8]}",
            episode_id,
            roster.coordinator,
        )
    await operator.reload()
    link = refused.get_by_role("link", name=episode_id)
    assert await link.get_attribute("href") == (
        f"http://127.0.0.1:8233/namespaces/default/workflows/{episode_id}"
    )
    await screenshot(operator, "operator")
    await operator.goto("/ward")
    assert (
        await operator.get_by_role("heading", name="You do not have access to this page").count()
        == 1
    )
