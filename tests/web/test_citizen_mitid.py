"""The citizen signs in with MitID through an OpenID Connect broker (a real provider started
here, oidc-provider-mock, giving the CPR claim `dk:gov:cpr`): they land on My bridge and reach
their own episodes, not another citizen's; a CPR number with no episode here gets the neutral
/my page; a malformed or missing CPR claim, an expired token and a staff provider at the
citizen's route are refused with a page in the catalog's words. The CPR number is in no log
line, audit line or URL of ours. In the browser: the MitID button on /my, with axe."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page

from api.auth import CITIZEN_COOKIE
from api.web.labels import TEXTS
from db.identity_providers import IdentityProvider, save_provider
from db.pool import DatabasePool
from hverdagsbro.log_setup import configure_logging
from tests.api.bodies import new_cpr
from tests.web.axe import assert_accessible
from tests.web.citizen import refer_citizen
from tests.web.conftest import ApiAs, web_roster
from tests.web.oidc_provider import SECRET_ENV, provider_answer, set_claims

CPR_CLAIM = "dk:gov:cpr"


def english(key: str) -> str:
    return TEXTS[key][1]


@pytest.fixture(autouse=True)
def client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "a-client-secret")


async def broker(pool: DatabasePool, issuer: str, *, kind: str = "citizen") -> str:
    """A citizens' broker (MitID) of a new organisation's region; its provider id."""
    roster = await web_roster(pool, peers=1)
    provider_id = f"mitid-{secrets.token_hex(4)}"
    async with pool.acquire() as conn:
        await save_provider(
            conn,
            IdentityProvider(
                provider_id=provider_id,
                organisation_id=roster.organisation_id,
                display_name=f"MitID {provider_id}",
                issuer=issuer,
                client_id="hverdagsbro",
                client_secret_env=SECRET_ENV,
                scopes="openid",
                role_claim="groups",
                active=True,
                kind="citizen" if kind == "citizen" else "staff",
                cpr_claim=CPR_CLAIM,
            ),
        )
    return provider_id


@pytest.fixture
async def citizen_client(web_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web_app), base_url="http://test"
    ) as client:
        yield client


async def with_mitid(client: httpx.AsyncClient, provider_id: str, subject: str) -> httpx.Response:
    """Press the MitID button, sign in as `subject` at the broker, come back."""
    back = await provider_answer(client, f"/my/mitid/{provider_id}", {"sub": subject})
    assert back.startswith("/my/mitid/callback?")
    return await client.get(back)


async def audit_lines(pool: DatabasePool, provider_id: str) -> list[tuple[str, str, str]]:
    """(action, actor id, reason) of the broker's audit lines, sorted."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, actor_id, coalesce(detail->>'reason', '') AS reason FROM audit_log"
            " WHERE detail->>'provider' = $1",
            provider_id,
        )
    return sorted((r["action"], r["actor_id"], r["reason"]) for r in rows)


async def test_a_citizen_signs_in_with_mitid_and_reaches_only_their_own_episodes(
    citizen_client: httpx.AsyncClient,
    api_as: ApiAs,
    db_pool: DatabasePool,
    idp: str,
) -> None:
    provider_id = await broker(db_pool, idp)
    roster = await web_roster(db_pool)
    ward = await api_as(roster.ward_nurse)
    cpr, other_cpr = new_cpr(), new_cpr()
    own = await refer_citizen(ward, db_pool, roster, {"cpr": cpr})
    others = await refer_citizen(ward, db_pool, roster, {"cpr": other_cpr})
    await set_claims(idp, "mitid-subject-1", **{CPR_CLAIM: cpr})
    page = await citizen_client.get("/my?lang=en")
    assert f"Sign in with MitID {provider_id}" in page.text
    logs = io.StringIO()
    configure_logging("json", "INFO", stream=logs)
    try:
        signed = await with_mitid(citizen_client, provider_id, "mitid-subject-1")
    finally:
        configure_logging("console", "INFO")
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/my/bridge"
    assert CITIZEN_COOKIE in signed.cookies
    bridge = await citizen_client.get("/my/bridge?lang=en")
    assert bridge.status_code == 200 and english("my.signed_in") in bridge.text
    mine = await citizen_client.get(f"/my/consent/{own}/withdraw?lang=en")
    assert mine.status_code != 404
    theirs = await citizen_client.get(f"/my/consent/{others}/withdraw?lang=en")
    assert theirs.status_code == 404
    async with db_pool.acquire() as conn:
        citizen_id = await conn.fetchval("SELECT citizen_id FROM citizens WHERE cpr = $1", cpr)
        details = await conn.fetch(
            "SELECT detail::text AS detail, episode_id FROM audit_log"
            " WHERE detail->>'provider' = $1",
            provider_id,
        )
    assert await audit_lines(db_pool, provider_id) == [("citizen.signed_in", citizen_id, "")]
    assert details[0]["episode_id"] == own
    assert cpr not in details[0]["detail"]
    # Without the provider's own lines (it runs in this process and logs what it issues).
    ours = [
        line
        for line in logs.getvalue().splitlines()
        if not str(json.loads(line).get("logger", "")).startswith(
            ("oidc_provider_mock", "werkzeug")
        )
    ]
    assert ours, "the log capture worked"
    assert not [line for line in ours if cpr in line]
    assert cpr not in signed.headers["location"]


