"""The codec server: operators read Temporal payloads with their own API token, each decode audited.

Who: an operator's own API token (`hverdagsbro token create --role operator`), never a shared
secret in production; in development a generated token also serves the local dev UI, which
cannot send headers and so puts it in the path (/t/<token>/decode), a route refused in production.

What: /decode decrypts and writes one audit_log row per episode whose payloads it returned (the
token's id, the workflow id, how many payloads, when; never their content). /encode is refused in
production: workers trust every payload that decrypts, so an encoding oracle in an operator's hands
would let them forge episode input; only the system's own processes encrypt there.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NoReturn

import asyncpg
import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict
from temporalio.api.common.v1 import Payload

from api.errors import unavailable_handler
from db.access import token_record
from db.codec_audit import record_decode
from db.connection import CONNECTION_LOST
from db.pool import DatabasePool
from hverdagsbro.encryption import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    EncryptionError,
    KeyProvider,
)
from hverdagsbro.episode_keys import PREFIX as EPISODE_KEY_PREFIX
from schemas.base import Frozen

log = structlog.get_logger(__name__)

_BEARER = "bearer "
OPERATOR_ROLE = "operator"
# Who decoded with a development token (there is no token record behind it).
DEVELOPMENT_ACTOR = "development-codec-token"
# API token secrets are about 50 characters; anything far longer is not one.
_LONGEST_SECRET = 512
_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")

NEEDS_BEARER = "codec server needs 'Authorization: Bearer <operator token>'"
NOT_AN_OPERATOR = (
    "only an operator's own API token may use the codec server "
    "(`hverdagsbro token create --role operator`)"
)
PATH_TOKEN_REFUSED = (
    "the token-in-path route (/t/<token>/...) serves the local development UI only and is "
    "refused in production: send 'Authorization: Bearer <operator token>'"
)
ENCODE_REFUSED = (
    "/encode is refused in production: workers trust every payload that decrypts, so only the "
    "system's own processes encrypt payloads"
)


class PayloadsBody(BaseModel):
    """The codec protocol's body: payloads in protobuf JSON form (base64 metadata and data)."""

    # Extra fields are ignored so a newer UI that sends more does not break decoding.
    model_config = ConfigDict(extra="ignore", frozen=True)

    payloads: list[dict[str, Any]]


class Caller(Frozen):
    """Who called: the id of their operator token (or the development token)."""

    actor_id: str


def parse_tokens(spec: str) -> set[str]:
    """Comma-separated bearer tokens from configuration; blanks are ignored."""
    return {t.strip() for t in spec.split(",") if t.strip()}


def _to_payloads(body: PayloadsBody) -> list[Payload]:
    payloads: list[Payload] = []
    for index, item in enumerate(body.payloads):
        try:
            payloads.append(json_format.ParseDict(item, Payload()))
        except json_format.ParseError as err:
            raise HTTPException(400, f"payloads.{index}: not a Temporal payload ({err})") from None
    return payloads


def _body(payloads: list[Payload]) -> dict[str, list[dict[str, Any]]]:
    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


def payloads_by_workflow(payloads: Iterable[Payload]) -> Counter[str | None]:
    """How many encrypted payloads each episode workflow has here (None: under no episode's
    key). A decode proves the key id right, since it is bound into the ciphertext."""
    counts: Counter[str | None] = Counter()
    for index, payload in enumerate(payloads):
        if payload.metadata.get("encoding") != ENCODING:
            continue
        raw = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", errors="replace")
        if not _KEY_ID.fullmatch(raw):
            raise HTTPException(400, f"payloads.{index}.metadata.{KEY_ID_METADATA}: not a key id")
        episode = raw.startswith(EPISODE_KEY_PREFIX)
        counts[raw.removeprefix(EPISODE_KEY_PREFIX) if episode else None] += 1
    return counts or Counter({None: 0})


def _namespace(x_namespace: Annotated[str | None, Header()] = None) -> str | None:
    if x_namespace is not None and not _NAMESPACE.fullmatch(x_namespace):
        raise HTTPException(400, "X-Namespace: not a Temporal namespace name")
    return x_namespace


def _offered_secret(request: Request, environment: str) -> str:
    """The bearer secret from the header, or (development only) from the endpoint path."""
    in_path = request.path_params.get("token")
    if in_path is not None:
        if environment == "production":
            raise HTTPException(403, PATH_TOKEN_REFUSED)
        return str(in_path)
    authorization = request.headers.get("authorization")
    if authorization is None or not authorization.lower().startswith(_BEARER):
        raise HTTPException(401, NEEDS_BEARER, headers={"WWW-Authenticate": "Bearer"})
    return authorization[len(_BEARER) :].strip()


@dataclass(frozen=True)
class CodecService:
    """What the codec app is wired to: built once by create_codec_app."""

    pool: DatabasePool
    codec: EncryptionCodec
    environment: Literal["development", "production"]
    development_tokens: tuple[bytes, ...]


