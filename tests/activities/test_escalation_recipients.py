"""An escalation never goes to nobody: a coordinator recipient goes up the partnership."""

from __future__ import annotations

import pytest

from activities.episode_store import EpisodeStore
from db.pool import DatabasePool
from schemas.notifications import PARTNERSHIP
from schemas.people import Role
from tests.activities.builders import Roster, commit, new_episode_id, notification


@pytest.fixture
def store(db_pool: DatabasePool) -> EpisodeStore:
    return EpisodeStore(db_pool)


async def reached(pool: DatabasePool, notification_id: str) -> set[str]:
    rows = await pool.fetch(
        "SELECT DISTINCT user_id FROM outbox WHERE notification_id = $1", notification_id
    )
    return {r["user_id"] for r in rows}


async def test_organisation_without_a_coordinator_is_covered_by_its_partnership(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    partnership = await roster.partnership()
    region = await roster.organisation(partnership)  # refers, has no coordinator
    municipality = await roster.organisation(partnership)
    ngo = await roster.organisation(partnership)
    elsewhere = await roster.organisation(await roster.partnership())
    partners = {
        await roster.user("coordinator", organisation_id=municipality),
        await roster.user("coordinator", organisation_id=ngo),
    }
    await roster.user("coordinator", organisation_id=ngo, active=False)
    await roster.user("coordinator", organisation_id=elsewhere)
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, region)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    assert await reached(db_pool, n.notification_id) == partners


async def test_organisation_with_a_coordinator_keeps_its_escalations_to_itself(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    partnership = await roster.partnership()
    org = await roster.organisation(partnership)
    own = await roster.user("coordinator", organisation_id=org)
    await roster.user("coordinator", organisation_id=await roster.organisation(partnership))
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, org)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    assert await reached(db_pool, n.notification_id) == {own}


async def test_the_partnership_level_reaches_every_coordinator_of_the_partnership(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    partnership = await roster.partnership()
    org = await roster.organisation(partnership)
    partner = await roster.organisation(partnership)
    everyone = {
        await roster.user("coordinator", organisation_id=org),
        await roster.user("coordinator", organisation_id=partner),
    }
    await roster.user("coordinator", organisation_id=await roster.organisation())
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, org, service=PARTNERSHIP)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    assert await reached(db_pool, n.notification_id) == everyone
