"""Sustained load with faults: 50 events/s through the real API process, with bursts, while
the worker, the API, PostgreSQL's connections and the Temporal dev server are killed in turn.

Every event is sent the way a ward system sends it: with its own event_id, again after a
failure until the API answers 202. In the end every accepted event must have had exactly one
effect (one audit entry from the episode, its row `applied`), and each episode's read model
must agree with the workflow. HVERDAGSBRO_LOAD_SECONDS sets the length (default 300).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from command.synthetic.roster import Roster, make_roster
from db.access import create_token
from db.pool import DatabasePool
from schemas.tasks import TaskKind
from tests.faults.live_system import (
    ApiProcess,
    LiveSystem,
    Mails,
    SwitchableSmtp,
    api_process,
    figures,
    live_system,
    read_model_differences,
)
from workflows.episode import EpisodeWorkflow

LOAD_SECONDS = float(os.environ.get("HVERDAGSBRO_LOAD_SECONDS", "300"))
RATE = 50.0
BURST = 200
EPISODES = 30
LATE_REFERRALS = 20
pytestmark = [
    pytest.mark.slow,
    # The load itself, then up to SEND_PATIENCE for the last sends and the convergence waits.
    pytest.mark.timeout(int(LOAD_SECONDS) + 1200),
]
# A sender gives up on an event this long after the load ends (then it counts as not accepted).
SEND_PATIENCE = 180.0
# How long the read models may take to equal the workflows after the load.
CONVERGE = 300.0


@dataclass
class Sent:
    """What the senders saw."""

    accepted: dict[str, str] = field(default_factory=dict)  # event_id -> episode_id
    given_up: list[str] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)


async def send_until_accepted(
    http: aiohttp.ClientSession, body: dict[str, Any], sent: Sent, give_up_at: float
) -> None:
    """POST the event; on a failure wait a moment and send the very same event again."""
    backoff = 0.5
    while time.monotonic() < give_up_at:
        sent.attempts[body["event_id"]] += 1
        try:
            async with http.post("/api/events", json=body) as response:
                if response.status == 202:
                    answer = await response.json()
                    sent.accepted[body["event_id"]] = answer["episode_id"]
                    sent.answers[answer["outcome"]] += 1
                    return
                sent.failures[str(response.status)] += 1
                if response.status not in (503, 504):
                    sent.unexpected.append(f"{response.status} {await response.text()}"[:300])
        except (aiohttp.ClientError, TimeoutError) as err:
            sent.failures[type(err).__name__] += 1
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 5.0)
    sent.given_up.append(body["event_id"])


def risk_event(episode_id: str) -> dict[str, Any]:
    return {
        "event_id": f"load-{uuid.uuid4().hex}",
        "type": "risk_changed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "episode_id": episode_id,
        "payload": {"elevated": random.random() < 0.5},
    }


async def referrals_during_load(
    http: aiohttp.ClientSession, roster: Roster, sent: Sent, seconds: float
) -> list[str]:
    """A new referral every so often, so offers (with their e-mails) go out during the faults;
    returns the referral event ids."""
    from tests.api.bodies import referral_body

    give_up_at = time.monotonic() + seconds + SEND_PATIENCE
    jobs: list[asyncio.Task[None]] = []
    event_ids: list[str] = []
    for _ in range(LATE_REFERRALS):
        await asyncio.sleep(seconds / LATE_REFERRALS)
        body = referral_body(roster)
        event_ids.append(body["event_id"])
        jobs.append(asyncio.create_task(send_until_accepted(http, body, sent, give_up_at)))
    await asyncio.gather(*jobs)
    return event_ids


async def offered_load(
    http: aiohttp.ClientSession, episode_ids: list[str], sent: Sent, seconds: float
) -> int:
    """RATE events/s for `seconds` (open loop), plus a burst of BURST at 30 % and 70 %."""
    began = time.monotonic()
    give_up_at = began + seconds + SEND_PATIENCE
    bursts = {int(seconds * RATE * 0.3), int(seconds * RATE * 0.7)}
    jobs: list[asyncio.Task[None]] = []
    for n in range(int(seconds * RATE)):
        delay = began + n / RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        count = 1 + (BURST if n in bursts else 0)
        for _ in range(count):
            body = risk_event(random.choice(episode_ids))
            jobs.append(asyncio.create_task(send_until_accepted(http, body, sent, give_up_at)))
    await asyncio.gather(*jobs)
    return len(jobs)


@dataclass
class Faults:
    """Each fault, at a share of the load's length; what happened is logged with its time."""

    system: LiveSystem
    api: ApiProcess
    pool: DatabasePool
    database: str
    log: list[str] = field(default_factory=list)
    connections_killed: int = 0

    def note(self, began: float, what: str) -> None:
        self.log.append(f"{time.monotonic() - began:6.1f} s  {what}")

    async def run(self, seconds: float) -> None:
        began = time.monotonic()

        async def at(share: float) -> None:
            await asyncio.sleep(max(0.0, began + seconds * share - time.monotonic()))

        await at(0.15)
        await self.system.kill_worker()
        self.note(began, "worker killed (SIGKILL)")
        await asyncio.sleep(5)
        await self.system.start_worker()
        self.note(began, "worker started again")

        await at(0.35)
        await self.api.kill()
        self.note(began, "API killed (SIGKILL)")
        await asyncio.sleep(3)
        await self.api.start()
        self.note(began, "API started again")

        await at(0.55)
        killed = await self.pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.database,
        )
        self.connections_killed += killed
        self.note(began, f"{killed} PostgreSQL connections terminated")

        await at(0.75)
        await self.system.stop_server(signal.SIGKILL)
        self.note(began, "Temporal dev server killed (SIGKILL)")
        await asyncio.sleep(3)
        await self.system.start_server()
        self.note(began, "Temporal dev server started again on the same data file")


