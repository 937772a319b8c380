"""E-mail delivery inside running episodes: retried without duplicates, never silently lost."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.synthetic.driver import start
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from schemas.tasks import TaskKind
from tests.conftest import SmtpServer


async def offer_rows(pool: DatabasePool, episode_id: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT status, attempts FROM outbox WHERE episode_id = $1 AND template = 'offer'"
            " AND channel = 'email'",
            episode_id,
        )


async def test_mail_refused_then_accepted_reaches_the_peer_exactly_once(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
    smtp_server: SmtpServer,
) -> None:
    roster = await make_roster(db_pool, peers=1)
    peer_mail = f"{roster.peers[0]}@example.org"
    smtp_server.mailbox.refuse = True
    try:
        episode = await start(time_skipping_env, db_pool, roster, task_queue, referral(roster))
        await episode.task(TaskKind.PEER_OFFER)
        await episode.env.sleep(timedelta(seconds=45))
    finally:
        smtp_server.mailbox.refuse = False
    assert smtp_server.mailbox.to(peer_mail) == [], "nothing got through while refused"
    await episode.env.sleep(timedelta(minutes=10))
    await episode.until(lambda v: True)
    rows = await offer_rows(db_pool, episode.id)
    assert [r["status"] for r in rows] == ["sent"]
    assert rows[0]["attempts"] >= 2, "it failed at least once before it went through"
    assert len(smtp_server.mailbox.to(peer_mail)) == 1, "exactly one mail, despite the retries"


async def test_mail_that_never_gets_through_becomes_a_task_for_the_coordinator(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
    smtp_server: SmtpServer,
) -> None:
    roster = await make_roster(db_pool, peers=1)
    smtp_server.mailbox.refuse = True
    try:
        episode = await start(time_skipping_env, db_pool, roster, task_queue, referral(roster))
        await episode.task(TaskKind.PEER_OFFER)
        await episode.env.sleep(timedelta(hours=2))
        task = await episode.task(TaskKind.NOTIFICATION_FAILED)
    finally:
        smtp_server.mailbox.refuse = False
    assert task.assignee.id == roster.organisation_id
    rows = await offer_rows(db_pool, episode.id)
    assert [r["status"] for r in rows] == ["failed"], "visible as not delivered"
    assert rows[0]["attempts"] == 8
