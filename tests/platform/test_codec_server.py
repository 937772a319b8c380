"""The codec server: only authorised operators encode and decode, the UI origin may call it."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from api.codec_server import create_codec_app, parse_tokens
from hverdagsbro.encryption import EncryptionCodec, generate_key, parse_keys

UI_ORIGIN = "http://localhost:8080"
TOKEN = "operator-token-1"
OLD_KEY, NEW_KEY = generate_key(), generate_key()
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Namespace": "hverdagsbro"}
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"name":"Anne Hansen"}')


def app_with(spec: str) -> FastAPI:
    return create_codec_app(
        parse_keys(spec), allowed_origins=[UI_ORIGIN], tokens={TOKEN, "operator-token-2"}
    )


@pytest.fixture
async def codec() -> AsyncIterator[httpx.AsyncClient]:
    app = app_with(f"k2:{NEW_KEY},k1:{OLD_KEY}")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://codec") as client:
        yield client


def body(*payloads: Payload) -> dict[str, Any]:
    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


def payloads_of(response: httpx.Response) -> list[Payload]:
    return [json_format.ParseDict(p, Payload()) for p in response.json()["payloads"]]


async def test_encode_then_decode_gives_back_the_payload(codec: httpx.AsyncClient) -> None:
    encoded = await codec.post("/encode", json=body(PLAIN), headers=AUTH)
    assert encoded.status_code == 200
    [sealed] = payloads_of(encoded)
    assert sealed.metadata["encoding"] == b"binary/encrypted"
    assert b"Anne" not in sealed.data

    decoded = await codec.post("/decode", json=encoded.json(), headers=AUTH)

    assert decoded.status_code == 200
    assert payloads_of(decoded) == [PLAIN]


async def test_payload_encrypted_with_a_rotated_out_key_still_decodes(
    codec: httpx.AsyncClient,
) -> None:
    [old] = await EncryptionCodec(parse_keys(f"k1:{OLD_KEY}")).encode([PLAIN])

    decoded = await codec.post("/decode", json=body(old), headers=AUTH)

    assert decoded.status_code == 200
    assert payloads_of(decoded) == [PLAIN]


async def test_without_a_token_the_answer_is_401(codec: httpx.AsyncClient) -> None:
    response = await codec.post("/decode", json=body(PLAIN), headers={"X-Namespace": "x"})

    assert response.status_code == 401
    assert response.json() == {"detail": "codec server needs 'Authorization: Bearer <token>'"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_with_a_wrong_token_the_answer_is_403(codec: httpx.AsyncClient) -> None:
    response = await codec.post(
        "/encode", json=body(PLAIN), headers={"Authorization": "Bearer guessed"}
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "this bearer token may not use the codec server"}


async def test_ui_origin_preflight_is_allowed_without_a_token(codec: httpx.AsyncClient) -> None:
    response = await codec.options(
        "/decode",
        headers={
            "Origin": UI_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-namespace"} <= {h.lower() for h in allowed}


async def test_other_origins_get_no_cors_grant(codec: httpx.AsyncClient) -> None:
    response = await codec.options(
        "/decode",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_refusals_reach_the_ui_with_cors_headers(codec: httpx.AsyncClient) -> None:
    response = await codec.post("/decode", json=body(PLAIN), headers={"Origin": UI_ORIGIN})

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN


async def test_tampered_ciphertext_is_a_clear_400_not_a_stack_trace(
    codec: httpx.AsyncClient,
) -> None:
    [sealed] = payloads_of(await codec.post("/encode", json=body(PLAIN), headers=AUTH))
    flipped = bytearray(sealed.data)
    flipped[20] ^= 0xFF
    sealed.data = bytes(flipped)

    response = await codec.post("/decode", json=body(sealed), headers=AUTH)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "payload encrypted with key 'k2' failed authentication: it was altered or "
        "the configured key with that id is not the one used"
    }


async def test_payload_from_an_unknown_key_names_the_key(codec: httpx.AsyncClient) -> None:
    [foreign] = await EncryptionCodec(parse_keys(f"k9:{generate_key()}")).encode([PLAIN])

    response = await codec.post("/decode", json=body(foreign), headers=AUTH)

    assert response.status_code == 400
    assert "'k9'" in response.json()["detail"]


async def test_malformed_payload_names_its_position(codec: httpx.AsyncClient) -> None:
    good = json_format.MessageToDict(PLAIN)
    bad = {"metadata": ["json/plain"], "data": base64.b64encode(b"{}").decode()}

    response = await codec.post("/decode", json={"payloads": [good, bad]}, headers=AUTH)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("payloads.1: not a Temporal payload")


async def test_health_needs_no_token(codec: httpx.AsyncClient) -> None:
    response = await codec.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_app_without_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one bearer token"):
        create_codec_app(parse_keys(f"k1:{OLD_KEY}"), allowed_origins=[UI_ORIGIN], tokens=set())


def test_tokens_are_read_from_a_comma_separated_list() -> None:
    assert parse_tokens(" a1 ,b2,, ") == {"a1", "b2"}


async def test_the_token_may_stand_in_the_endpoint_path_for_the_dev_ui(
    codec: httpx.AsyncClient,
) -> None:
    encoded = await codec.post(f"/t/{TOKEN}/encode", json=body(PLAIN))
    assert encoded.status_code == 200
    decoded = await codec.post(f"/t/{TOKEN}/decode", json=encoded.json())
    assert payloads_of(decoded) == [PLAIN]
    wrong = await codec.post("/t/not-the-token/decode", json=encoded.json())
    assert wrong.status_code == 403
