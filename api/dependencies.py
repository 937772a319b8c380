"""The services route handlers take as FastAPI dependencies, and the one place that finds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from temporalio.client import Client

from api.intake import EventIntake
from api.medcom.intake import MedcomIntake
from api.medcom.senders import receiver_identities
from api.reports.cache import ReportCache
from api.task_decisions import TaskDecisions
from api.token_cache import TokenCache
from db.pool import DatabasePool
from hverdagsbro.metrics import Metrics
from hverdagsbro.settings import Settings


@dataclass(frozen=True)
class Services:
    """What the app is wired to: built once when it starts, shared by every request."""

    pool: DatabasePool
    temporal: Client
    settings: Settings
    metrics: Metrics
    tokens: TokenCache
    intake: EventIntake
    decisions: TaskDecisions
    medcom: MedcomIntake
    reports: ReportCache

    @classmethod
    def build(cls, pool: DatabasePool, temporal: Client, settings: Settings) -> Services:
        metrics = Metrics()
        intake = EventIntake(pool, temporal, settings.task_queue, metrics)
        return cls(
            pool=pool,
            temporal=temporal,
            settings=settings,
            metrics=metrics,
            tokens=TokenCache(),
            intake=intake,
            decisions=TaskDecisions(pool, temporal),
            medcom=MedcomIntake(pool, intake, receiver_identities(settings.medcom_receivers)),
            reports=ReportCache(settings.report_cache_seconds),
        )


def wire(app: FastAPI, services: Services) -> None:
    app.state.services = services


def services_of(app: FastAPI) -> Services:
    """The app's services (tests use them to act as a user without HTTP)."""
    found = getattr(app.state, "services", None)
    if not isinstance(found, Services):
        raise RuntimeError("the app is not wired yet: its lifespan has not started")
    return found


def get_services(request: Request) -> Services:
    return services_of(request.app)


# The providers below are coroutines: FastAPI runs a plain function dependency in its thread
# pool, a hand-off to a thread and back for each one on every request (5 % of the API
# process's CPU under the benchmark's load), for what is an attribute read.


async def get_pool(request: Request) -> DatabasePool:
    return get_services(request).pool


async def get_temporal(request: Request) -> Client:
    return get_services(request).temporal


async def get_settings(request: Request) -> Settings:
    return get_services(request).settings


async def get_report_cache(request: Request) -> ReportCache:
    return get_services(request).reports


async def get_metrics(request: Request) -> Metrics:
    return get_services(request).metrics


async def get_tokens(request: Request) -> TokenCache:
    return get_services(request).tokens


async def get_intake(request: Request) -> EventIntake:
    return get_services(request).intake


async def get_decisions(request: Request) -> TaskDecisions:
    return get_services(request).decisions


async def get_medcom(request: Request) -> MedcomIntake:
    return get_services(request).medcom


Pool = Annotated[DatabasePool, Depends(get_pool)]
Temporal = Annotated[Client, Depends(get_temporal)]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppMetrics = Annotated[Metrics, Depends(get_metrics)]
Tokens = Annotated[TokenCache, Depends(get_tokens)]
Intake = Annotated[EventIntake, Depends(get_intake)]
Decisions = Annotated[TaskDecisions, Depends(get_decisions)]
Medcom = Annotated[MedcomIntake, Depends(get_medcom)]
Reports = Annotated[ReportCache, Depends(get_report_cache)]
