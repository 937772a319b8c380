"""An urgent concern, in the browser: the peer flags it with a note on their page, the
coordinator reads the note and how to reach the citizen on the concern's task card and on the
episode page; a note too long to keep is refused with the field named."""

from __future__ import annotations

import pytest

from db.pool import DatabasePool
from tests.conftest import eventually
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import refer

pytestmark = pytest.mark.browser

NOTE = "Hun taler om at give op. Ring i dag, hun svarer om eftermiddagen."
PHONE = "+45 12345678"  # what the referral step enters


async def concern_task(pool: DatabasePool, episode_id: str) -> str | None:
    async with pool.acquire() as conn:
        found: str | None = await conn.fetchval(
            "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = 'concern'", episode_id
        )
    return found


async def test_a_peer_flags_an_urgent_concern_and_the_coordinator_reads_it_with_the_phone(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)

    peer = await open_as(roster.peers[0])
    await reload_until(peer, "text=Offer of an episode")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()
    await reload_until(peer, f"#concern-note-{episode_id}")

    # Too long to keep: the page says which field, and nothing is flagged.
    note_field = peer.locator(f"#concern-note-{episode_id}")
    await note_field.evaluate("e => e.removeAttribute('maxlength')")
    await note_field.fill("x" * 2001)
    await peer.get_by_role("button", name="Flag a concern").click()
    problem = peer.get_by_role("alert")
    await problem.wait_for()
    assert "payload.note" in await problem.inner_text()
    assert await concern_task(db_pool, episode_id) is None

    await peer.goto("/peer")
    await peer.locator(f"#concern-note-{episode_id}").fill(NOTE)
    await peer.get_by_label("Urgent").check()
    await peer.get_by_role("button", name="Flag a concern").click()
    await peer.get_by_text("The concern has been flagged.").wait_for()

    async def raised() -> bool:
        return await concern_task(db_pool, episode_id) is not None

    await eventually(raised)
    task_id = await concern_task(db_pool, episode_id)

    coordinator = await open_as(roster.coordinator)
    await reload_until(coordinator, f"#task-{task_id}")
    card = coordinator.locator(f"#task-{task_id}")
    card_text = await card.inner_text()
    assert "Urgent: concern flagged" in card_text, "urgency in words, not only colour"
    assert NOTE in card_text
    assert PHONE in card_text
    assert await card.get_by_role("heading", name="How to reach the citizen").count() == 1
    assert await card.get_by_role("link", name=PHONE).get_attribute("href") == "tel:+4512345678"
    await screenshot(coordinator, "coordinator-urgent-concern")

    await card.get_by_role("link", name=episode_id).click()
    await coordinator.get_by_role("heading", name="Notes").wait_for()
    notes = coordinator.locator("section[aria-labelledby=notes-title] li")
    assert await notes.count() == 1
    assert "Urgent" in await notes.first.inner_text()
    assert NOTE in await notes.first.inner_text()
    assert PHONE in await coordinator.locator("dl.facts").inner_text()

    async with db_pool.acquire() as conn:
        reads = await conn.fetch(
            "SELECT action, detail->>'place' AS place FROM audit_log"
            " WHERE episode_id = $1 AND actor_id = $2 AND action LIKE 'read.%'",
            episode_id,
            roster.coordinator,
        )
    seen = {(r["action"], r["place"]) for r in reads}
    assert ("read.notes", "task_card") in seen and ("read.notes", "episode") in seen
    assert ("read.citizen", None) in seen, "reading how to reach the citizen is audited"
