"""On the real Temporal dev server, operators find episodes by phase in the visibility store."""

from __future__ import annotations

import asyncio

import httpx
from temporalio.testing import WorkflowEnvironment

from command.synthetic.driver import start
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from hverdagsbro.search_attributes import (
    BRIDGE_PHASE,
    DISCHARGE_DATE,
    MUNICIPALITY,
    OVERDUE_TASKS,
    PROGRAMME,
)
from hverdagsbro.settings import Settings
from schemas.tasks import DecisionAction, TaskKind
from tests.temporal_servers import DEV_SERVER
from tests.test_keys import TEST_CONVERTER
from workers.worker import build_worker, episode_activities


async def _listed(env: WorkflowEnvironment, query: str, episode_id: str) -> bool:
    for _ in range(100):
        ids = [w.id async for w in env.client.list_workflows(query)]
        if episode_id in ids:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_operator_finds_an_episode_by_bridge_phase_and_programme(
    db_pool: DatabasePool, worker_settings: Settings
) -> None:
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=DEV_SERVER,
        search_attributes=[BRIDGE_PHASE, PROGRAMME, MUNICIPALITY, DISCHARGE_DATE, OVERDUE_TASKS],
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        roster = await make_roster(db_pool)
        async with httpx.AsyncClient() as http:
            worker = build_worker(
                env.client,
                task_queue="dev-server-test",
                activities=episode_activities(db_pool, worker_settings, http),
                max_cached_workflows=10,
            )
            async with worker:
                episode = await start(
                    env,
                    db_pool,
                    roster,
                    "dev-server-test",
                    referral(roster, programme="recovery-college"),
                )
                await episode.task(TaskKind.PEER_OFFER)
                assert await _listed(
                    env,
                    "BridgePhase = 'matching' AND BridgeProgramme = 'recovery-college'"
                    f" AND MunicipalityCode = '{roster.municipality_code}'",
                    episode.id,
                )
                await episode.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
                assert await _listed(env, "BridgePhase = 'pre_discharge'", episode.id)
                description = await episode.handle.describe()
                summary = await description.static_summary()
                assert summary is not None
                assert "recovery" in summary.lower()
                await episode.handle.terminate("test over")
    finally:
        await env.shutdown()
