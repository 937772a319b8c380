"""The episode worker: activity instances wired to their dependencies, and the worker itself."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError
from temporalio.worker import Worker

import workflows
from activities.care_communication.sender import CareCommunicationSender
from activities.citizen_notices import CitizenNoticeChoices
from activities.courses import CourseActivities
from activities.episode_store import EpisodeStore
from activities.matching import PeerMatcher
from activities.medcom_transport.factory import transport_from_settings
from activities.medcom_transport.port import MedcomTransport
from activities.notifications import EmailSender, Notifier, SmsSender
from activities.peer_groups import PeerGroupActivities
from activities.roster_upkeep import RosterUpkeep
from activities.supervision import SupervisionActivities
from db.connection import CONNECTION_LOST
from db.pool import WORKER_POOL_SIZE, DatabasePool, create_pool
from hverdagsbro.metrics import Metrics
from hverdagsbro.metrics_discovery import scrape_targets
from hverdagsbro.metrics_ports import runtime_with_sdk_metrics, serve_our_metrics
from hverdagsbro.settings import WORKFLOW_TASK_SLOTS, Settings
from hverdagsbro.temporal_client import converter
from schemas.citizen_messages import configured_quiet_hours
from workers.course_starter import ensure_term_workflows
from workers.peer_group_starter import ensure_peer_group_workflows
from workers.read_model_metrics import collect_forever
from workers.roster_upkeep import ensure_roster_upkeep
from workers.sandbox_runner import CompiledOnceSandboxRunner
from workers.supervision_starter import ensure_group_workflows
from workflows.care_communication import CareCommunicationDelivery
from workflows.course_term import CourseTermWorkflow
from workflows.episode import EpisodeWorkflow
from workflows.peer_group import PeerGroupWorkflow
from workflows.roster_upkeep import RosterUpkeepWorkflow
from workflows.supervision_group import SupervisionGroupWorkflow

log = structlog.get_logger(__name__)


def episode_activities(
    pool: DatabasePool,
    settings: Settings,
    http: httpx.AsyncClient,
    metrics: Metrics | None = None,
    medcom: MedcomTransport | None = None,
) -> list[Callable[..., Any]]:
    """Every activity the episode workflow and its children call, bound to real
    dependencies. MedCom goes out through `medcom` when given (tests give a fake
    municipality), else through the transport the settings choose."""
    sms = SmsSender(settings.sms_webhook_url, http) if settings.sms_webhook_url else None
    email = EmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender, timeout=10.0)
    store = EpisodeStore(pool, sms_enabled=sms is not None)
    matcher = PeerMatcher(pool)
    quiet_hours = configured_quiet_hours(settings.quiet_hours)
    notifier = Notifier(pool, email, sms, settings.public_url, metrics, quiet_hours)
    sender = CareCommunicationSender(pool, medcom or transport_from_settings(settings, http))
    supervision = SupervisionActivities(pool)
    peer_groups = PeerGroupActivities(pool)
    terms = CourseActivities(pool, sms_enabled=sms is not None)
    upkeep = RosterUpkeep(pool, sms_enabled=sms is not None)
    notice_choices = CitizenNoticeChoices(pool, quiet_hours)
    return [
        store.commit_episode,
        matcher.reserve_peer,
        matcher.release_peer,
        notifier.deliver_notification,
        notifier.mark_delivery_failed,
        notifier.let_quiet_pass,
        notice_choices.citizen_notice_choices,
        sender.send_care_communication,
        sender.finish_care_communication,
        supervision.plan_session,
        supervision.cancel_session,
        supervision.check_attendance,
        supervision.request_extra_supervision,
        peer_groups.plan_group_session,
        peer_groups.cancel_group_session,
        peer_groups.check_group_attendance,
        terms.course_load_term,
        terms.course_remind_session,
        terms.course_notify_session_cancelled,
        terms.course_notify_term_cancelled,
        terms.course_offer_seats,
        terms.course_check_attendance,
        terms.course_complete_term,
        terms.course_record_milestone,
        upkeep.open_training_tasks,
        upkeep.queue_notices,
        upkeep.queue_group_and_course_notices,
        upkeep.undelivered_notices,
    ]


def compile_workflow_modules() -> bool:
    """Write the bytecode of the workflow modules if it is missing or stale.

    The sandbox imports the workflow modules afresh for every workflow it starts or takes
    into its cache. Without a bytecode file (PYTHONDONTWRITEBYTECODE, an editable install)
    each of those imports compiled the source again: a tenth of the worker's CPU while
    episodes started. Returns False where the files cannot be written (a read-only install,
    whose installer compiled them already)."""
    folder = Path(workflows.__file__).parent
    try:
        return bool(compileall.compile_dir(folder, quiet=2, legacy=False, workers=1))
    except OSError:
        return False


# How long a workflow task waits in the sticky queue of the worker that has the episode
# cached before it goes to the shared queue, where any worker takes it and replays the
# history. The SDK's 10 s made every event of an episode cached on a killed worker wait
# 10 s; 3 s is still far above a healthy worker's wait (milliseconds), so only a worker
# that is gone or overloaded for 3 s costs replays elsewhere (CPU, not correctness).
STICKY_QUEUE_TIMEOUT = timedelta(seconds=3)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    max_cached_workflows: int,
    workflow_task_slots: int = WORKFLOW_TASK_SLOTS,
) -> Worker:
    """The worker for EpisodeWorkflow and its CareCommunication deliveries; the sticky
    cache is bounded so memory stays flat, and so are the workflow tasks run at once (see
    Settings.workflow_task_slots)."""
    if not compile_workflow_modules():
        log.warning("workflow modules not compiled; every new workflow compiles them again")
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[
            EpisodeWorkflow,
            CareCommunicationDelivery,
            RosterUpkeepWorkflow,
            SupervisionGroupWorkflow,
            PeerGroupWorkflow,
            CourseTermWorkflow,
        ],
        activities=activities,
        workflow_runner=CompiledOnceSandboxRunner(),
        max_cached_workflows=max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=STICKY_QUEUE_TIMEOUT,
        max_concurrent_workflow_tasks=workflow_task_slots,
        max_concurrent_activities=100,
        # On SIGTERM running activities may finish (a mail half sent would be sent again).
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def connect_patiently(
    settings: Settings, pool: DatabasePool, runtime: Runtime, stop: asyncio.Event
) -> Client | None:
    """Connect to Temporal, waiting with backoff while it is away (a worker started before
    the server, or during its restart, must not exit); None if told to stop meanwhile."""
    wait = 1.0
    while True:
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=converter(settings, pool),
                runtime=runtime,
            )
        except RuntimeError as err:
            log.warning(
                "temporal unreachable; trying again",
                address=settings.temporal_address,
                retry_in_s=wait,
                error=type(err).__name__,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
            return None
        wait = min(wait * 2, 30.0)


async def keep_roster_upkeep(client: Client, settings: Settings) -> None:
    """The hourly roster upkeep's Schedule, set at every start (here rather than with the
    search attributes: those are set by the dev server and the compose set-up job, which
    know no task queue). A failure is logged and the worker runs on; the next start tries
    again."""
    try:
        outcome = await ensure_roster_upkeep(
            client,
            task_queue=settings.task_queue,
            every=timedelta(minutes=settings.roster_upkeep_minutes),
        )
    except RPCError as err:
        log.warning("roster upkeep schedule not set", error=type(err).__name__)
        return
    log.info("roster upkeep schedule", outcome=outcome, minutes=settings.roster_upkeep_minutes)


# Temporal or PostgreSQL away while the worker starts.
_NOT_REACHED: tuple[type[Exception], ...] = (RPCError, OSError, *CONNECTION_LOST)


async def keep_supervision_groups(client: Client, pool: DatabasePool, settings: Settings) -> None:
    """Every active supervision group has its workflow (groups from before the workflows
    existed, or one whose start a page could not make). Before the worker polls, so they
    start as soon as it does; a failure is logged and the next start tries again."""
    try:
        await ensure_group_workflows(client, pool, task_queue=settings.task_queue)
    except _NOT_REACHED as err:
        log.warning("supervision groups not made sure of", error=type(err).__name__)


async def keep_peer_groups(client: Client, pool: DatabasePool, settings: Settings) -> None:
    """Every active peer group has its workflow, as for supervision groups."""
    try:
        await ensure_peer_group_workflows(client, pool, task_queue=settings.task_queue)
    except _NOT_REACHED as err:
        log.warning("peer groups not made sure of", error=type(err).__name__)


async def keep_terms(client: Client, pool: DatabasePool, settings: Settings) -> None:
    """Every open course term has its workflow, as for supervision groups."""
    try:
        await ensure_term_workflows(client, pool, task_queue=settings.task_queue)
    except _NOT_REACHED as err:
        log.warning("course terms not made sure of", error=type(err).__name__)


async def run_worker(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """Run the worker until `stop` is set, then finish running tasks and shut down.

    Serves the Temporal SDK's metrics and our own on two Prometheus endpoints, on free ports
    unless configured, listed for Prometheus in <data_dir>/metrics/worker-<pid>.json."""
    sdk = runtime_with_sdk_metrics(host=settings.metrics_host, port=settings.sdk_metrics_port)
    pool = await create_pool(
        database_url, give_up_after=settings.database_timeout, max_size=WORKER_POOL_SIZE
    )
    client = await connect_patiently(settings, pool, sdk.runtime, stop)
    if client is None:
        await pool.close()
        return
    await keep_roster_upkeep(client, settings)
    await keep_supervision_groups(client, pool, settings)
    await keep_peer_groups(client, pool, settings)
    await keep_terms(client, pool, settings)
    metrics = Metrics()
    try:
        endpoint = serve_our_metrics(
            metrics, host=settings.metrics_host, port=settings.metrics_port
        )
    except BaseException:
        await pool.close()
        raise
    ports = {"hverdagsbro": endpoint.port, "temporal-sdk": sdk.port}
    try:
        with scrape_targets(settings.data_dir, "worker", settings.metrics_host, ports):
            async with httpx.AsyncClient(timeout=10.0) as http:
                worker = build_worker(
                    client,
                    task_queue=settings.task_queue,
                    activities=episode_activities(pool, settings, http, metrics),
                    max_cached_workflows=settings.max_cached_workflows,
                    workflow_task_slots=settings.workflow_task_slots,
                )
                async with worker:
                    collector = asyncio.create_task(collect_forever(pool, metrics, stop))
                    log.info(
                        "worker started",
                        task_queue=settings.task_queue,
                        metrics_port=endpoint.port,
                        sdk_metrics_port=sdk.port,
                    )
                    await stop.wait()
                    log.info("worker stopping")
                    await collector
    finally:
        await pool.close()
        endpoint.close()
