"""Nothing lost when PostgreSQL fails: its connections killed mid-run, then the database away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.common import RetryPolicy

from api.auth import SESSION_COOKIE
from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster
from db.access import create_session
from db.connection import PooledConnection
from db.pool import DatabasePool, create_pool
from hverdagsbro.settings import Settings
from schemas.commit import CommitResult
from schemas.episode import EpisodeOutcome, EpisodeView, Phase
from schemas.events import Discharged, DischargePlanned, DischargePlannedPayload, EpisodeEvent
from schemas.people import Actor, Role
from schemas.tasks import DecisionAction, NetworkMeetingBooked, TaskDecision, TaskKind, TaskResult
from tests.conftest import SmtpServer
from tests.faults.live_system import (
    LiveSystem,
    Mails,
    api_process,
    figures,
    live_system,
    read_model_differences,
)
from tests.faults.tcp_proxy import TcpProxy
from workers.starter import start_episode
from workflows.calls import DATABASE_RETRY, DELIVERY_RETRY
from workflows.episode import EpisodeWorkflow

pytestmark = pytest.mark.slow

EPISODES = 8
# Generous: other test runs share this 2-core machine.
PATIENCE = 240.0
# While the database is away the API must say so (503) at least this fast, never hang.
ANSWER_WITHIN = 10.0
# The test's own connections carry this name, so the killing leaves the observer alone.
HARNESS = "hverdagsbro-fault-harness"
# At least this long, so deliveries retried after their first backoff (10 s) meet it too.
KILLING_FOR = 25.0
KILL = """
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1
"""

Handle = WorkflowHandle[EpisodeWorkflow, EpisodeOutcome]


# ---------------------------------------------------------------- driving episodes


@dataclass
class Journey:
    """One episode driven as people would: offer accepted, the ward's tasks before discharge,
    discharge, first contact. Every step is a commit, most of them send mail."""

    system: LiveSystem
    episode_id: str
    roster: Roster

    @property
    def handle(self) -> Handle:
        return self.system.handle(self.episode_id)

    async def run(self) -> None:
        await self.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
        await self.decide(TaskKind.DISCHARGE_AGREEMENT)
        await self.decide(TaskKind.COORDINATION_PLAN)
        meeting = NetworkMeetingBooked(meeting_on=date.today() + timedelta(days=3))
        await self.decide(TaskKind.NETWORK_MEETING, result=meeting)
        now, ward = datetime.now(UTC), Actor(role=Role.WARD, id=self.roster.ward_nurse)
        await self.tell(
            DischargePlanned(
                event_id=f"plan-{uuid.uuid4().hex}",
                occurred_at=now,
                actor=ward,
                payload=DischargePlannedPayload(planned_for=now.date()),
            )
        )
        await self.tell(Discharged(event_id=f"dis-{uuid.uuid4().hex}", occurred_at=now, actor=ward))
        await self.decide(TaskKind.FIRST_CONTACT)
        await self.until(lambda v: v.phase == Phase.FOLLOW_UP, "follow_up")

    async def view(self) -> EpisodeView:
        return await self.handle.query(EpisodeWorkflow.view)

    async def until(self, check: Callable[[EpisodeView], bool], what: str) -> EpisodeView:
        """Poll the workflow's own state; queries that fail while the database is away are
        tried again."""
        return await self.system.until(self.episode_id, check, what, PATIENCE)

    async def decide(
        self,
        kind: TaskKind,
        action: DecisionAction = DecisionAction.COMPLETE,
        result: TaskResult | None = None,
    ) -> None:
        task = await self.system.open_task(self.episode_id, kind, PATIENCE)
        actor = (
            Actor(role=Role.PEER, id=task.assignee.id)
            if task.assignee.role == Role.PEER
            else Actor(role=Role.WARD, id=self.roster.ward_nurse)
        )
        decision = TaskDecision(task_id=task.task_id, action=action, actor=actor, result=result)
        await self.handle.execute_update(EpisodeWorkflow.decide_task, decision)

    async def tell(self, event: EpisodeEvent) -> None:
        await self.handle.signal(EpisodeWorkflow.record_event, event)


async def start_journeys(system: LiveSystem, pool: DatabasePool, count: int) -> list[Journey]:
    """`count` episodes referred to a roster of their own, one peer slot each."""
    roster = await make_roster(pool, peers=count, capacity=2)
    journeys = []
    for _ in range(count):
        episode_id = await start_episode(
            system.client, pool, referral(roster), task_queue=system.settings.task_queue
        )
        journeys.append(Journey(system, episode_id, roster))
    return journeys


# ---------------------------------------------------------------- the system under test


@contextlib.asynccontextmanager
async def observed_system(
    database_url: str, smtp: SmtpServer, *, process_database_url: str | None = None
) -> AsyncIterator[tuple[LiveSystem, DatabasePool, str]]:
    """Dev server, worker and `hverdagsbro api` reaching PostgreSQL at process_database_url
    (e.g. a proxy), and the test's own pool straight to the database (never killed)."""
    pool = await create_pool(
        database_url,
        give_up_after=Settings().database_timeout,
        max_size=10,
        application_name=HARNESS,
    )
    try:
        async with (
            live_system(process_database_url or database_url, pool, smtp_port=smtp.port) as system,
            api_process(system) as api,
        ):
            yield system, pool, api.url
    finally:
        await pool.close()