async def refer(http: aiohttp.ClientSession, roster: Roster) -> str:
    from tests.api.bodies import referral_body

    async with http.post("/api/events", json=referral_body(roster)) as response:
        assert response.status == 202, await response.text()
        episode_id: str = (await response.json())["episode_id"]
        return episode_id


async def wait_for_offers(pool: DatabasePool, episode_ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        offered = await pool.fetchval(
            "SELECT count(DISTINCT episode_id) FROM tasks WHERE kind = $1 AND episode_id = ANY($2)",
            TaskKind.PEER_OFFER.value,
            episode_ids,
        )
        if offered == len(episode_ids):
            return
        assert time.monotonic() < deadline, f"only {offered} episodes got their offers"
        await asyncio.sleep(0.5)


async def wait_for_mail(pool: DatabasePool, episode_ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        pending = await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE status = 'pending' AND episode_id = ANY($1)",
            episode_ids,
        )
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} messages never went out"
        await asyncio.sleep(0.5)


async def until_read_models_agree(
    system: LiveSystem, pool: DatabasePool, episode_ids: list[str], timeout: float
) -> tuple[float, dict[str, list[str]]]:
    """Until every episode's read model equals its workflow's view; (seconds, what still
    differs at the deadline). After the dev server is killed, every episode replays its whole
    history at once and some workflow tasks time out and run again: meanwhile a query can
    fail, and the workflow may still be ahead of its read model."""
    began = time.monotonic()
    disagreeing: dict[str, list[str]] = {}
    pending = list(episode_ids)
    while pending:
        disagreeing = {}
        for episode_id in pending:
            try:
                view = await system.handle(episode_id).query(EpisodeWorkflow.view)
            except (RPCError, WorkflowQueryFailedError) as err:
                disagreeing[episode_id] = [f"query failed: {err}"]
                continue
            if differences := await read_model_differences(pool, view):
                disagreeing[episode_id] = differences
        pending = list(disagreeing)
        if pending and time.monotonic() - began > timeout:
            break
        if pending:
            await asyncio.sleep(1.0)
    return time.monotonic() - began, disagreeing


@dataclass
class WorkflowTasks:
    """How the episodes' workflow tasks went, from their histories: how many ran, how many
    timed out or failed (and ran again), and the longest one (started to completed)."""

    completed: int = 0
    timed_out: int = 0
    failed: int = 0
    longest_seconds: float = 0.0

    @classmethod
    async def of(cls, system: LiveSystem, episode_ids: list[str]) -> WorkflowTasks:
        tasks = cls()
        for episode_id in episode_ids:
            started_at: float | None = None
            async for event in system.handle(episode_id).fetch_history_events():
                at = event.event_time.ToMicroseconds() / 1e6
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                    started_at = at
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                    tasks.completed += 1
                    if started_at is not None:
                        tasks.longest_seconds = max(tasks.longest_seconds, at - started_at)
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                    tasks.timed_out += 1
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    tasks.failed += 1
        return tasks

    def __str__(self) -> str:
        return (
            f"workflow tasks: {self.completed} completed, {self.timed_out} timed out, "
            f"{self.failed} failed; longest {self.longest_seconds:.1f} s"
        )


async def wait_until_applied(pool: DatabasePool, event_ids: list[str], timeout: float) -> float:
    began = time.monotonic()
    while True:
        left = await pool.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id = ANY($1) AND status <> 'applied'",
            event_ids,
        )
        if left == 0:
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            return float("inf")
        await asyncio.sleep(1.0)


