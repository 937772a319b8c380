"""The HTTP boundary: security headers, body size and media type, text that can be stored,
and proof that a session-signed change to the JSON API came from our own pages."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import FieldError, describe_errors, error_body
from api.input_checks import Refusal, check_address, check_form, check_json, keep_parsed
from api.medcom import MedcomError, fatal_error
from api.session_csrf import check_session_csrf, is_json_media_type
from api.web.guard import boundary_page

MAX_BODY_BYTES = 2_000_000
# The MedCom routes that take a message and answer with an acknowledgement.
MEDCOM_PATHS = frozenset({"/api/medcom/hospital-notifications", "/api/medcom/care-communications"})

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Sent on https only (behind the trusted proxy the forwarded scheme counts): a browser that
# saw it uses https for this site and its subdomains for a year, whatever link it follows.
HSTS = "max-age=31536000; includeSubDomains"


def install(app: FastAPI) -> None:
    """Guard every request at the boundary, and describe the errors callers can get in the
    OpenAPI document (the guard's own answers among them)."""
    app.add_middleware(BoundaryGuard)
    describe_errors(app)


class BoundaryGuard:
    """Refuses what no route could handle well, before any route sees it, on every path
    (pages, the JSON API, MedCom):

    - a path PostgreSQL or UTF-8 could not hold (NUL, unpaired surrogate, percent-escapes
      that are not UTF-8): 404, as no resource has such a name; such a query parameter: 422;
    - bodies over MAX_BODY_BYTES (413), declared or streamed;
    - on the JSON API: an unsafe request signed in by the session cookie that is neither JSON
      nor carries the session's X-CSRF-Token (403), even with an empty body; other bodies
      that are not JSON by their Content-Type (415); JSON nested deeper than MAX_JSON_DEPTH
      or holding unstorable text in any key or string (422);
    - on pages: a form (urlencoded or multipart) with unstorable text in any field name or
      value (422, a page naming the field in the user's language).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        send = _with_headers(send, api=api, https=scope.get("scheme") == "https")
        try:
            check_address(scope)
            body = await _read_body(scope, receive)
            if api:
                await check_session_csrf(scope)
                _check_api_body(scope, body)
            else:
                check_form(_header(scope, b"content-type"), body)
        except Refusal as refusal:
            await _refuse(scope, receive, send, refusal)
            return
        await self.app(scope, _replay(body, receive), send)


def _with_headers(send: Send, *, api: bool, https: bool) -> Send:
    extra = {
        **HEADERS,
        **({"Cache-Control": "no-store"} if api else {}),
        **({"Strict-Transport-Security": HSTS} if https else {}),
    }

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            for name, value in extra.items():
                if name.lower().encode() not in present:
                    headers.append((name.lower().encode(), value.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(scope: Scope, receive: Receive) -> bytes:
    """The whole body (every route reads it whole anyway), refused once it passes the cap."""
    too_large = Refusal(413, "body", f"larger than {MAX_BODY_BYTES} bytes")
    declared = _header(scope, b"content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying


def _check_api_body(scope: Scope, body: bytes) -> None:
    if not body:
        return
    if not is_json_media_type(_header(scope, b"content-type")):
        raise Refusal(
            415,
            "Content-Type",
            "must be application/json (or a JSON type such as application/fhir+json)",
        )
    medcom = scope["path"] in MEDCOM_PATHS
    # MedCom text is checked by its parser, and only checked codes and ids are kept; the
    # message read here is handed to the route, which would otherwise read it again.
    parsed = check_json(body, check_text=not medcom)
    if medcom and parsed is not None:
        keep_parsed(scope, parsed)


async def _refuse(scope: Scope, receive: Receive, send: Send, refusal: Refusal) -> None:
    if not scope["path"].startswith("/api/"):
        await boundary_page(scope, refusal.status, refusal.field)(scope, receive, send)
        return
    if scope["path"] in MEDCOM_PATHS and refusal.status == 422:
        # The gateway reads a MedCom acknowledgement, not our error shape.
        content: dict[str, Any] = fatal_error(MedcomError("Bundle", refusal.reason)).model_dump()
    else:
        said = f"{refusal.field}: {refusal.reason}"
        content = error_body(
            f"invalid input: {said}" if refusal.status == 422 else said,
            [FieldError(field=refusal.field, reason=refusal.reason)],
        )
    payload = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *([(b"retry-after", b"5")] if refusal.status == 503 else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