async def failed_activity_attempts(system: LiveSystem) -> int:
    """The worker's own count (Temporal SDK metrics) of activity attempts that failed."""
    url = f"http://127.0.0.1:{system.env['HVERDAGSBRO_SDK_METRICS_PORT']}/metrics"
    async with httpx.AsyncClient(timeout=10.0) as http:
        text = (await http.get(url)).text
    names = ("temporal_activity_execution_failed", "temporal_local_activity_execution_failed")
    return int(
        sum(
            float(line.rpartition(" ")[2])
            for line in text.splitlines()
            if line.split("{")[0].split(" ")[0].removesuffix("_total") in names
        )
    )


# ---------------------------------------------------------------- the API while it happens


@dataclass
class Probe:
    """One API call: when it started (loop time), how long it took, what came back."""

    at: float
    took: float
    status: int | None
    retry_after: str | None = None
    detail: str = ""

    @property
    def ended(self) -> float:
        return self.at + self.took


async def probe_api(
    api_url: str, pool: DatabasePool, roster: Roster, stop: asyncio.Event
) -> list[Probe]:
    """The coordinator's task inbox, asked twice a second until `stop`, each call on its own
    (as many users would): a call that hangs does not hold back the next one, so every
    moment of an outage is probed, and the API has to stay bounded with calls piling up."""
    async with pool.acquire() as conn:
        session, _ = await create_session(conn, roster.coordinator, timedelta(hours=1))
    probes: list[Probe] = []
    loop = asyncio.get_running_loop()
    headers = {"Cookie": f"{SESSION_COOKIE}={session}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)

    async def one(http: httpx.AsyncClient) -> None:
        at = loop.time()
        try:
            response = await http.get("/api/tasks")
        except httpx.TransportError:
            probes.append(Probe(at, loop.time() - at, None))
            return
        detail = ""
        if response.status_code != 200:
            with contextlib.suppress(ValueError):
                detail = str(response.json().get("detail", ""))
        retry_after = response.headers.get("retry-after")
        probes.append(Probe(at, loop.time() - at, response.status_code, retry_after, detail))

    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers, timeout=60, limits=limits) as http,
        asyncio.TaskGroup() as calls,
    ):
        while not stop.is_set():
            calls.create_task(one(http))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    return sorted(probes, key=lambda probe: probe.at)


def assert_said_unavailable(probe: Probe) -> None:
    assert probe.status == 503, probe
    assert probe.took < ANSWER_WITHIN, probe
    assert probe.retry_after is not None and int(probe.retry_after) > 0, probe
    assert "database is unavailable" in probe.detail, probe


# ---------------------------------------------------------------- what the workflow recorded


