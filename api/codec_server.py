"""The codec server: lets an authorised operator's Temporal UI or CLI encrypt and read payloads."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict
from temporalio.api.common.v1 import Payload

from hverdagsbro.encryption import EncryptionCodec, EncryptionError, KeyProvider

log = structlog.get_logger(__name__)

_BEARER = "bearer "


class PayloadsBody(BaseModel):
    """The codec protocol's body: payloads in protobuf JSON form (base64 metadata and data)."""

    # Extra fields are ignored so a newer UI that sends more does not break decoding.
    model_config = ConfigDict(extra="ignore", frozen=True)

    payloads: list[dict[str, Any]]


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


def _authoriser(tokens: set[str]) -> Callable[[Request], None]:
    accepted = [t.encode("utf-8") for t in tokens]

    def authorise(request: Request) -> None:
        """A bearer token in the Authorization header, or (for a UI that cannot send headers,
        like the local dev server's) in the endpoint path: /t/<token>/decode."""
        in_path = request.path_params.get("token")
        authorization = request.headers.get("authorization")
        if in_path is not None:
            offered = str(in_path).encode("utf-8")
        elif authorization is not None and authorization.lower().startswith(_BEARER):
            offered = authorization[len(_BEARER) :].strip().encode("utf-8")
        else:
            raise HTTPException(
                401,
                "codec server needs 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        # Every token is compared, in constant time, so timing does not reveal a near miss.
        matches = [hmac.compare_digest(offered, token) for token in accepted]
        if not any(matches):
            raise HTTPException(403, "this bearer token may not use the codec server")

    return authorise


def create_codec_app(keys: KeyProvider, *, allowed_origins: list[str], tokens: set[str]) -> FastAPI:
    """POST /encode and /decode (Temporal codec protocol), GET /healthz; CORS for the UI."""
    if not tokens:
        raise ValueError("the codec server needs at least one bearer token")
    codec = EncryptionCodec(keys)
    authorise = _authoriser(tokens)

    app = FastAPI(
        title="hverdagsbro codec server",
        description="Encrypts and decrypts Temporal payloads for authorised operators.",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "x-namespace", "authorization"],
    )

    async def transform(
        request: Request,
        body: PayloadsBody,
        namespace: str | None,
        step: Callable[[list[Payload]], Awaitable[list[Payload]]],
    ) -> dict[str, list[dict[str, Any]]]:
        payloads = _to_payloads(body)
        # The last path segment only: the dev UI's endpoint path carries its token.
        operation = request.url.path.rsplit("/", 1)[-1]
        try:
            result = await step(payloads)
        except EncryptionError as err:
            log.warning("codec refused", operation=operation, namespace=namespace, reason=str(err))
            raise HTTPException(400, str(err)) from None
        log.info("codec", operation=operation, namespace=namespace, payloads=len(payloads))
        return _body(result)

    @app.post("/encode", dependencies=[Depends(authorise)])
    @app.post("/t/{token}/encode", dependencies=[Depends(authorise)], include_in_schema=False)
    async def encode(
        request: Request,
        body: PayloadsBody,
        x_namespace: str | None = Header(default=None),
    ) -> dict[str, list[dict[str, Any]]]:
        return await transform(request, body, x_namespace, codec.encode)

    @app.post("/decode", dependencies=[Depends(authorise)])
    @app.post("/t/{token}/decode", dependencies=[Depends(authorise)], include_in_schema=False)
    async def decode(
        request: Request,
        body: PayloadsBody,
        x_namespace: str | None = Header(default=None),
    ) -> dict[str, list[dict[str, Any]]]:
        return await transform(request, body, x_namespace, codec.decode)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
