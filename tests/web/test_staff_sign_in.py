"""Staff sign in through a real OpenID Connect provider started here (oidc-provider-mock in a
thread; the test sets the claims of whoever "signs in"): a nurse lands on the ward page with
the ward the claims map to; an expired token, a replayed nonce, a refusal at the provider, a
provider that is down, a user without a role and a role taken away are each refused with a
page in the catalog's words; an organisation with password log-in switched off refuses it;
the housekeeping sweep removes sign-ins that never came back from the provider; a password
user linked to a subject signs in as themselves; the peer role goes only to a roster peer."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page

from api import housekeeping
from api.auth import SESSION_COOKIE
from api.web.labels import TEXTS
from db.access import secret_digest
from db.identity_providers import (
    IdentityProvider,
    LinkOutcome,
    PendingSignIn,
    RoleMapping,
    begin_sign_in,
    link_user,
    provider,
    save_mapping,
    save_provider,
    set_password_login,
)
from db.pool import DatabasePool
from tests.conftest import free_port
from tests.web.axe import assert_accessible
from tests.web.conftest import PASSWORD, web_roster
from tests.web.oidc_provider import SECRET_ENV, provider_answer, set_claims
from tests.web.test_login_throttle import try_login


def english(key: str) -> str:
    return TEXTS[key][1]


@pytest.fixture(autouse=True)
def client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "a-client-secret")


async def region_with_provider(pool: DatabasePool, issuer: str) -> tuple[str, str, str]:
    """(provider id, organisation id, ward id): a roster whose nurses' group maps to its ward
    and whose coordinators' group to the coordinator role."""
    roster = await web_roster(pool, peers=1)
    provider_id = f"idp-{secrets.token_hex(4)}"
    async with pool.acquire() as conn:
        await save_provider(
            conn,
            IdentityProvider(
                provider_id=provider_id,
                organisation_id=roster.organisation_id,
                display_name=f"Region {provider_id}",
                issuer=issuer,
                client_id="hverdagsbro",
                client_secret_env=SECRET_ENV,
                scopes="openid profile",
                role_claim="groups",
                active=True,
            ),
        )
        await save_mapping(
            conn,
            RoleMapping(
                provider_id=provider_id, claim_value="nurses", role="ward", ward_id=roster.ward_id
            ),
        )
        await save_mapping(
            conn,
            RoleMapping(
                provider_id=provider_id, claim_value="coordinators", role="coordinator", rank=10
            ),
        )
    return provider_id, roster.organisation_id, roster.ward_id


@pytest.fixture
async def app_client(web_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app), base_url="http://test"
    ) as client:
        yield client


async def at_provider(client: httpx.AsyncClient, provider_id: str, form: dict[str, str]) -> str:
    """Start at the log-in button, answer the provider's form; the callback address."""
    return await provider_answer(client, f"/login/sso/{provider_id}?next=/", form)


async def sign_in(client: httpx.AsyncClient, provider_id: str, subject: str) -> httpx.Response:
    return await client.get(await at_provider(client, provider_id, {"sub": subject}))