@dataclass
class Recorded:
    """What an episode's history says: its commits in order, and how hard each activity had
    to try."""

    commits: list[CommitResult] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    pending_activities: int = 0
    # Activities whose last attempt started sooner than their retry policy allows.
    hurried: list[str] = field(default_factory=list)


RETRY_POLICIES = {"deliver_notification": DELIVERY_RETRY}


def least_wait(policy: RetryPolicy, attempt: int) -> timedelta:
    """The shortest time the policy lets pass between scheduling and `attempt`."""
    most = policy.maximum_interval or timedelta.max
    return sum(
        (
            min(policy.initial_interval * policy.backoff_coefficient**n, most)
            for n in range(attempt - 1)
        ),
        timedelta(0),
    )


async def recorded(client: Client, handle: Handle) -> Recorded:
    """A commit is a local activity: a marker records its attempt and result. An activity's
    start event records its last attempt and when that began."""
    history = await handle.fetch_history()
    found = Recorded()
    scheduled: dict[int, tuple[str, datetime]] = {}
    results: list[Payloads] = []
    for event in history.events:
        match event.event_type:
            case EventType.EVENT_TYPE_MARKER_RECORDED:
                marker = event.marker_recorded_event_attributes
                if marker.marker_name != "core_local_activity":
                    continue
                data = json.loads(marker.details["data"].payloads[0].data)
                found.retries[data["activity_type"]] += int(data["attempt"]) - 1
                if data["activity_type"] == "commit_episode":
                    results.append(marker.details["result"])
            case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                scheduled[event.event_id] = (name, event.event_time.ToDatetime())
            case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                started = event.activity_task_started_event_attributes
                name, at = scheduled[started.scheduled_event_id]
                found.retries[name] += started.attempt - 1
                policy = RETRY_POLICIES.get(name, DATABASE_RETRY)
                if event.event_time.ToDatetime() - at < least_wait(policy, started.attempt) * 0.9:
                    found.hurried.append(f"{name} attempt {started.attempt}")
    for payloads in results:
        [result] = await client.data_converter.decode(payloads.payloads, [CommitResult])
        found.commits.append(result)
    description = await handle.describe()
    found.pending_activities = len(description.raw_description.pending_activities)
    return found


# ---------------------------------------------------------------- what the read model holds


@dataclass(frozen=True)
class Shape:
    """An episode's rows with the episode's own id taken out of theirs: the same journey
    leaves the same shape, however its commits were batched, retried or cut off."""

    timeline: tuple[tuple[str, str], ...]
    tasks: tuple[tuple[str, str, str], ...]
    audit: tuple[tuple[str, str], ...]
    outbox: tuple[tuple[str, str, str, str, str], ...]


async def shape(conn: PooledConnection, episode_id: str) -> Shape:
    def own(value: str) -> str:
        return value.removeprefix(f"{episode_id}-")

    rows = await conn.fetch("SELECT entry_id, kind FROM timeline WHERE episode_id = $1", episode_id)
    timeline = sorted((own(r["entry_id"]), r["kind"]) for r in rows)
    rows = await conn.fetch(
        "SELECT task_id, kind, status FROM tasks WHERE episode_id = $1", episode_id
    )
    tasks = sorted((own(r["task_id"]), r["kind"], r["status"]) for r in rows)
    rows = await conn.fetch(
        "SELECT audit_id, action FROM audit_log WHERE episode_id = $1", episode_id
    )
    audit = sorted((own(r["audit_id"]), r["action"]) for r in rows)
    rows = await conn.fetch(
        "SELECT notification_id, template, recipient_role, channel, status FROM outbox"
        " WHERE episode_id = $1",
        episode_id,
    )
    outbox = sorted(
        (own(r["notification_id"]), r["template"], r["recipient_role"], r["channel"], r["status"])
        for r in rows
    )
    return Shape(tuple(timeline), tuple(tasks), tuple(audit), tuple(outbox))


