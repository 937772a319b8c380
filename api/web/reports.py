"""Outcome report pages: the report with charts, its CSV export and a printable quarter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Pool
from api.principal import Principal
from api.reports import display
from api.reports.access import READERS, ReportScope, scope_for
from api.reports.charts import figures
from api.reports.csv_export import report_csv
from api.reports.filters import filters_from
from api.reports.load import load_report
from api.reports.model import Report, ReportFilters
from api.reports.period import LOCAL_TIME, quarter_name, recent_quarters
from api.reports.stylesheet import REPORT_CSS
from api.web import labels
from api.web.guard import PageRoute, page_user
from api.web.rendering import language, render
from db import pages, report_queries
from db.connection import PooledConnection
from db.pool import DatabasePool

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Reader = Annotated[Principal, Depends(page_user(*READERS))]


async def _report(
    request: Request, principal: Principal, pool: DatabasePool
) -> tuple[ReportScope, Report]:
    scope = scope_for(principal)
    today = datetime.now(LOCAL_TIME).date()
    filters = filters_from(dict(request.query_params), scope, today)
    async with pool.acquire() as conn:
        report = await load_report(conn, scope, filters, datetime.now(UTC))
    return scope, report


def _query(filters: ReportFilters, scope: ReportScope) -> str:
    """The same filters again, for the CSV and print links."""
    period = filters.period
    params: dict[str, str] = (
        {"quarter": period.label}
        if period.label == quarter_name(period.first)
        else {"from": period.first.isoformat(), "to": period.last.isoformat()}
    )
    if filters.programme:
        params["programme"] = filters.programme
    if filters.municipality and not scope.municipality_code:
        params["municipality"] = filters.municipality
    return urlencode(params)


async def _names(conn: PooledConnection, lang: str) -> dict[str, dict[str, str]]:
    programmes = await pages.programmes(conn)
    return {
        "programme": {
            p.code: (p.name_da if lang == "da" and p.name_da else p.name) or p.code
            for p in programmes
        },
        "municipality": {m.municipality_code: m.name for m in await pages.municipalities(conn)},
        "organisation": {o.organisation_id: o.name for o in await pages.organisations(conn)},
    }


async def _page(
    request: Request, principal: Principal, pool: DatabasePool, template: str
) -> Response:
    scope, report = await _report(request, principal, pool)
    lang = language(request)
    t = partial(labels.text, lang=lang)
    async with pool.acquire() as conn:
        names = await _names(conn, lang)
        municipalities = await pages.municipalities(conn) if scope.municipality_code is None else []
    own = scope.organisation_id or scope.municipality_code or ""
    context: dict[str, Any] = {
        "report": report,
        "figures": figures(report, t, lang, names),
        "names": names,
        "scope_kind": "organisation" if scope.organisation_id else "municipality",
        "scope_name": names["organisation" if scope.organisation_id else "municipality"].get(
            own, own
        ),
        "sections": display.SECTIONS,
        "columns": display.BREAKDOWN_COLUMNS,
        "show": partial(display.measure_text, lang=lang),
        "cell_text": partial(display.cell_text, lang=lang),
        "group_name": partial(display.group_name, names=names, t=t),
        "quarters": recent_quarters(datetime.now(LOCAL_TIME).date()),
        "municipalities": municipalities,
        "query": _query(report.filters, scope),
    }
    return render(request, template, context, principal=principal, path=request.url.path)


@router.get("/reports")
async def report_page(request: Request, principal: Reader, pool: Pool) -> Response:
    return await _page(request, principal, pool, "report.html")


@router.get("/reports/print")
async def report_print(request: Request, principal: Reader, pool: Pool) -> Response:
    return await _page(request, principal, pool, "report_print.html")


@router.get("/reports.csv")
async def report_export(request: Request, principal: Reader, pool: Pool) -> Response:
    scope, report = await _report(request, principal, pool)
    filters = report.filters
    async with pool.acquire() as conn:
        await report_queries.audit_report(
            conn,
            audit_id=f"report-{uuid.uuid4().hex}",
            actor_role=principal.role.value,
            actor_id=principal.id,
            action="report_exported",
            filters={
                "first": filters.period.first.isoformat(),
                "last": filters.period.last.isoformat(),
                "programme": filters.programme,
                "municipality": filters.municipality,
                "organisation": scope.organisation_id,
            },
        )
    name = f"hverdagsbro-report-{filters.period.label.replace('/', '_')}.csv"
    return Response(
        "\ufeff" + report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports/report.css")
async def report_stylesheet() -> Response:
    return Response(REPORT_CSS, media_type="text/css; charset=utf-8")