async def test_a_cpr_number_with_no_episode_gets_the_neutral_page(
    citizen_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    provider_id = await broker(db_pool, idp)
    await set_claims(idp, "mitid-subject-2", **{CPR_CLAIM: new_cpr()})
    answered = await with_mitid(citizen_client, provider_id, "mitid-subject-2")
    assert answered.status_code == 303
    assert answered.headers["location"] == "/my?notice=mitid_none"
    assert CITIZEN_COOKIE not in answered.cookies
    citizen_client.cookies.set("hb_lang", "en")
    page = await citizen_client.get(answered.headers["location"])
    assert page.status_code == 200
    assert english("notice.mitid_none") in page.text
    assert english("my.ask.submit") in page.text
    assert await audit_lines(db_pool, provider_id) == [
        ("citizen.sign_in_refused", "unknown", "no_episode")
    ]


@pytest.mark.parametrize(
    "claims",
    [{CPR_CLAIM: "010203-1234"}, {CPR_CLAIM: "01020312345"}, {CPR_CLAIM: 102031234}, {}],
    ids=["with a dash", "eleven digits", "a number", "missing"],
)
async def test_a_malformed_cpr_claim_is_refused_with_a_clear_page(
    citizen_client: httpx.AsyncClient,
    db_pool: DatabasePool,
    idp: str,
    claims: dict[str, object],
) -> None:
    provider_id = await broker(db_pool, idp)
    subject = f"mitid-{secrets.token_hex(3)}"
    await set_claims(idp, subject, **claims)
    citizen_client.cookies.set("hb_lang", "en")
    refused = await with_mitid(citizen_client, provider_id, subject)
    assert refused.status_code == 403
    assert english("mitid.bad_cpr") in refused.text
    assert 'href="/my"' in refused.text
    assert CITIZEN_COOKIE not in refused.cookies
    assert await audit_lines(db_pool, provider_id) == [
        ("citizen.sign_in_refused", "unknown", "cpr_claim")
    ]


async def test_an_expired_token_from_the_broker_is_refused(
    citizen_client: httpx.AsyncClient, db_pool: DatabasePool, stale_idp: str
) -> None:
    provider_id = await broker(db_pool, stale_idp)
    await set_claims(stale_idp, "mitid-late", **{CPR_CLAIM: new_cpr()})
    refused = await with_mitid(citizen_client, provider_id, "mitid-late")
    assert refused.status_code == 401
    assert TEXTS["sso.token"][0] in refused.text  # Danish by default
    assert CITIZEN_COOKIE not in refused.cookies
    assert await audit_lines(db_pool, provider_id) == [
        ("citizen.sign_in_refused", "unknown", "expired")
    ]


async def test_a_staff_provider_is_no_citizens_broker_and_the_other_way_round(
    citizen_client: httpx.AsyncClient, db_pool: DatabasePool, idp: str
) -> None:
    staff_provider = await broker(db_pool, idp, kind="staff")
    citizens_broker = await broker(db_pool, idp)
    citizen_client.cookies.set("hb_lang", "en")
    at_citizens = await citizen_client.get(f"/my/mitid/{staff_provider}")
    assert at_citizens.status_code == 404
    assert english("sso.unknown_provider") in at_citizens.text
    assert (await citizen_client.get(f"/login/sso/{citizens_broker}")).status_code == 404
    login = await citizen_client.get("/login")
    assert f"MitID {citizens_broker}" not in login.text
    assert f"MitID {staff_provider}" in login.text
    # A staff sign-in's state does not finish at the citizen's callback.
    begun = await citizen_client.get(f"/login/sso/{staff_provider}")
    state = httpx.URL(begun.headers["location"]).params["state"]
    crossed = await citizen_client.get(f"/my/mitid/callback?state={state}&code=x")
    assert crossed.status_code == 403
    assert english("sso.stale") in crossed.text


@pytest.mark.browser
async def test_a_citizen_signs_in_with_the_mitid_button_in_a_browser(
    new_page: Callable[[], Awaitable[Page]],
    api_as: ApiAs,
    db_pool: DatabasePool,
    idp: str,
) -> None:
    provider_id = await broker(db_pool, idp)
    roster = await web_roster(db_pool)
    cpr = new_cpr()
    await refer_citizen(await api_as(roster.ward_nurse), db_pool, roster, {"cpr": cpr})
    await set_claims(idp, "mitid-browser", **{CPR_CLAIM: cpr})
    page = await new_page()
    await page.goto("/my?lang=en")
    await assert_accessible(page, context="/my with a MitID button")
    # The link form refused: the MitID way in is still offered beside the field's error.
    await page.get_by_label("Mobile number or e-mail address").fill("12 34")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="Send me a link").click()
    assert (await posted.value).status == 422
    assert await page.locator("#err-contact").is_visible()
    await page.get_by_role("link", name=f"Sign in with MitID {provider_id}").click()
    await page.get_by_placeholder("sub").fill("mitid-browser")
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url("**/my/bridge")
    assert english("my.signed_in") in await page.locator("main").inner_text()
    # A citizen the broker knows but this system does not: the neutral page, accessible.
    await page.context.clear_cookies()
    await set_claims(idp, "mitid-stranger", **{CPR_CLAIM: new_cpr()})
    await page.goto("/my?lang=en")
    await page.get_by_role("link", name=f"Sign in with MitID {provider_id}").click()
    await page.get_by_placeholder("sub").fill("mitid-stranger")
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url("**/my?notice=mitid_none")
    assert english("notice.mitid_none") in await page.locator("main").inner_text()
    await assert_accessible(page, context="/my after MitID found no episode")