async def disagreements(conn: PooledConnection, view: EpisodeView, history: Recorded) -> list[str]:
    """Where the read model differs from the workflow: a lost, repeated, half-written or stale
    commit shows up here."""
    eid, found = view.episode_id, []
    seqs = [c.commit_seq for c in history.commits]
    if seqs != list(range(1, len(seqs) + 1)):
        found.append(f"{eid}: commits recorded out of order or twice: {seqs}")
    if history.pending_activities:
        found.append(f"{eid}: {history.pending_activities} activities still pending")
    found += [f"{eid}: {d}" for d in await read_model_differences(conn, view)]
    row = await conn.fetchrow("SELECT commit_seq FROM episodes WHERE episode_id = $1", eid)
    if row is None:
        return found
    if row["commit_seq"] != len(seqs):
        found.append(f"{eid}: read model at commit {row['commit_seq']}, workflow at {len(seqs)}")
    later = await conn.fetchval(
        "SELECT count(*) FROM (SELECT commit_seq FROM tasks WHERE episode_id = $1"
        " UNION ALL SELECT commit_seq FROM timeline WHERE episode_id = $1) AS rows"
        " WHERE commit_seq > $2",
        eid,
        row["commit_seq"],
    )
    if later:
        found.append(f"{eid}: {later} rows from commits the episode row does not have")
    pending = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE episode_id = $1 AND status = 'pending'", eid
    )
    if pending:
        found.append(f"{eid}: {pending} outbox rows not delivered yet")
    return found


@dataclass
class Convergence:
    histories: dict[str, Recorded]
    email_rows: list[asyncpg.Record]
    seconds: float