async def audit_actions(pool: DatabasePool, provider_id: str) -> list[str]:
    """The provider's audit lines, sorted (lines of one transaction share their time)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, detail->>'reason' AS reason FROM audit_log"
            " WHERE detail->>'provider' = $1 ORDER BY at, audit_id",
            provider_id,
        )
    return sorted(f"{r['action']}:{r['reason'] or ''}" for r in rows)


async def test_a_nurse_signs_in_and_lands_on_the_ward_of_their_claims(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, organisation_id, ward_id = await region_with_provider(db_pool, idp)
    await set_claims(idp, "nurse@region.example", name="Nurse Ida", groups=["nurses"])
    page = await app_client.get("/login?lang=en")
    assert f"Sign in with Region {provider_id}" in page.text
    done = await sign_in(app_client, provider_id, "nurse@region.example")
    assert done.status_code == 303, done.text
    assert SESSION_COOKIE in done.cookies
    home = await app_client.get("/", follow_redirects=True)
    assert home.url.path == "/ward"
    assert "Nurse Ida" in home.text
    async with db_pool.acquire() as conn:
        user = await conn.fetchrow(
            "SELECT u.user_id, u.role, u.ward_id, u.organisation_id FROM identity_links l"
            " JOIN users u USING (user_id) WHERE l.provider_id = $1",
            provider_id,
        )
    assert user is not None
    assert (user["role"], user["ward_id"], user["organisation_id"]) == (
        "ward",
        ward_id,
        organisation_id,
    )
    assert "nurse@region.example" not in user["user_id"]
    assert await audit_actions(db_pool, provider_id) == ["staff.signed_in:", "staff.user_created:"]


async def test_a_role_changes_and_is_taken_away_at_the_next_sign_in(
    web_app: FastAPI, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    subject = f"staff-{secrets.token_hex(3)}@region.example"
    await set_claims(idp, subject, name="Staff", groups=["nurses"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app), base_url="http://test"
    ) as first:
        assert (await sign_in(first, provider_id, subject)).status_code == 303
        # Both groups: the coordinators' mapping has the lower rank and wins.
        await set_claims(idp, subject, name="Staff", groups=["nurses", "coordinators"])
        assert (await sign_in(first, provider_id, subject)).status_code == 303
        assert (await first.get("/", follow_redirects=True)).url.path == "/coordinator"
        await set_claims(idp, subject, name="Staff", groups=["canteen"])
        refused = await sign_in(first, provider_id, subject)
        assert refused.status_code == 403
        assert TEXTS["sso.no_role"][0] in refused.text
        # The session from before is over too.
        assert (await first.get("/ward")).status_code == 303
    assert await audit_actions(db_pool, provider_id) == [
        "staff.role_changed:",
        "staff.role_removed:",
        "staff.sign_in_refused:no_role",
        "staff.signed_in:",
        "staff.signed_in:",
        "staff.user_created:",
    ]


async def test_someone_whose_claims_grant_no_role_is_not_created(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    await set_claims(idp, "visitor@region.example", groups=["visitors"])
    refused = await sign_in(app_client, provider_id, "visitor@region.example")
    assert refused.status_code == 403
    assert TEXTS["sso.no_role"][0] in refused.text  # Danish by default
    assert SESSION_COOKIE not in refused.cookies
    async with db_pool.acquire() as conn:
        links = await conn.fetchval(
            "SELECT count(*) FROM identity_links WHERE provider_id = $1", provider_id
        )
    assert links == 0


async def test_an_expired_id_token_is_refused_with_a_clear_page(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, stale_idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, stale_idp)
    await set_claims(stale_idp, "late@region.example", groups=["nurses"])
    app_client.cookies.set("hb_lang", "en")
    refused = await sign_in(app_client, provider_id, "late@region.example")
    assert refused.status_code == 401
    assert english("sso.token") in refused.text
    assert SESSION_COOKIE not in refused.cookies
    assert await audit_actions(db_pool, provider_id) == ["staff.sign_in_refused:expired"]


async def test_a_token_with_another_sign_ins_nonce_is_refused(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    await set_claims(idp, "replay@region.example", groups=["nurses"])
    callback = await at_provider(app_client, provider_id, {"sub": "replay@region.example"})
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE identity_sign_ins SET nonce = 'a-nonce-of-another-sign-in'"
            " WHERE provider_id = $1",
            provider_id,
        )
    refused = await app_client.get(callback)
    assert refused.status_code == 401
    assert TEXTS["sso.token"][0] in refused.text
    assert await audit_actions(db_pool, provider_id) == ["staff.sign_in_refused:nonce"]


async def test_the_callback_refuses_what_it_did_not_start(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    await set_claims(idp, "twice@region.example", groups=["nurses"])
    missing = await app_client.get("/login/sso/callback?lang=en")
    assert missing.status_code == 400
    assert english("sso.bad_request") in missing.text
    callback = await at_provider(app_client, provider_id, {"sub": "twice@region.example"})
    assert (await app_client.get(callback)).status_code == 303
    # The same answer again: the state was used.
    again = await app_client.get(callback)
    assert again.status_code == 403
    assert english("sso.stale") in again.text
    # Another browser (without this one's state cookie) bringing a state.
    async with httpx.AsyncClient(
        transport=app_client._transport, base_url="http://test"
    ) as stranger:
        forged = await stranger.get("/login/sso/callback?state=abc&code=def")
    assert forged.status_code == 403
    unknown = await app_client.get("/login/sso/no-such-provider")
    assert unknown.status_code == 404
    assert english("sso.unknown_provider") in unknown.text


async def test_a_refusal_at_the_provider_is_a_clear_page(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    denied = await app_client.get(await at_provider(app_client, provider_id, {"action": "deny"}))
    assert denied.status_code == 401
    assert TEXTS["sso.denied"][0] in denied.text
    assert await audit_actions(db_pool, provider_id) == ["staff.sign_in_refused:provider_error"]


async def test_a_provider_that_is_down_is_a_clear_page(
    app_client: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, f"http://127.0.0.1:{free_port()}")
    down = await app_client.get(f"/login/sso/{provider_id}?lang=en")
    assert down.status_code == 503
    assert english("sso.down") in down.text


async def test_an_organisation_without_passwords_refuses_a_password_log_in(
    web_app: FastAPI, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, organisation_id, _ = await region_with_provider(db_pool, idp)
    async with db_pool.acquire() as conn:
        nurse = await conn.fetchval(
            "SELECT user_id FROM users WHERE organisation_id = $1 AND role = 'ward'"
            " AND password_hash IS NOT NULL LIMIT 1",
            organisation_id,
        )
        await set_password_login(conn, organisation_id, False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app, client=("2001:db8::5", 4000)),
        base_url="http://test",
        cookies={"hb_lang": "en"},
    ) as client:
        refused = await try_login(client, nurse, PASSWORD)
        assert refused.status_code == 403
        assert english("login.password_off") in refused.text
        assert f"Sign in with Region {provider_id}" in refused.text
        async with db_pool.acquire() as conn:
            await set_password_login(conn, organisation_id, True)
        assert (await try_login(client, nurse, PASSWORD)).status_code == 303


@pytest.mark.browser
async def test_a_nurse_signs_in_through_the_provider_in_a_browser(
    new_page: object, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, ward_id = await region_with_provider(db_pool, idp)
    await set_claims(idp, "ida@region.example", name="Ida Nurse", groups=["nurses"])
    page: Page = await new_page()  # type: ignore[operator]
    await page.goto("/login?lang=en")
    await assert_accessible(page, context="log-in page with a provider")
    await page.get_by_role("link", name=f"Sign in with Region {provider_id}").click()
    await page.get_by_placeholder("sub").fill("ida@region.example")
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url("**/ward")
    assert "Ida Nurse" in await page.locator("header").inner_text()
    await page.get_by_role("button", name="Log out").click()
    # The provider's own end-session page (it supports RP-initiated log-out).
    await page.wait_for_url(f"{idp}/oauth2/end_session**")
    await page.goto("/ward")
    await page.wait_for_url("**/login**")
    # A refusal is a page of our own, in the catalog's words, and accessible.
    await page.goto("/login/sso/callback?lang=en")
    assert english("sso.bad_request") in await page.locator("main").inner_text()
    await assert_accessible(page, context="sign-in refused")
    del ward_id


async def test_the_housekeeping_sweep_removes_sign_ins_that_never_came_back(
    db_pool: DatabasePool, idp: str
) -> None:
    provider_id, _, _ = await region_with_provider(db_pool, idp)
    left, live = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pending = PendingSignIn(provider_id=provider_id, nonce="n", code_verifier="v", next_path="/")
    async with db_pool.acquire() as conn:
        await begin_sign_in(conn, left, pending, timedelta(minutes=-1))
        await begin_sign_in(conn, live, pending, timedelta(minutes=10))
    await housekeeping.sweep(db_pool)
    async with db_pool.acquire() as conn:
        kept = await conn.fetch(
            "SELECT state_hash FROM identity_sign_ins WHERE provider_id = $1", provider_id
        )
    assert [r["state_hash"] for r in kept] == [secret_digest(live)]


async def link(pool: DatabasePool, provider_id: str, subject: str, user_id: str) -> LinkOutcome:
    async with pool.acquire() as conn:
        chosen = await provider(conn, provider_id)
        assert chosen is not None
        return await link_user(conn, chosen, subject, user_id)


async def test_a_password_user_linked_to_the_provider_signs_in_as_themselves(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, organisation_id, ward_id = await region_with_provider(db_pool, idp)
    async with db_pool.acquire() as conn:
        nurse = await conn.fetchval(
            "SELECT user_id FROM users WHERE organisation_id = $1 AND role = 'ward'"
            " AND password_hash IS NOT NULL LIMIT 1",
            organisation_id,
        )
    subject = f"linked-{secrets.token_hex(3)}@region.example"
    assert await link(db_pool, provider_id, subject, nurse) == LinkOutcome.LINKED
    assert await link(db_pool, provider_id, subject, "someone-else") == LinkOutcome.NO_USER
    await set_claims(idp, subject, name="Linked Nurse", groups=["nurses"])
    assert (await sign_in(app_client, provider_id, subject)).status_code == 303
    async with db_pool.acquire() as conn:
        session_user = await conn.fetchval(
            "SELECT user_id FROM sessions WHERE provider_id = $1", provider_id
        )
        users = await conn.fetchval(
            "SELECT count(*) FROM identity_links WHERE provider_id = $1", provider_id
        )
    assert (session_user, users) == (nurse, 1)
    assert (await app_client.get("/", follow_redirects=True)).url.path == "/ward"
    del ward_id


async def test_a_peer_of_the_roster_signs_in_by_claims_and_nobody_else_becomes_one(
    app_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id, organisation_id, _ = await region_with_provider(db_pool, idp)
    async with db_pool.acquire() as conn:
        await save_mapping(
            conn, RoleMapping(provider_id=provider_id, claim_value="peers", role="peer")
        )
        peer = await conn.fetchval(
            "SELECT peer_id FROM peers WHERE organisation_id = $1 LIMIT 1", organisation_id
        )
    await set_claims(idp, "peer@region.example", name="Peer", groups=["peers"])
    await set_claims(idp, "stranger@region.example", name="Stranger", groups=["peers"])
    assert await link(db_pool, provider_id, "peer@region.example", peer) == LinkOutcome.LINKED
    assert (await sign_in(app_client, provider_id, "peer@region.example")).status_code == 303
    assert (await app_client.get("/", follow_redirects=True)).url.path == "/peer"
    refused = await sign_in(app_client, provider_id, "stranger@region.example")
    assert refused.status_code == 403
    assert TEXTS["sso.no_role"][0] in refused.text
    assert await audit_actions(db_pool, provider_id) == [
        "staff.linked:",
        "staff.sign_in_refused:not_on_peer_roster",
        "staff.signed_in:",
    ]
