"""Episode tests use the shared Temporal and worker fixtures of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool


@pytest.fixture
async def new_episode(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> Callable[..., Awaitable[EpisodeDriver]]:
    """Starts an episode of a new roster (`peers` peers) on the real worker; the keywords
    go to the referral."""

    async def make(peers: int = 3, **kwargs: object) -> EpisodeDriver:
        roster = await make_roster(db_pool, peers=peers)
        return await start(
            time_skipping_env, db_pool, roster, task_queue, referral(roster, **kwargs)
        )

    return make