async def converge(
    pool: DatabasePool, client: Client, journeys: list[Journey], since: float
) -> Convergence:
    """Wait until every read model agrees with its workflow and every message is out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while True:
        histories: dict[str, Recorded] = {}
        found: list[str] = []
        async with pool.acquire() as conn:
            for journey in journeys:
                history = await recorded(client, journey.handle)
                histories[journey.handle.id] = history
                found += await disagreements(conn, await journey.view(), history)
        if not found:
            break
        if loop.time() > deadline:
            raise AssertionError("read models never converged:\n" + "\n".join(found))
        await asyncio.sleep(1.0)
    seconds = loop.time() - since
    email_rows = await pool.fetch(
        "SELECT notification_id, user_id FROM outbox WHERE episode_id = ANY($1)"
        " AND channel = 'email'",
        list(histories),
    )
    return Convergence(histories, email_rows, seconds)


async def assert_same_rows_as_quiet_run(
    pool: DatabasePool, quiet: Journey, journeys: list[Journey]
) -> None:
    """Each episode holds exactly the rows the same journey left without faults."""
    async with pool.acquire() as conn:
        expected = await shape(conn, quiet.handle.id)
        for journey in journeys:
            assert await shape(conn, journey.handle.id) == expected, journey.handle.id


async def assert_one_slot_per_episode(pool: DatabasePool, roster: Roster) -> None:
    load = await pool.fetchval(
        "SELECT sum(active_load) FROM peers WHERE peer_id = ANY($1)", roster.peers
    )
    assert load == EPISODES, "each episode holds exactly one peer slot"


def assert_nothing_lost(convergence: Convergence, smtp: SmtpServer) -> tuple[int, int]:
    """Activities were retried, with backoff; every e-mail arrived. Returns (lost, duplicated):
    duplicates are asserted after the figures are printed (assert_sent_once)."""
    histories = convergence.histories.values()
    hurried = [h for e in histories for h in e.hurried]
    assert not hurried, f"retried without backing off: {hurried}"
    assert sum(sum(e.retries.values()) for e in histories) > 0, "cut-off activities retried"
    assert convergence.email_rows, "the journeys sent mail"
    mails = Mails.of(smtp.mailbox, convergence.email_rows)
    assert mails.lost == 0, f"{mails.lost} of {len(convergence.email_rows)} e-mails never arrived"
    return mails.lost, mails.duplicated


def assert_sent_once(duplicated: int) -> None:
    # The worker is alive and knows it sent: unlike a SIGKILLed worker (test_worker_killed.py),
    # a dead database connection is no excuse for sending again.
    assert duplicated == 0, (
        f"{duplicated} e-mails arrived twice: a delivery whose connection died after the SMTP "
        "server's OK did not record 'sent', so its retry sent again"
    )


def report(title: str, convergence: Convergence, **counts: object) -> None:
    retries: Counter[str] = Counter()
    for history in convergence.histories.values():
        retries.update(history.retries)
    commits = [c for h in convergence.histories.values() for c in h.commits]
    again = sum(not c.applied for c in commits)
    figures(
        title,
        f"{title}: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
        + f"; activity retries {sum(retries.values())} {dict(+retries)}"
        + f"; converged {convergence.seconds:.1f} s after the fault"
        + f"; episodes checked {len(convergence.histories)}, commits {len(commits)}"
        + f" ({again} re-run after they had landed, changing nothing)"
        + f", e-mails {len(convergence.email_rows)}",
    )


# ---------------------------------------------------------------- the tests


@dataclass
class Scenario:
    """One quiet episode for reference, then EPISODES driven at once while the API is asked
    for the coordinator's inbox."""

    quiet: Journey
    journeys: list[Journey]
    driving: asyncio.Future[list[None]]
    probing: asyncio.Task[list[Probe]]
    stop_probing: asyncio.Event

    @property
    def roster(self) -> Roster:
        return self.journeys[0].roster

    @classmethod
    async def begin(cls, system: LiveSystem, pool: DatabasePool, api_url: str) -> Scenario:
        [quiet] = await start_journeys(system, pool, 1)
        await quiet.run()
        journeys = await start_journeys(system, pool, EPISODES)
        stop = asyncio.Event()
        probing = asyncio.create_task(probe_api(api_url, pool, journeys[0].roster, stop))
        driving = asyncio.gather(*(j.run() for j in journeys))
        return cls(quiet, journeys, driving, probing, stop)

    async def under_way(self, pool: DatabasePool) -> None:
        """Until the first episode is in pre_discharge: the others are mid-journey then."""
        ids = [j.handle.id for j in self.journeys]
        deadline = asyncio.get_running_loop().time() + PATIENCE
        while not await pool.fetchval(
            "SELECT count(*) FROM episodes WHERE episode_id = ANY($1) AND phase = $2",
            ids,
            Phase.PRE_DISCHARGE.value,
        ):
            assert asyncio.get_running_loop().time() < deadline, "no episode got under way"
            await asyncio.sleep(0.05)
        assert not self.driving.done(), "the journeys were over before the fault"

    async def settle(
        self, system: LiveSystem, pool: DatabasePool, smtp: SmtpServer, since: float
    ) -> tuple[Convergence, list[Probe], int, int]:
        """Every episode in follow_up, its read model converged and the same as the quiet
        one's, nothing lost. Returns the convergence, the API's answers, lost and duplicated
        e-mails (duplicates are asserted once the figures are printed)."""
        await asyncio.wait_for(self.driving, PATIENCE)
        convergence = await converge(pool, system.client, [self.quiet, *self.journeys], since)
        self.stop_probing.set()
        probes = await self.probing
        await assert_same_rows_as_quiet_run(pool, self.quiet, self.journeys)
        lost, duplicated = assert_nothing_lost(convergence, smtp)
        await assert_one_slot_per_episode(pool, self.roster)
        return convergence, probes, lost, duplicated


