"""Nothing lost: the Temporal dev server stopped (SIGTERM) or killed (SIGKILL) in the middle of
running episodes and started again on the same data file, with the same worker process."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from schemas.episode import EpisodeView, Phase
from schemas.events import Discharged, DischargePlanned, DischargePlannedPayload
from schemas.people import Actor, Role
from schemas.tasks import TaskKind
from tests.faults.live_system import (
    LiveSystem,
    Mails,
    OutboxWatch,
    SwitchableSmtp,
    figures,
    live_system,
    read_model_differences,
)
from workers.starter import start_episode
from workflows.episode import EpisodeWorkflow

pytestmark = pytest.mark.slow

EPISODES = 8
# Long enough for the worker's polls and activity reports to fail and back off.
DOWN_FOR = 3.0


@dataclass
class InFlight:
    """What was under way when the server went: the worker had some of it done, not all."""

    mails_sent: int
    mails_pending: int
    episodes_not_yet_queued: int


async def restart_when_under_way(
    system: LiveSystem, db_pool: DatabasePool, how: signal.Signals, ids: list[str], template: str
) -> InFlight:
    """Stop the server as soon as the first `template` mail is out (so the others are still
    being committed or sent), keep it away for a while, then start it on the same file."""
    rows = await OutboxWatch(db_pool, ids).until(
        lambda rows: any(r["template"] == template and r["status"] == "sent" for r in rows),
        f"a first {template} mail",
        timeout=120,
    )
    await system.stop_server(how)
    await asyncio.sleep(DOWN_FOR)
    await system.start_server()
    mails = [r for r in rows if r["template"] == template]
    return InFlight(
        mails_sent=sum(r["status"] == "sent" for r in mails),
        mails_pending=sum(r["status"] == "pending" for r in mails),
        episodes_not_yet_queued=len(set(ids) - {r["episode_id"] for r in mails}),
    )


async def accept_offer(system: LiveSystem, episode_id: str) -> None:
    """The offered peer accepts (answered at once if the server is up)."""
    offer = await system.open_task(episode_id, TaskKind.PEER_OFFER, timeout=180)
    await system.accept(episode_id, offer)


async def discharge(system: LiveSystem, episode_id: str, roster: Roster) -> None:
    """The ward plans the discharge and discharges, as two signals."""
    now = datetime.now(UTC)
    nurse = Actor(role=Role.WARD, id=roster.ward_nurse)
    handle = system.handle(episode_id)
    await handle.signal(
        EpisodeWorkflow.record_event,
        DischargePlanned(
            event_id=f"plan-{uuid.uuid4().hex}",
            occurred_at=now,
            actor=nurse,
            payload=DischargePlannedPayload(planned_for=now.date()),
        ),
    )
    await handle.signal(
        EpisodeWorkflow.record_event,
        Discharged(event_id=f"dis-{uuid.uuid4().hex}", occurred_at=now, actor=nurse),
    )


async def converged(system: LiveSystem, db_pool: DatabasePool, episode_id: str) -> EpisodeView:
    deadline = time.monotonic() + 120
    while True:
        view = await system.until(episode_id, lambda v: True, "an answer", timeout=60)
        differences = await read_model_differences(db_pool, view)
        if not differences:
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"{episode_id}: read model differs in {differences}")
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_dev_server_restarted_mid_episode_loses_nothing_and_sends_nothing_twice(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp, how: signal.Signals
) -> None:
    started = time.monotonic()
    smtp.up()
    async with live_system(database_url, db_pool, smtp_port=smtp.port) as system:
        assert system.worker is not None
        worker_pid = system.worker.pid
        roster = await make_roster(db_pool, peers=EPISODES, capacity=2)
        ids = [
            await start_episode(
                system.client, db_pool, referral(roster), task_queue=system.settings.task_queue
            )
            for _ in range(EPISODES)
        ]
        # While peers are reserved, offers committed and mailed.
        first = await restart_when_under_way(system, db_pool, how, ids, "offer")
        back = time.monotonic()
        await asyncio.gather(*(accept_offer(system, i) for i in ids))
        offered_after = time.monotonic() - back
        await asyncio.gather(*(discharge(system, i, roster) for i in ids))
        # While the discharges are applied, committed and the peers told.
        second = await restart_when_under_way(system, db_pool, how, ids, "discharged")
        back = time.monotonic()

        for episode_id in ids:
            await system.until(
                episode_id, lambda v: v.phase == Phase.DISCHARGED, "discharged", timeout=180
            )
        views = [await converged(system, db_pool, i) for i in ids]
        rows = await OutboxWatch(db_pool, ids).until(
            lambda rows: all(r["status"] == "sent" for r in rows),
            "every mail sent",
            timeout=180,
        )
        settled_after = time.monotonic() - back
        assert system.worker.returncode is None and system.worker.pid == worker_pid, (
            "the same worker process carried on by itself"
        )
        restarts = system.server_restarts

    assert {v.phase for v in views} == {Phase.DISCHARGED}
    assert all(v.peer_id in roster.peers for v in views)
    mails = Mails.of(smtp.mailbox, rows)
    assert mails.lost == 0, f"every outbox row reached its recipient, none lost: {mails.per_row}"
    assert mails.duplicated == 0, f"the server restarts sent nothing twice: {mails.per_row}"
    assert len(smtp.mailbox.messages) == len(rows), "and nothing else was sent"
    # Every episode went the same way, so each must have queued the same messages: a
    # notification lost in a restart would show as an episode with fewer.
    shapes = Counter(
        tuple(sorted(Counter(r["template"] for r in rows if r["episode_id"] == i).items()))
        for i in ids
    )
    assert len(shapes) == 1, f"every episode queued the same messages: {shapes}"
    retries = sum(r["attempts"] - 1 for r in rows)
    figures(
        f"dev server {how.name}",
        f"dev server {how.name}: restarts {restarts}, episodes {EPISODES}, mails "
        f"{len(rows)}, retries {retries}, lost 0, duplicated {mails.duplicated}, "
        f"{time.monotonic() - started:.0f} s (offered and accepted {offered_after:.0f} s after the "
        f"first restart, settled {settled_after:.0f} s after the second); under way at the "
        f"stops: {first}, {second}",
    )