async def test_sustained_load_with_faults_loses_nothing_and_applies_nothing_twice(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    smtp.up()
    database = database_url.rsplit("/", 1)[1]
    async with (
        live_system(database_url, db_pool, smtp_port=smtp.port) as system,
        api_process(system) as api,
    ):
        await run_load(system, api, db_pool, database, smtp)


async def run_load(
    system: LiveSystem, api: ApiProcess, pool: DatabasePool, database: str, smtp: SwitchableSmtp
) -> None:
    roster = await make_roster(pool, peers=EPISODES, capacity=2)
    async with pool.acquire() as conn:
        _, token = await create_token(
            conn, name="load", role="integration", ttl=None, organisations=[roster.organisation_id]
        )
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(
        base_url=api.url,
        headers={"Authorization": f"Bearer {token}"},
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=30),
    ) as http:
        episode_ids = [await refer(http, roster) for _ in range(EPISODES)]
        await wait_for_offers(pool, episode_ids, timeout=120)

        sent = Sent()
        faults = Faults(system, api, pool, database)
        began = time.monotonic()
        offered, referral_ids, _ = await asyncio.gather(
            offered_load(http, episode_ids, sent, LOAD_SECONDS),
            referrals_during_load(http, roster, sent, LOAD_SECONDS),
            faults.run(LOAD_SECONDS),
        )
        load_seconds = time.monotonic() - began
        late_episodes = [sent.accepted[e] for e in referral_ids if e in sent.accepted]
        await wait_for_offers(pool, late_episodes, timeout=300)
        await wait_for_mail(pool, episode_ids + late_episodes, timeout=300)
        episode_ids += late_episodes

    accepted = [e for e, episode in sent.accepted.items() if e.startswith("load-")]
    converged_in = await wait_until_applied(pool, accepted, timeout=300)
    effects = await pool.fetch(
        "SELECT detail->>'event_id' AS event_id, count(*) AS n FROM audit_log"
        " WHERE action = 'event.risk_changed' AND detail->>'event_id' = ANY($1)"
        " GROUP BY 1",
        accepted + sent.given_up,
    )
    effect_count = {r["event_id"]: r["n"] for r in effects}
    lost = [e for e in accepted if effect_count.get(e, 0) == 0]
    duplicated = [e for e, n in effect_count.items() if n > 1]
    applied = sum(1 for e in accepted if effect_count.get(e, 0) == 1)
    statuses = Counter(
        r["status"]
        for r in await pool.fetch(
            "SELECT status FROM events_received WHERE event_id = ANY($1)", accepted
        )
    )
    agreed_in, disagreeing = await until_read_models_agree(system, pool, episode_ids, CONVERGE)
    workflow_tasks = await WorkflowTasks.of(system, episode_ids)
    mail_ids = smtp.message_ids()
    sent_mail_rows = await pool.fetch(
        "SELECT notification_id, user_id FROM outbox WHERE channel = 'email' AND status = 'sent'"
        " AND episode_id = ANY($1)",
        episode_ids,
    )
    mails = Mails.of(smtp.mailbox, sent_mail_rows)
    report = [
        f"load: {RATE:.0f} ev/s for {LOAD_SECONDS:.0f} s + 2 bursts of {BURST}, "
        f"{EPISODES} episodes, {LATE_REFERRALS} more referred during it; "
        f"took {load_seconds:.0f} s",
        *faults.log,
        f"events offered {offered}, accepted {len(accepted)}, given up {len(sent.given_up)}; "
        f"answers to all sends incl. referrals {dict(sent.answers)}",
        f"sends {sum(sent.attempts.values())}, retried events "
        f"{sum(1 for n in sent.attempts.values() if n > 1)}, failures {dict(sent.failures)}",
        f"applied {applied}, lost {len(lost)}, duplicated {len(duplicated)}; "
        f"all applied {converged_in:.0f} s after the load; rows {dict(statuses)}",
        f"read model equal to the workflow in {len(episode_ids) - len(disagreeing)} of "
        f"{len(episode_ids)} episodes, {agreed_in:.0f} s after the load",
        f"e-mail: {len(mail_ids)} received, {len(set(mail_ids))} distinct Message-IDs, "
        f"{len(sent_mail_rows)} outbox rows sent, {mails.lost} of them never received, "
        f"{mails.duplicated} received again",
        f"PostgreSQL connections terminated: {faults.connections_killed}; worker kills "
        f"{system.worker_kills}; API kills {api.kills}; "
        f"dev server restarts {system.server_restarts}",
        str(workflow_tasks),
    ]
    figures("load with faults", "\n".join(report))
    assert not sent.unexpected, f"answers other than 202/503: {sent.unexpected[:5]}"
    assert not sent.given_up, f"{len(sent.given_up)} events were never accepted"
    assert lost == [], f"{len(lost)} accepted events had no effect"
    assert duplicated == [], f"{len(duplicated)} events had more than one effect"
    assert converged_in != float("inf"), f"not all accepted events applied: {dict(statuses)}"
    assert disagreeing == {}, f"read model and workflow disagree: {disagreeing}"
    assert len(mail_ids) == len(set(mail_ids)) == len(sent_mail_rows), "each mail sent once"
    assert mails.lost == mails.duplicated == 0, "each sent outbox row's own mail arrived once"
