"""The HTTP boundary: security headers, body size and media type, and text that can be stored."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import FieldError, describe_errors, error_body
from api.medcom import MedcomError, fatal_error

MAX_BODY_BYTES = 2_000_000
# Deeper than any message we take; far below where a JSON parser runs out of stack.
MAX_JSON_DEPTH = 64
MEDCOM_PATH = "/api/medcom/hospital-notifications"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def install(app: FastAPI) -> None:
    """Guard every request at the boundary, and describe the errors callers can get in the
    OpenAPI document (the guard's own answers among them)."""
    app.add_middleware(BoundaryGuard)
    describe_errors(app)


class _Refusal(Exception):
    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.status = status
        self.field = field
        self.reason = reason


class BoundaryGuard:
    """Refuses what no route could handle well, before any route sees it:

    - bodies over MAX_BODY_BYTES (413), declared or streamed;
    - JSON API bodies that are not JSON by their Content-Type (415), so a page elsewhere
      cannot post a form or text/plain body with the caller's session cookie;
    - JSON nested deeper than MAX_JSON_DEPTH, and text PostgreSQL and UTF-8 cannot hold
      (NUL characters, unpaired surrogates) anywhere in a JSON API body or path (422/404).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        send = _with_headers(send, api=path.startswith("/api/"))
        try:
            body = await _read_body(scope, receive)
            _check(scope, body)
        except _Refusal as refusal:
            await _refuse(scope, receive, send, refusal)
            return
        await self.app(scope, _replay(body, receive), send)


def _with_headers(send: Send, *, api: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            extra = {**HEADERS, **({"Cache-Control": "no-store"} if api else {})}
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
    too_large = _Refusal(413, "body", f"larger than {MAX_BODY_BYTES} bytes")
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


def is_json_media_type(content_type: str | None) -> bool:
    """application/json, or a JSON-based type such as application/fhir+json."""
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _check(scope: Scope, body: bytes) -> None:
    path: str = scope["path"]
    if not path.startswith("/api/"):
        return
    if _unstorable(path) is not None:
        raise _Refusal(404, "path", "no such resource")
    if not body:
        return
    if not is_json_media_type(_header(scope, b"content-type")):
        raise _Refusal(
            415,
            "Content-Type",
            "must be application/json (or a JSON type such as application/fhir+json)",
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal(422, "body", "not UTF-8 text (JSON is sent as UTF-8)") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise _Refusal(422, "body", f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        return  # the route's own parser names the place
    # MedCom text is checked by its parser, and only checked codes and ids are kept.
    _walk(document, check_text=path != MEDCOM_PATH)


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL (or UTF-8) could not keep this text, if it could not."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which text may not hold"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate, which is not valid Unicode"
    return None


def _walk(document: Any, *, check_text: bool) -> None:
    """Every key and string of a JSON document, without recursion; names the first fault."""
    pending: list[tuple[str, Any, int]] = [("", document, 0)]
    while pending:
        field, value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise _Refusal(422, "body", f"nested deeper than {MAX_JSON_DEPTH} levels")
        texts: list[tuple[str, str]] = []
        if isinstance(value, str):
            texts.append((field, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{field}.{key}" if field else str(key)
                texts.append((inner, key))
                pending.append((inner, item, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                pending.append((f"{field}.{index}" if field else str(index), item, depth + 1))
        for name, text in texts if check_text else ():
            reason = _unstorable(text)
            if reason is not None:
                raise _Refusal(422, name or "body", reason)


async def _refuse(scope: Scope, receive: Receive, send: Send, refusal: _Refusal) -> None:
    if scope["path"] == MEDCOM_PATH and refusal.status == 422:
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
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
