"""The Jinja2 environment and how a page is rendered: language, labels, times, no caching."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from api.principal import Principal
from api.web import labels, reason_texts

LANG_COOKIE = "hb_lang"
LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    """`?lang=da|en` wins; then the remembered choice; Danish by default."""
    asked = request.query_params.get("lang")
    if asked in labels.LANGUAGES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in labels.LANGUAGES else "da"


def when(moment: datetime | date | None) -> str:
    """Local (Copenhagen) time, to the minute."""
    if moment is None:
        return "\u2013"
    if isinstance(moment, datetime):
        return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


_ENV.filters["when"] = when


@pass_context
def reason(context: Context, text: str) -> str:
    """A refusal's reason (or its "field: reason" message) in the page's language, from the
    reason catalog; text the catalog does not know is shown as it is."""
    return reason_texts.say(str(text), str(context.get("lang", "da")))


@pass_context
def field_label(context: Context, name: str) -> str | None:
    """The label the pages give a field the API names (`field.<name>`), if they give one."""
    return reason_texts.field_label(str(name), str(context.get("lang", "da")))


_ENV.filters["reason"] = reason
_ENV.globals["reason"] = reason
_ENV.globals["field_label"] = field_label


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    status: int = 200,
    path: str | None = None,
) -> HTMLResponse:
    """The page in the caller's language; personal data is never cached by the browser."""
    lang = language(request)
    notice = request.query_params.get("notice", "")
    html = _ENV.get_template(template).render(
        **context,
        lang=lang,
        t=partial(labels.text, lang=lang),
        label=partial(labels.value, lang=lang),
        principal=principal,
        csrf=principal.csrf_token if principal else "",
        path=path or request.url.path,
        now=datetime.now(UTC),
        notice=f"notice.{notice}" if f"notice.{notice}" in labels.TEXTS else None,
        # Set for a person's page views by `api.web.inbox.unread_badge`.
        inbox_unread=getattr(request.state, "inbox_unread", None),
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in labels.LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax")
    return response