async def test_killed_database_connections_lose_nothing_and_write_nothing_twice(
    database_url: str, smtp_server: SmtpServer
) -> None:
    async with observed_system(database_url, smtp_server) as (system, pool, api_url):
        scenario = await Scenario.begin(system, pool, api_url)

        # Kill every connection of the worker and the API, again and again, while offers,
        # decisions, commits and deliveries are under way.
        loop = asyncio.get_running_loop()
        killing_until = loop.time() + KILLING_FOR
        rounds = killed = 0
        while not scenario.driving.done() or loop.time() < killing_until:
            killed += await pool.fetchval(KILL, HARNESS)
            rounds += 1
            await asyncio.sleep(random.uniform(0.2, 1.0))
        last_kill = loop.time()

        convergence, probes, lost, duplicated = await scenario.settle(
            system, pool, smtp_server, since=last_kill
        )
        assert killed > EPISODES, "the worker's and the API's connections were killed"
        answers = Counter(p.status for p in probes)
        assert set(answers) <= {200, 500, 503}, answers
        for probe in probes:
            assert probe.took < ANSWER_WITHIN, probe
            if probe.status == 503:
                assert_said_unavailable(probe)
        assert probes[-1].status == 200, probes[-1]
        report(
            "connections killed",
            convergence,
            killed=killed,
            kill_rounds=rounds,
            failed_attempts_in_worker_metrics=await failed_activity_attempts(system),
            api_answers=dict(answers),
            lost=lost,
            duplicated=duplicated,
        )
        assert not answers[500], (
            "the API answered 500 where a killed connection means 503 (asyncpg raises "
            "InternalClientError for a pooled connection the server has just terminated)"
        )
        assert_sent_once(duplicated)


STALLED_FOR = 12.0
REFUSED_FOR = 12.0


def through(proxy: TcpProxy, database_url: str) -> str:
    """The same database URL, by way of the proxy."""
    parts = urlsplit(database_url)
    credentials, _, _ = parts.netloc.rpartition("@")
    address = f"{proxy.host}:{proxy.port}"
    return urlunsplit(parts._replace(netloc=f"{credentials}@{address}" if credentials else address))


async def test_database_away_for_a_while_api_says_503_quickly_and_nothing_is_lost(
    database_url: str, smtp_server: SmtpServer
) -> None:
    server = urlsplit(database_url)
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 5432)
    await proxy.start()
    loop = asyncio.get_running_loop()
    try:
        async with observed_system(
            database_url, smtp_server, process_database_url=through(proxy, database_url)
        ) as (system, pool, api_url):
            scenario = await Scenario.begin(system, pool, api_url)

            # Mid-run, PostgreSQL goes away: first silent (hung, or the network dropping
            # packets: open connections just stop answering), then refusing (stopped), then
            # back.
            await scenario.under_way(pool)
            stalled_at = loop.time()
            await proxy.stall()
            await asyncio.sleep(STALLED_FOR)
            cut_at = loop.time()
            await proxy.cut()
            severed = proxy.severed
            await asyncio.sleep(REFUSED_FOR)
            restored_at = loop.time()
            await proxy.restore()

            convergence, probes, lost, duplicated = await scenario.settle(
                system, pool, smtp_server, since=restored_at
            )
            # A call made while the database was away, and answered (as it must be) within
            # ANSWER_WITHIN before it came back, can only have been told 503. Calls that were
            # under way when it went or came back may have either answer.
            away = [p for p in probes if stalled_at < p.at and p.at + ANSWER_WITHIN < restored_at]
            stalled = [p for p in away if p.at < cut_at]
            refused = [p for p in away if p.at > cut_at]
            assert len(stalled) >= 3 and len(refused) >= 3, (stalled, refused)
            for probe in stalled + refused:
                assert_said_unavailable(probe)
            before = [p for p in probes if p.ended < stalled_at]
            assert before and all(p.status == 200 for p in before), before
            after = [p for p in probes if p.at > restored_at]
            back = next((p for p in after if p.status == 200), None)
            assert back is not None, "the API answers again once the database is back"
            assert all(p.status == 200 for p in after if p.at > back.at), after
            for probe in probes:
                assert probe.took < ANSWER_WITHIN, probe
            report(
                "database away",
                convergence,
                connections_severed=severed,
                outage_seconds=round(restored_at - stalled_at, 1),
                api_503_answers=len(refused) + len(stalled),
                slowest_503_seconds=round(max(p.took for p in refused + stalled), 2),
                api_back_after_seconds=round(back.ended - restored_at, 1),
                failed_attempts_in_worker_metrics=await failed_activity_attempts(system),
                lost=lost,
                duplicated=duplicated,
            )
            assert_sent_once(duplicated)
    finally:
        await proxy.close()
