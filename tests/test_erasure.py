"""Data-subject erasure: personal data gone, the episode's payloads unreadable, audit kept."""

from __future__ import annotations

import uuid

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from command.erasure import erase_citizen
from command.synthetic.driver import EpisodeDriver
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from hverdagsbro.encryption import data_converter
from hverdagsbro.episode_keys import EpisodeKeys, KeyDestroyedError
from hverdagsbro.search_attributes import register_search_attributes
from hverdagsbro.settings import Settings
from schemas.tasks import DecisionAction, TaskKind
from tests.temporal_servers import TEST_SERVER
from tests.test_keys import TEST_KEYS
from workers.starter import start_episode
from workers.worker import build_worker, episode_activities
from workflows.episode import EpisodeWorkflow


async def test_erasing_a_citizen_makes_their_payloads_unreadable_and_keeps_the_audit(
    db_pool: DatabasePool, worker_settings: Settings
) -> None:
    # A test server of its own: its episodes use per-episode keys, and terminating them
    # must not disturb the shared server's time skipping.
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter(EpisodeKeys(TEST_KEYS, db_pool)),
        test_server_existing_path=TEST_SERVER,
    )
    try:
        await _erase_and_check(env, db_pool, worker_settings)
    finally:
        await env.shutdown()


async def _erase_and_check(
    env: WorkflowEnvironment, db_pool: DatabasePool, worker_settings: Settings
) -> None:
    await register_search_attributes(env.client)
    client = env.client
    roster = await make_roster(db_pool, peers=1)
    event = referral(roster)
    citizen_id = event.payload.citizen_id
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO citizens (citizen_id, cpr, name, phone) VALUES ($1, $2, $3, $4)",
            citizen_id,
            f"3{uuid.uuid4().int % 10**9:09d}",
            "Slette Borger",
            "+4511223344",
        )
    queue = f"erasure-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient() as http:
        worker = build_worker(
            client,
            task_queue=queue,
            activities=episode_activities(db_pool, worker_settings, http),
            max_cached_workflows=10,
        )
        async with worker:
            episode_id = await start_episode(client, db_pool, event, task_queue=queue)
            handle = client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)
            episode = EpisodeDriver(env=env, handle=handle, roster=roster)
            await episode.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
            await episode.phase("pre_discharge")  # type: ignore[arg-type]

            history = await handle.fetch_history()
            started = history.events[0].workflow_execution_started_event_attributes
            payload = started.input.payloads[0]
            assert payload.metadata["encryption-key-id"] == f"ep.{episode_id}".encode()
            fresh = data_converter(EpisodeKeys(TEST_KEYS, db_pool))
            assert await fresh.decode([payload], [dict])  # readable before

            report = await erase_citizen(db_pool, client, citizen_id, actor_id="operator-1")

    assert report.episodes == (episode_id,)
    assert report.workflows_terminated == 1
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
    after = data_converter(EpisodeKeys(TEST_KEYS, db_pool))
    with pytest.raises(KeyDestroyedError):
        await after.decode([payload], [dict])
    async with db_pool.acquire() as conn:
        citizen = await conn.fetchrow("SELECT * FROM citizens WHERE citizen_id = $1", citizen_id)
        assert citizen["cpr"] is None
        assert citizen["name"] is None
        assert citizen["phone"] is None
        assert citizen["erased_at"] is not None
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM episode_goals WHERE episode_id = $1", episode_id
            )
            == 0
        )
        assert (
            await conn.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", episode_id)
            == "withdrawn"
        )
        assert (
            await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", roster.peers[0])
            == 0
        )
        audit = await conn.fetchrow(
            "SELECT * FROM audit_log WHERE action = 'citizen.erased'"
            " AND detail->>'citizen_id' = $1",
            citizen_id,
        )
        assert audit is not None
        assert "Slette" not in str(dict(audit))
        earlier = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1", episode_id
        )
        assert earlier > 0, "the episode's audit trail is kept"
