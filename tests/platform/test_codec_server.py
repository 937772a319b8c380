"""The codec server: operators decode with their own API token and every decode is audited;
/encode and the token-in-path route exist in development only; the UI origin may call it.

The app is built as `hverdagsbro codec-server` builds it (command.api_server.codec_app) on the
test database, and payloads are sealed with the per-episode keys as a worker seals them.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from api.codec_server import (
    DEVELOPMENT_ACTOR,
    ENCODE_REFUSED,
    NEEDS_BEARER,
    NOT_AN_OPERATOR,
    PATH_TOKEN_REFUSED,
    parse_tokens,
)
from command.api_server import codec_app
from db.access import create_token, revoke_token
from db.codec_audit import DecodeAudit, decodes_by
from db.pool import DatabasePool, create_pool
from hverdagsbro.dev_secrets import DevelopmentOnlyError
from hverdagsbro.encryption import EncryptionCodec, generate_key, parse_keys
from hverdagsbro.episode_keys import EpisodeKeys
from hverdagsbro.settings import Settings
from tests.conftest import ADMIN_URL

UI_ORIGIN = "http://localhost:8080"
NAMESPACE = "hverdagsbro"
OLD_KEY, NEW_KEY = generate_key(), generate_key()
KEYS = f"k2:{NEW_KEY},k1:{OLD_KEY}"
SECRET_NAME = "Anne Hansen"
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"name":"Anne Hansen"}')
OTHER = Payload(metadata={"encoding": b"json/plain"}, data=b'{"phone":"+4512345678"}')

Environment = Literal["development", "production"]
Token = Callable[[str], Awaitable[tuple[str, str]]]


def settings_for(environment: Environment, data_dir: Path, **extra: Any) -> Settings:
    given: dict[str, Any] = {
        "environment": environment,
        "encryption_keys": KEYS,
        "codec_allowed_origins": UI_ORIGIN,
        "codec_tokens": None,
        "data_dir": data_dir,
    }
    return Settings(**{**given, **extra})


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://codec")


@pytest.fixture
async def production(db_pool: DatabasePool, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The codec server as docker-compose runs it: HVERDAGSBRO_ENVIRONMENT=production."""
    async with client_of(codec_app(settings_for("production", tmp_path), db_pool)) as client:
        yield client


