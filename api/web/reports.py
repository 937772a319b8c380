"""Outcome report pages: the report with charts, its CSV export and a printable quarter."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Pool, Reports
from api.principal import Principal
from api.reports import display
from api.reports.access import READERS, ReportScope, scope_for
from api.reports.cache import ReportCache
from api.reports.charts import figures
from api.reports.csv_export import report_csv
from api.reports.filters import ReportInputError, filters_from
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


FIELDS = ("quarter", "from", "to", "programme", "municipality")
# What a refused field's value may be to be shown again in the form (anything else is not).
_ECHO = re.compile(r"^[A-Za-z0-9._:-]{0,40}$")
_FIELD_LABELS = {
    "quarter": "report.quarter",
    "from": "report.from",
    "to": "report.to",
    "programme": "programme",
    "municipality": "municipality",
}


async def _report(
    request: Request, scope: ReportScope, pool: DatabasePool, cache: ReportCache
) -> Report:
    """The report for the query's filters, as counted at most the cache's age ago for the
    same reader scope and filters; a refused filter raises ReportInputError."""
    today = datetime.now(LOCAL_TIME).date()
    filters = filters_from(dict(request.query_params), scope, today)

    async def count() -> Report:
        async with pool.acquire() as conn:
            return await load_report(conn, scope, filters, datetime.now(UTC))

    return await cache.get(scope, filters, count)


def _minutes(seconds: float) -> str:
    """How long a report is shown again, in whole minutes (at least one when kept at all)."""
    return str(max(1, round(seconds / 60))) if seconds > 0 else ""


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


def _chosen(filters: ReportFilters) -> dict[str, str]:
    """The form's fields as the report was made."""
    period = filters.period
    dates = period.label != quarter_name(period.first)
    return {
        "quarter": quarter_name(period.first),
        "from": period.first.isoformat() if dates else "",
        "to": period.last.isoformat() if dates else "",
        "programme": filters.programme or "",
        "municipality": filters.municipality or "",
    }


def _entered(request: Request) -> dict[str, str]:
    """The form's fields as they were sent, so the refused one can be corrected in place."""
    found = {name: request.query_params.get(name, "").strip() for name in FIELDS}
    return {name: raw if _ECHO.match(raw) else "" for name, raw in found.items()}


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


async def _form_context(request: Request, scope: ReportScope, pool: DatabasePool) -> dict[str, Any]:
    """What the filter form needs, with or without a report under it."""
    async with pool.acquire() as conn:
        names = await _names(conn, language(request))
        municipalities = await pages.municipalities(conn) if scope.municipality_code is None else []
    return {
        "names": names,
        "quarters": recent_quarters(datetime.now(LOCAL_TIME).date()),
        "municipalities": municipalities,
        "refused": None,
        "bad_field": "",
    }


async def _refused(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    scope: ReportScope,
    err: ReportInputError,
) -> Response:
    """The form again, with the refused field marked and why, and no numbers (422)."""
    t = partial(labels.text, lang=language(request))
    context = await _form_context(request, scope, pool)
    context.update(
        report=None,
        chosen=_entered(request),
        bad_field=err.field,
        refused={
            "field": err.field,
            "label": t(_FIELD_LABELS.get(err.field, "report.filters")),
            "reason": t(err.key),
        },
    )
    return render(request, "report.html", context, principal=principal, status=422, path="/reports")


async def _audit(
    pool: DatabasePool,
    principal: Principal,
    scope: ReportScope,
    filters: ReportFilters,
    action: str,
) -> None:
    """Every report served is audited with its filters: a sweep over many periods (the way
    rounding could be averaged away) shows in the audit log."""
    async with pool.acquire() as conn:
        await report_queries.audit_report(
            conn,
            audit_id=f"report-{uuid.uuid4().hex}",
            actor_role=principal.role.value,
            actor_id=principal.id,
            action=action,
            filters={
                "first": filters.period.first.isoformat(),
                "last": filters.period.last.isoformat(),
                "programme": filters.programme,
                "municipality": filters.municipality,
                "organisation": scope.organisation_id,
            },
        )


async def _page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    cache: ReportCache,
    template: str,
) -> Response:
    scope = scope_for(principal)
    try:
        report = await _report(request, scope, pool, cache)
    except ReportInputError as err:
        return await _refused(request, principal, pool, scope, err)
    await _audit(pool, principal, scope, report.filters, "report_viewed")
    lang = language(request)
    t = partial(labels.text, lang=lang)
    context = await _form_context(request, scope, pool)
    names = context["names"]
    own = scope.organisation_id or scope.municipality_code or ""
    context.update(
        {
            "report": report,
            "chosen": _chosen(report.filters),
            "figures": figures(report, t, lang, names),
            "scope_kind": "organisation" if scope.organisation_id else "municipality",
            "scope_name": names["organisation" if scope.organisation_id else "municipality"].get(
                own, own
            ),
            "sections": display.SECTIONS,
            "columns": display.BREAKDOWN_COLUMNS,
            "show": partial(display.measure_text, lang=lang),
            "cell_text": partial(display.cell_text, lang=lang),
            "group_name": partial(display.group_name, names=names, t=t),
            "query": _query(report.filters, scope),
            "kept_minutes": _minutes(cache.max_age),
        }
    )
    return render(request, template, context, principal=principal, path=request.url.path)


@router.get("/reports")
async def report_page(request: Request, principal: Reader, pool: Pool, cache: Reports) -> Response:
    return await _page(request, principal, pool, cache, "report.html")


@router.get("/reports/print")
async def report_print(request: Request, principal: Reader, pool: Pool, cache: Reports) -> Response:
    return await _page(request, principal, pool, cache, "report_print.html")


@router.get("/reports.csv")
async def report_export(
    request: Request, principal: Reader, pool: Pool, cache: Reports
) -> Response:
    scope = scope_for(principal)
    try:
        report = await _report(request, scope, pool, cache)
    except ReportInputError as err:
        return await _refused(request, principal, pool, scope, err)
    await _audit(pool, principal, scope, report.filters, "report_exported")
    filters = report.filters
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
