"""Nothing lost, nothing sent twice: mail and SMS channels that are down, refuse or hang while
real episodes run in a real worker process against a real dev server."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from temporalio.api.activity.v1 import ActivityOptions
from temporalio.api.common.v1 import RetryPolicy, WorkflowExecution
from temporalio.api.workflowservice.v1 import UpdateActivityOptionsRequest

from activities.channels.sms import SmsGatewayError, SmsSender
from activities.messages import delivery_key
from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from schemas.tasks import TaskKind
from tests.faults.live_system import (
    LiveSystem,
    Mails,
    OutboxWatch,
    RowHistory,
    SwitchableSmtp,
    figures,
    live_system,
)
from tests.faults.webhook import Answer, SmsGateway, sms_gateway
from workers.starter import start_episode

pytestmark = pytest.mark.slow

EPISODES = 4
# The first retry of a delivery comes 10 s after the failure (workflows/episode.py
# DELIVERY_RETRY); seen through a 0.2 s poll, anything under 5 s would be no backoff at all.
MIN_SPACING = 5.0


@pytest.fixture
async def gateway() -> AsyncIterator[SmsGateway]:
    async with sms_gateway() as fake:
        yield fake


async def start_episodes(system: LiveSystem, db_pool: DatabasePool, roster: Roster) -> list[str]:
    """One referral per peer; each episode offers itself to a peer, which is mailed (and texted)."""
    return [
        await start_episode(
            system.client, db_pool, referral(roster), task_queue=system.settings.task_queue
        )
        for _ in roster.peers
    ]


async def give_peers_phones(db_pool: DatabasePool, roster: Roster) -> None:
    await db_pool.execute(
        "UPDATE users SET phone = '+4520' || lpad((abs(hashtext(user_id)) % 1000000)::text, 6, '0')"
        " WHERE user_id = ANY($1)",
        roster.peers,
    )


def channel(rows: list[asyncpg.Record], name: str) -> list[asyncpg.Record]:
    return [r for r in rows if r["channel"] == name]


def each(
    name: str, count: int, check: Callable[[asyncpg.Record], bool]
) -> Callable[[list[asyncpg.Record]], bool]:
    """The outbox holds `count` rows of the channel, and the check holds for each of them."""

    def holds(rows: list[asyncpg.Record]) -> bool:
        mine = channel(rows, name)
        return len(mine) >= count and all(check(r) for r in mine)

    return holds


def sent(row: asyncpg.Record) -> bool:
    return bool(row["status"] == "sent")


def key_of(row: asyncpg.Record) -> str:
    return delivery_key(row["notification_id"], row["user_id"])


def history(watch: OutboxWatch, row: asyncpg.Record) -> RowHistory:
    return watch.rows[(row["notification_id"], row["user_id"], row["channel"])]


def spaced(times: list[float]) -> bool:
    return all(later - earlier >= MIN_SPACING for earlier, later in itertools.pairwise(times))


def one_mail_each(smtp: SwitchableSmtp, rows: list[asyncpg.Record]) -> Mails:
    """Exactly one mail arrived for each of these outbox rows (asserted)."""
    mails = Mails.of(smtp.mailbox, rows)
    assert set(mails.per_row.values()) == {1}, f"exactly one mail per outbox row: {mails.per_row}"
    return mails


async def no_failed_delivery_tasks(system: LiveSystem, episode_ids: list[str]) -> None:
    for episode_id in episode_ids:
        view = await system.until(episode_id, lambda v: True, "an answer", timeout=30)
        assert TaskKind.NOTIFICATION_FAILED not in {t.kind for t in view.open_tasks}


@contextlib.asynccontextmanager
async def watched_offers(
    database_url: str,
    db_pool: DatabasePool,
    smtp: SwitchableSmtp,
    gateway: SmsGateway | None = None,
) -> AsyncIterator[OutboxWatch]:
    """EPISODES episodes, each offering itself to a peer of its own who is mailed (and, with a
    gateway, texted: the peers have phones); their outbox rows watched while the block runs.
    Afterwards no episode may have given a delivery up (a notification_failed task)."""
    sms_webhook_url = gateway.url if gateway is not None else None
    async with live_system(
        database_url, db_pool, smtp_port=smtp.port, sms_webhook_url=sms_webhook_url
    ) as system:
        roster = await make_roster(db_pool, peers=EPISODES)
        if gateway is not None:
            await give_peers_phones(db_pool, roster)
        ids = await start_episodes(system, db_pool, roster)
        async with OutboxWatch(db_pool, ids) as watch:
            yield watch
        await no_failed_delivery_tasks(system, ids)


def report(
    name: str, rows: list[asyncpg.Record], watch: OutboxWatch, started: float, **extra: int
) -> None:
    retries = sum(r["attempts"] - 1 for r in rows)
    extras = ", ".join(f"{k} {v}" for k, v in extra.items())
    figures(
        name,
        f"{name}: episodes {len(watch.episode_ids)}, outbox rows {len(rows)}, retries "
        f"{retries}, {extras}, lost 0, {time.monotonic() - started:.0f} s",
    )


async def test_mail_server_down_then_up_delivers_every_mail_exactly_once(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    started = time.monotonic()
    async with watched_offers(database_url, db_pool, smtp) as watch:
        await watch.until(
            each("email", EPISODES, lambda r: r["attempts"] >= 2),
            "every mail tried twice while nothing listens",
            timeout=120,
        )
        smtp.up()
        rows = await watch.until(
            each("email", EPISODES, sent),
            "every mail sent once the server is back",
            timeout=180,
        )

    for row in rows:
        seen = history(watch, row)
        assert "ConnectionRefusedError" in seen.errors(), "the refused connection is recorded"
        assert row["attempts"] >= 3, "two failed attempts, then the one that went through"
        assert spaced(seen.attempt_times()), f"retries back off: {seen.attempt_times()}"
    mails = one_mail_each(smtp, rows)
    report("SMTP down then up", rows, watch, started, mails=mails.received, duplicated=0)


async def test_mail_refused_permanently_then_temporarily_then_accepted_arrives_exactly_once(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    started = time.monotonic()
    smtp.mailbox.reply = "554 5.3.0 Mail system unavailable"
    smtp.up()
    async with watched_offers(database_url, db_pool, smtp) as watch:
        await watch.until(
            each("email", EPISODES, lambda r: r["last_error"] == "SMTP 554"),
            "every mail refused with 554",
            timeout=120,
        )
        smtp.mailbox.reply = "451 4.3.0 Try again later"
        await watch.until(
            each("email", EPISODES, lambda r: r["last_error"] == "SMTP 451"),
            "every mail refused with 451",
            timeout=120,
        )
        smtp.mailbox.reply = None
        rows = await watch.until(
            each("email", EPISODES, sent),
            "every mail accepted",
            timeout=180,
        )

    for row in rows:
        seen = history(watch, row)
        refusals = [r for r in smtp.mailbox.refusals if key_of(row) in r.message_id]
        assert [r.reply for r in refusals][:1] == ["554"] and refusals[-1].reply == "451"
        assert spaced([r.at for r in refusals]), "the server saw the retries come spaced out"
        assert spaced(seen.attempt_times()), f"retries back off: {seen.attempt_times()}"
    mails = one_mail_each(smtp, rows)
    report(
        "SMTP 554/451 then OK",
        rows,
        watch,
        started,
        refusals=len(smtp.mailbox.refusals),
        mails=mails.received,
        duplicated=0,
    )


async def test_sms_gateway_failing_then_hanging_then_ok_sends_every_sms_exactly_once(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp, gateway: SmsGateway
) -> None:
    started = time.monotonic()
    smtp.up()
    gateway.answer = Answer.ERROR
    async with watched_offers(database_url, db_pool, smtp, gateway) as watch:
        await watch.until(
            each("sms", EPISODES, lambda r: r["attempts"] >= 1),
            "every SMS answered 500",
            timeout=120,
        )
        gateway.answer = Answer.HANG
        await watch.until(
            each("sms", EPISODES, lambda r: r["last_error"] == "SMS gateway timeout"),
            "every SMS timed out",
            timeout=120,
        )
        gateway.answer = Answer.OK
        rows = await watch.until(
            lambda rows: each("sms", EPISODES, sent)(rows) and each("email", EPISODES, sent)(rows),
            "every SMS and mail sent",
            timeout=180,
        )

    texts, mails = channel(rows, "sms"), channel(rows, "email")
    assert len(texts) == len(mails) == EPISODES
    for row in texts:
        hits = gateway.of(key_of(row))
        answers = [h.answer for h in hits]
        assert answers[0] == Answer.ERROR and answers[-1] == Answer.OK
        assert Answer.HANG in answers
        assert all(h.gave_up_after is not None for h in hits if h.answer == Answer.HANG), (
            "the channel's own timeout hung up on the silent gateway"
        )
        assert spaced([h.at for h in hits]), "the gateway saw the retries come spaced out"
        assert "SMS gateway answered HTTP 500" in history(watch, row).errors()
    delivered = gateway.delivered()
    assert {delivered[key_of(r)] for r in texts} == {1}, "exactly one SMS per outbox row"
    assert sum(delivered.values()) == len(texts), "and none for anything else"
    assert [r["attempts"] for r in mails] == [1] * EPISODES, "mail is not sent again on SMS retries"
    one_mail_each(smtp, mails)
    report(
        "SMS 500, hang, then OK",
        rows,
        watch,
        started,
        gateway_hits=len(gateway.hits),
        sms=sum(delivered.values()),
        mails=len(smtp.mailbox.messages),
        duplicated=0,
    )


async def shorten_delivery_retries(system: LiveSystem, episode_id: str) -> None:
    """What an operator can do for a stuck delivery: retry it every second instead of backing
    off for an hour. The 8-attempt limit stays; only the wait between attempts changes."""
    second = Duration(seconds=1)
    await system.client.workflow_service.update_activity_options(
        UpdateActivityOptionsRequest(
            namespace=system.settings.temporal_namespace,
            execution=WorkflowExecution(workflow_id=episode_id),
            type="deliver_notification",
            activity_options=ActivityOptions(
                retry_policy=RetryPolicy(
                    initial_interval=second, maximum_interval=second, backoff_coefficient=1.0
                )
            ),
            update_mask=FieldMask(
                paths=[
                    "retry_policy.initial_interval",
                    "retry_policy.maximum_interval",
                    "retry_policy.backoff_coefficient",
                ]
            ),
        )
    )


async def test_sms_gateway_that_stays_broken_becomes_a_visible_task_for_the_coordinator(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp, gateway: SmsGateway
) -> None:
    started = time.monotonic()
    smtp.up()
    gateway.answer = Answer.ERROR
    async with live_system(
        database_url, db_pool, smtp_port=smtp.port, sms_webhook_url=gateway.url
    ) as system:
        roster = await make_roster(db_pool, peers=1)
        await give_peers_phones(db_pool, roster)
        [episode_id] = await start_episodes(system, db_pool, roster)
        watch = OutboxWatch(db_pool, [episode_id])
        await watch.until(
            each("sms", 1, lambda r: r["attempts"] >= 1),
            "the SMS refused once",
            timeout=120,
        )
        await shorten_delivery_retries(system, episode_id)
        view = await system.until(
            episode_id,
            lambda v: TaskKind.NOTIFICATION_FAILED in {t.kind for t in v.open_tasks},
            "a notification_failed task",
            timeout=120,
        )
        rows = await watch.until(
            lambda rows: any(
                r["template"] == "notification_failed" and r["status"] == "sent" for r in rows
            ),
            "the coordinator mailed about it",
            timeout=120,
        )
        async with db_pool.acquire() as conn:
            timeline = await conn.fetch(
                "SELECT kind, summary FROM timeline WHERE episode_id = $1", episode_id
            )
            tasks = await conn.fetch(
                "SELECT assignee_role, assignee_id, status FROM tasks"
                " WHERE episode_id = $1 AND kind = 'notification_failed'",
                episode_id,
            )

    [task] = [t for t in view.open_tasks if t.kind == TaskKind.NOTIFICATION_FAILED]
    assert (task.assignee.role.value, task.assignee.id) == ("coordinator", roster.organisation_id)
    assert [tuple(t) for t in tasks] == [("coordinator", roster.organisation_id, "open")], (
        "the coordinator's task is in the read model, so the inbox and pages show it"
    )
    assert ("delivery", "A notification could not be delivered") in [tuple(t) for t in timeline]
    [text] = [r for r in channel(rows, "sms") if r["template"] == "offer"]
    assert text["attempts"] == 8, "every allowed attempt was made"
    # Stays 'pending' today: nothing writes the outbox's 'failed' status (see the report).
    assert text["status"] != "sent" and text["last_error"] == "SMS gateway answered HTTP 500"
    assert len(gateway.of(key_of(text))) == 8
    assert gateway.delivered()[key_of(text)] == 0
    [offer_mail] = [r for r in channel(rows, "email") if r["template"] == "offer"]
    assert offer_mail["attempts"] == 1, "the peer's mail went out once, at the first attempt"
    coordinator_mails = [
        r for r in channel(rows, "email") if r["template"] == "notification_failed"
    ]
    one_mail_each(smtp, [offer_mail, *coordinator_mails])
    figures(
        "SMS broken past the limit",
        f"SMS broken past the limit: attempts {text['attempts']}, coordinator mails "
        f"{len(coordinator_mails)}, {time.monotonic() - started:.0f} s",
    )


@pytest.mark.parametrize("answer", [Answer.HANG, Answer.DRIP])
async def test_sms_gateway_that_does_not_answer_in_time_fails_the_attempt(
    gateway: SmsGateway, answer: Answer
) -> None:
    """A silent gateway and one that drips its answer byte by byte both end at the channel's
    timeout (a per-read timeout alone would let the drip go on for as long as it likes)."""
    gateway.answer = answer
    async with httpx.AsyncClient() as http:
        sms = SmsSender(gateway.url, http, timeout=1.5)
        with pytest.raises(SmsGatewayError, match="SMS gateway timeout"):
            await sms.send(to="+4520000000", text="Du har en ny opgave", message_id="m-1")
    [hit] = gateway.hits
    for _ in range(20):
        if hit.gave_up_after is not None:
            break
        await asyncio.sleep(0.1)
    assert hit.gave_up_after is not None and hit.gave_up_after < gateway.hang_for
