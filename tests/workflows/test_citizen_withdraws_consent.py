"""The episode takes a consent withdrawal from its own citizen (My consent: method digital)
and applies it like a staff-recorded one: the read model the access checks use holds it
when the update answers. Another citizen's is refused by the update naming `actor`, and left
unapplied by signal. The run replays on the current code."""

from __future__ import annotations

import uuid
from datetime import datetime

from temporalio.worker import Replayer

from db.pool import DatabasePool
from schemas.consent import ConsentMethod, ConsentScope
from schemas.events import ConsentWithdrawn, ConsentWithdrawnPayload
from schemas.people import Actor
from tests.test_keys import TEST_CONVERTER
from tests.workflows.test_citizen_acts import NewEpisode, citizen_and_stranger, refused
from workflows.episode import EpisodeWorkflow


def withdrawal(actor: Actor, scope: ConsentScope, at: datetime) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        event_id=f"citizen-{uuid.uuid4().hex}",
        occurred_at=at,
        actor=actor,
        payload=ConsentWithdrawnPayload(scope=scope, method=ConsentMethod.DIGITAL),
    )


async def consents(pool: DatabasePool, episode_id: str) -> list[str]:
    async with pool.acquire() as conn:
        found: list[str] = await conn.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
    return found


async def test_the_citizen_withdraws_their_own_consent_and_no_one_elses(
    new_episode: NewEpisode, db_pool: DatabasePool
) -> None:
    episode = await new_episode()
    citizen, stranger = await citizen_and_stranger(db_pool, episode.id)
    now = await episode.now()

    foreign = withdrawal(stranger, ConsentScope.SHARE_WITH_MUNICIPALITY, now)
    assert await refused(episode, foreign) == (
        "actor: only the episode's own citizen may report for it"
    )
    # By signal (the intake's redelivery path): left unapplied.
    await episode.send(withdrawal(stranger, ConsentScope.SHARE_WITH_MUNICIPALITY, now))
    own = withdrawal(citizen, ConsentScope.SHARE_WITH_MUNICIPALITY, now)
    receipt = await episode.handle.execute_update(EpisodeWorkflow.submit_event, own)
    assert receipt.outcome == "accepted"
    assert await consents(db_pool, episode.id) == ["peer_support"], "held when it answers"
    async with db_pool.acquire() as conn:
        withdrawn_by = await conn.fetch(
            "SELECT actor_role, actor_id FROM timeline WHERE episode_id = $1"
            " AND text_key = 'timeline.consent_withdrawn'",
            episode.id,
        )
    assert [tuple(r) for r in withdrawn_by] == [("citizen", citizen.id)]

    history = await episode.handle.fetch_history()
    replayer = Replayer(workflows=[EpisodeWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