@pytest.fixture
async def development(db_pool: DatabasePool, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The codec server of `hverdagsbro dev`: a generated token under the data folder."""
    async with client_of(codec_app(settings_for("development", tmp_path), db_pool)) as client:
        yield client


@pytest.fixture
def token(db_pool: DatabasePool) -> Token:
    """A fresh API token of the given role: (token id, secret)."""

    async def make(role: str) -> tuple[str, str]:
        async with db_pool.acquire() as conn:
            return await create_token(conn, name=f"codec test {role}", role=role, ttl=None)

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "X-Namespace": NAMESPACE}


def body(*payloads: Payload) -> dict[str, Any]:
    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


def payloads_of(response: httpx.Response) -> list[Payload]:
    return [json_format.ParseDict(p, Payload()) for p in response.json()["payloads"]]


async def sealed_by_a_worker(
    pool: DatabasePool, workflow_id: str, *payloads: Payload
) -> list[Payload]:
    """Payloads as a worker stores them in an episode's history: under the episode's own key."""
    codec = EncryptionCodec(EpisodeKeys(parse_keys(KEYS), pool)).with_context(
        WorkflowSerializationContext(namespace=NAMESPACE, workflow_id=workflow_id)
    )
    return await codec.encode(list(payloads))


def new_episode() -> str:
    return f"episode-{uuid.uuid4().hex}"


async def audit_of(pool: DatabasePool, token_id: str) -> list[DecodeAudit]:
    async with pool.acquire() as conn:
        return await decodes_by(conn, token_id)


async def test_an_operator_decodes_an_episode_and_the_audit_names_their_token_and_the_episode(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    token_id, secret = await token("operator")
    workflow_id = new_episode()
    sealed = await sealed_by_a_worker(db_pool, workflow_id, PLAIN, OTHER)
    assert all(p.metadata["encryption-key-id"] == f"ep.{workflow_id}".encode() for p in sealed)

    decoded = await production.post("/decode", json=body(*sealed), headers=bearer(secret))

    assert decoded.status_code == 200
    assert payloads_of(decoded) == [PLAIN, OTHER]
    [line] = await audit_of(db_pool, token_id)
    assert (line.actor_role, line.actor_id, line.episode_id) == ("operator", token_id, workflow_id)
    assert (line.payloads, line.namespace, line.reason) == (2, NAMESPACE, "")


async def test_a_decode_of_two_episodes_leaves_a_line_for_each_and_no_payload_content(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    token_id, secret = await token("operator")
    first, second = new_episode(), new_episode()
    sealed = [
        *await sealed_by_a_worker(db_pool, first, PLAIN),
        *await sealed_by_a_worker(db_pool, second, PLAIN, OTHER),
        *await EncryptionCodec(parse_keys(KEYS)).encode([OTHER]),
    ]

    decoded = await production.post("/decode", json=body(*sealed), headers=bearer(secret))

    assert decoded.status_code == 200
    lines = await audit_of(db_pool, token_id)
    assert {(line.episode_id, line.payloads) for line in lines} == {
        (first, 1),
        (second, 2),
        (None, 1),
    }
    rows = await db_pool.fetch("SELECT * FROM audit_log WHERE actor_id = $1", token_id)
    assert SECRET_NAME not in str([dict(r) for r in rows])
    assert "+4512345678" not in str([dict(r) for r in rows])


@pytest.mark.parametrize("role", ["integration", "medcom_gateway"])
async def test_a_system_token_of_another_role_cannot_decode(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool, role: str
) -> None:
    token_id, secret = await token(role)
    sealed = await sealed_by_a_worker(db_pool, new_episode(), PLAIN)

    response = await production.post("/decode", json=body(*sealed), headers=bearer(secret))

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_AN_OPERATOR}
    assert SECRET_NAME not in response.text
    assert await audit_of(db_pool, token_id) == []


async def test_a_revoked_operator_token_cannot_decode(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    token_id, secret = await token("operator")
    async with db_pool.acquire() as conn:
        assert await revoke_token(conn, token_id)
    sealed = await sealed_by_a_worker(db_pool, new_episode(), PLAIN)

    response = await production.post("/decode", json=body(*sealed), headers=bearer(secret))

    assert response.status_code == 403
    assert await audit_of(db_pool, token_id) == []


async def test_the_old_shared_codec_token_and_guesses_are_refused(
    production: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    sealed = await sealed_by_a_worker(db_pool, new_episode(), PLAIN)
    for guess in ["guessed", "operator-token-1", "hb_" + "A" * 43, "x\x00y", "ø" * 2000]:
        headers = {b"Authorization": f"Bearer {guess}".encode()}
        response = await production.post("/decode", json=body(*sealed), headers=headers)
        assert response.status_code == 403, guess
        assert response.json() == {"detail": NOT_AN_OPERATOR}


async def test_without_a_token_the_answer_is_401(production: httpx.AsyncClient) -> None:
    response = await production.post("/decode", json=body(PLAIN), headers={"X-Namespace": "x"})

    assert response.status_code == 401
    assert response.json() == {"detail": NEEDS_BEARER}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_operator_cannot_forge_a_payload_through_encode_in_production(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    """Workers trust whatever decrypts: an encoding oracle would let a token holder forge
    episode input. In production /encode answers 403 to everyone, operators included."""
    _, secret = await token("operator")
    forged = Payload(metadata={"encoding": b"json/plain"}, data=b'{"kind":"deceased"}')

    for path in ["/encode", f"/t/{secret}/encode"]:
        response = await production.post(path, json=body(forged), headers=bearer(secret))
        assert response.status_code == 403, path
        assert response.json() == {"detail": ENCODE_REFUSED}
        assert "payloads" not in response.json()


async def test_the_token_in_the_path_is_refused_in_production(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    """A token in the URL ends up in proxy and browser logs: production takes headers only."""
    token_id, secret = await token("operator")
    sealed = await sealed_by_a_worker(db_pool, new_episode(), PLAIN)

    response = await production.post(f"/t/{secret}/decode", json=body(*sealed))

    assert response.status_code == 403
    assert response.json() == {"detail": PATH_TOKEN_REFUSED}
    assert await audit_of(db_pool, token_id) == []


def test_shared_codec_tokens_are_refused_in_production(
    db_pool: DatabasePool, tmp_path: Path
) -> None:
    settings = settings_for("production", tmp_path, codec_tokens="shared-secret")

    with pytest.raises(DevelopmentOnlyError, match="HVERDAGSBRO_CODEC_TOKENS"):
        codec_app(settings, db_pool)


def test_production_never_generates_a_codec_token(db_pool: DatabasePool, tmp_path: Path) -> None:
    codec_app(settings_for("production", tmp_path), db_pool)

    assert not (tmp_path / "codec-token").exists()


async def test_a_refused_decode_is_audited_too(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    token_id, secret = await token("operator")
    workflow_id = new_episode()
    [sealed] = await sealed_by_a_worker(db_pool, workflow_id, PLAIN)
    flipped = bytearray(sealed.data)
    flipped[20] ^= 0xFF
    sealed.data = bytes(flipped)

    response = await production.post("/decode", json=body(sealed), headers=bearer(secret))

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"payload encrypted with key 'ep.{workflow_id}' failed authentication: it was "
        "altered or the configured key with that id is not the one used"
    }
    [line] = await audit_of(db_pool, token_id)
    assert line.episode_id == workflow_id
    assert line.reason.startswith("payload encrypted with key")


async def test_text_postgresql_cannot_store_is_refused_naming_the_field(
    production: httpx.AsyncClient, token: Token, db_pool: DatabasePool
) -> None:
    _, secret = await token("operator")
    [sealed] = await sealed_by_a_worker(db_pool, new_episode(), PLAIN)
    nul_key = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"ep.episode-\x00"},
        data=sealed.data,
    )

    bad_key = await production.post("/decode", json=body(nul_key), headers=bearer(secret))
    bad_namespace = await production.post(
        "/decode",
        json=body(sealed),
        headers={"Authorization": f"Bearer {secret}", "X-Namespace": "ns\x01"},
    )

    assert bad_key.status_code == 400
    assert bad_key.json() == {"detail": "payloads.0.metadata.encryption-key-id: not a key id"}
    assert bad_namespace.status_code == 400
    assert bad_namespace.json() == {"detail": "X-Namespace: not a Temporal namespace name"}


async def test_payload_encrypted_with_a_rotated_out_key_still_decodes(
    production: httpx.AsyncClient, token: Token
) -> None:
    _, secret = await token("operator")
    [old] = await EncryptionCodec(parse_keys(f"k1:{OLD_KEY}")).encode([PLAIN])

    decoded = await production.post("/decode", json=body(old), headers=bearer(secret))

    assert decoded.status_code == 200
    assert payloads_of(decoded) == [PLAIN]


async def test_payload_from_an_unknown_key_names_the_key(
    production: httpx.AsyncClient, token: Token
) -> None:
    _, secret = await token("operator")
    [foreign] = await EncryptionCodec(parse_keys(f"k9:{generate_key()}")).encode([PLAIN])

    response = await production.post("/decode", json=body(foreign), headers=bearer(secret))

    assert response.status_code == 400
    assert "'k9'" in response.json()["detail"]


async def test_malformed_payload_names_its_position(
    production: httpx.AsyncClient, token: Token
) -> None:
    _, secret = await token("operator")
    good = json_format.MessageToDict(PLAIN)
    bad = {"metadata": ["json/plain"], "data": base64.b64encode(b"{}").decode()}

    response = await production.post(
        "/decode", json={"payloads": [good, bad]}, headers=bearer(secret)
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("payloads.1: not a Temporal payload")


async def test_ui_origin_preflight_is_allowed_without_a_token(
    production: httpx.AsyncClient,
) -> None:
    response = await production.options(
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


async def test_other_origins_get_no_cors_grant(production: httpx.AsyncClient) -> None:
    response = await production.options(
        "/decode",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_refusals_reach_the_ui_with_cors_headers(production: httpx.AsyncClient) -> None:
    response = await production.post("/decode", json=body(PLAIN), headers={"Origin": UI_ORIGIN})

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN


async def test_health_needs_no_token(production: httpx.AsyncClient) -> None:
    response = await production.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_the_dev_ui_decodes_with_the_generated_token_in_the_path(
    development: httpx.AsyncClient, db_pool: DatabasePool, tmp_path: Path
) -> None:
    dev_token = (tmp_path / "codec-token").read_text().strip()
    workflow_id = new_episode()
    sealed = await sealed_by_a_worker(db_pool, workflow_id, PLAIN)

    decoded = await development.post(f"/t/{dev_token}/decode", json=body(*sealed))
    wrong = await development.post("/t/not-the-token/decode", json=body(*sealed))

    assert decoded.status_code == 200
    assert payloads_of(decoded) == [PLAIN]
    assert wrong.status_code == 403
    lines = await audit_of(db_pool, DEVELOPMENT_ACTOR)
    assert [line.payloads for line in lines if line.episode_id == workflow_id] == [1]


async def test_in_development_an_operator_may_encode_then_decode(
    development: httpx.AsyncClient, token: Token
) -> None:
    _, secret = await token("operator")
    encoded = await development.post("/encode", json=body(PLAIN), headers=bearer(secret))
    assert encoded.status_code == 200
    [sealed] = payloads_of(encoded)
    assert sealed.metadata["encoding"] == b"binary/encrypted"
    assert b"Anne" not in sealed.data

    decoded = await development.post("/decode", json=encoded.json(), headers=bearer(secret))

    assert payloads_of(decoded) == [PLAIN]


async def test_in_development_other_roles_still_cannot_encode(
    development: httpx.AsyncClient, token: Token
) -> None:
    _, secret = await token("integration")

    response = await development.post("/encode", json=body(PLAIN), headers=bearer(secret))

    assert response.status_code == 403


async def test_the_database_away_is_a_503_not_a_stack_trace(tmp_path: Path) -> None:
    pool = await create_pool(ADMIN_URL, give_up_after=2.0, max_size=1)
    app = codec_app(settings_for("production", tmp_path), pool)
    await pool.close()
    async with client_of(app) as client:
        response = await client.post("/decode", json=body(PLAIN), headers=bearer("hb_x"))

    assert response.status_code == 503


def test_tokens_are_read_from_a_comma_separated_list() -> None:
    assert parse_tokens(" a1 ,b2,, ") == {"a1", "b2"}
