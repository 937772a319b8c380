"""Nothing lost: the worker killed with SIGKILL in the middle of episodes, then restarted."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from schemas.episode import Phase
from schemas.tasks import TaskKind
from tests.conftest import SmtpServer
from tests.faults.live_system import Mails, OutboxWatch, figures, live_system
from workers.starter import start_episode

pytestmark = pytest.mark.slow

EPISODES = 12


def emails(rows: list[asyncpg.Record]) -> list[asyncpg.Record]:
    return [r for r in rows if r["channel"] == "email"]


async def test_worker_killed_mid_episode_loses_nothing_and_repeats_mail_only_dedupably(
    database_url: str, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    async with live_system(database_url, db_pool, smtp_port=smtp_server.port) as system:
        roster = await make_roster(db_pool, peers=EPISODES, capacity=2)
        ids = [
            await start_episode(
                system.client, db_pool, referral(roster), task_queue=system.settings.task_queue
            )
            for _ in range(EPISODES)
        ]
        # Kill the worker while offers are being reserved, committed and mailed.
        await asyncio.sleep(1.0)
        await system.kill_worker()
        await system.start_worker()
        offers = await asyncio.gather(
            *(system.open_task(i, TaskKind.PEER_OFFER, timeout=120) for i in ids)
        )

        # Kill it again in the middle of the decisions' commits.
        accepting = asyncio.gather(*(system.accept(i, o) for i, o in zip(ids, offers, strict=True)))
        await asyncio.sleep(0.3)
        await system.kill_worker()
        await system.start_worker()
        await accepting

        for episode_id in ids:
            await system.until(
                episode_id, lambda v: v.phase == Phase.PRE_DISCHARGE, "pre_discharge", timeout=60
            )
        # A delivery cut off by the kill is retried once its start-to-close time (30 s) ends.
        rows = emails(
            await OutboxWatch(db_pool, ids).until(
                lambda rows: all(r["status"] == "sent" for r in emails(rows)),
                "every mail sent",
                timeout=180,
            )
        )
        loads = await db_pool.fetch(
            "SELECT active_load FROM peers WHERE peer_id = ANY($1)", roster.peers
        )
        kills = system.worker_kills
    assert rows, "notifications were written"
    assert {r["status"] for r in rows} == {"sent"}
    mails = Mails.of(smtp_server.mailbox, rows)
    assert mails.lost == 0, f"every outbox row reached its recipient, none lost: {mails.per_row}"
    # A kill between the SMTP server's OK and our 'sent' mark cannot be told apart from a
    # kill before sending; the retry sends again with the same Message-ID, so receivers
    # can drop the copy. Strict exactly-once across such a kill is not claimed.
    figures(
        "worker killed",
        f"worker killed: kills {kills}, episodes {EPISODES}, mails {mails.received}, "
        f"rows {len(rows)}, lost {mails.lost}, duplicated {mails.duplicated}",
    )
    assert mails.duplicated <= EPISODES, "at most the few deliveries cut off by the two kills"
    assert sum(r["active_load"] for r in loads) == EPISODES, "one slot per episode, exactly"