def _service(request: Request) -> CodecService:
    """The one place the handlers find their service."""
    service: CodecService = request.app.state.codec
    return service


Service = Annotated[CodecService, Depends(_service)]


async def _authorise(request: Request, service: Service) -> Caller:
    offered = _offered_secret(request, service.environment).encode("utf-8")
    # Every development token is compared, in constant time, so timing reveals no near miss.
    dev_tokens = service.development_tokens
    if dev_tokens and any([hmac.compare_digest(offered, t) for t in dev_tokens]):
        return Caller(actor_id=DEVELOPMENT_ACTOR)
    record = None
    if len(offered) <= _LONGEST_SECRET:
        async with service.pool.acquire() as conn:
            record = await token_record(conn, offered.decode("utf-8"))
    if record is None or record.role != OPERATOR_ROLE:
        log.warning("codec refused a caller", reason="not an operator token")
        raise HTTPException(403, NOT_AN_OPERATOR)
    return Caller(actor_id=record.token_id)


Operator = Annotated[Caller, Depends(_authorise)]
Namespace = Annotated[str | None, Depends(_namespace)]


async def decode(
    body: PayloadsBody, service: Service, caller: Operator, namespace: Namespace
) -> dict[str, list[dict[str, Any]]]:
    """Decrypt for an operator; audited (one row per episode) before the answer leaves."""
    payloads = _to_payloads(body)
    groups = payloads_by_workflow(payloads)
    request_id = uuid.uuid4().hex

    async def audit(refused: str = "") -> None:
        async with service.pool.acquire() as conn:
            await record_decode(
                conn,
                request_id=request_id,
                actor_role=OPERATOR_ROLE,
                actor_id=caller.actor_id,
                namespace=namespace,
                payloads_by_workflow=groups,
                refused=refused,
            )

    try:
        result = await service.codec.decode(payloads)
    except EncryptionError as err:
        await audit(refused=str(err))
        log.warning("codec refused", operation="decode", namespace=namespace, reason=str(err))
        raise HTTPException(400, str(err)) from None
    # Without its audit row, nothing decrypted leaves.
    await audit()
    log.info(
        "codec",
        operation="decode",
        operator=caller.actor_id,
        namespace=namespace,
        payloads=len(payloads),
        workflows=len(groups),
    )
    return _body(result)


async def encode(
    body: PayloadsBody, service: Service, caller: Operator, namespace: Namespace
) -> dict[str, list[dict[str, Any]]]:
    """Development only: encrypt for the local UI (starting a workflow or signalling from it)."""
    payloads = _to_payloads(body)
    try:
        result = await service.codec.encode(payloads)
    except EncryptionError as err:
        raise HTTPException(400, str(err)) from None
    log.info(
        "codec",
        operation="encode",
        operator=caller.actor_id,
        namespace=namespace,
        payloads=len(payloads),
    )
    return _body(result)


async def encode_refused() -> NoReturn:
    """Production: nobody may have payloads encrypted that workers would trust."""
    raise HTTPException(403, ENCODE_REFUSED)


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_codec_app(
    keys: KeyProvider,
    *,
    pool: DatabasePool,
    allowed_origins: list[str],
    environment: Literal["development", "production"],
    development_tokens: set[str] | None = None,
) -> FastAPI:
    """POST /decode (and /encode in development; Temporal codec protocol), GET /healthz; CORS
    for the UI. `development_tokens` (shared secrets for the local dev UI) only in development."""
    dev_tokens = tuple(t.encode("utf-8") for t in development_tokens or ())
    if environment == "production" and dev_tokens:
        raise ValueError(
            "shared codec tokens (HVERDAGSBRO_CODEC_TOKENS) are refused in production: "
            "operators use their own API tokens"
        )
    app = FastAPI(
        title="hverdagsbro codec server",
        description="Decrypts Temporal payloads for operators, each decode audited.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.codec = CodecService(pool, EncryptionCodec(keys), environment, dev_tokens)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "x-namespace", "authorization"],
    )
    # The database (token records, episode keys, the audit) away: 503, never a stack trace.
    unavailable_errors: tuple[type[Exception], ...] = (
        *CONNECTION_LOST,
        asyncpg.CannotConnectNowError,
        ConnectionError,
        TimeoutError,
    )
    for unavailable in unavailable_errors:
        app.add_exception_handler(unavailable, unavailable_handler)
    encoder: Callable[..., Awaitable[Any]] = encode
    if environment == "production":
        encoder = encode_refused
    for operation, handler in (("decode", decode), ("encode", encoder)):
        app.add_api_route(f"/{operation}", handler, methods=["POST"], response_model=None)
        # The local dev UI's endpoint carries its token (refused in production).
        app.add_api_route(
            f"/t/{{token}}/{operation}",
            handler,
            methods=["POST"],
            response_model=None,
            include_in_schema=False,
        )
    app.add_api_route("/healthz", healthz, methods=["GET"])
    return app
