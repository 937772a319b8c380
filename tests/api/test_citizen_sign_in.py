"""The citizen's sign-in over HTTP: a link by SMS signs in once (cookie HttpOnly, SameSite=Lax,
Secure on https) and its code then no longer works; a citizen's session opens no staff page
and no JSON API route, and only the citizen's own episodes; three links per address in 15
minutes and ten tries per client; a refusing mail server leaves the link unsent and tells the
member of staff; forms without their page's token are refused; nothing personal is logged;
the housekeeping sweep ends old sessions."""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api import housekeeping
from api.app import create_app
from api.auth import CITIZEN_COOKIE, SESSION_COOKIE
from api.web.citizen_guard import CitizenEpisode, CitizenRoute
from command.synthetic.roster import Roster, make_roster
from db.access import create_session, secret_digest
from db.citizen_sign_in import LINKS_PER_ADDRESS
from db.pool import DatabasePool
from hverdagsbro.log_setup import configure_logging
from hverdagsbro.redaction import REDACTED
from hverdagsbro.settings import Settings
from tests.activities.conftest import SmsGateway, running_sms_gateway
from tests.api.bodies import event_body
from tests.conftest import SmtpServer, eventually
from tests.web.citizen import citizen_session, refer_citizen, unique_email

_LINK = re.compile(r"https://hverdagsbro\.test(/my/sign-in/([A-Za-z0-9_-]+))")
_SMS_CODE = re.compile(r"type the code (\d{6})")
_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
async def sms() -> AsyncIterator[SmsGateway]:
    async with running_sms_gateway() as gateway:
        yield gateway


@pytest.fixture
def app(
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    smtp_server: SmtpServer,
    sms: SmsGateway,
) -> FastAPI:
    """The API with e-mail and an SMS gateway, its links on https, and a citizen's page that
    takes an episode id (as the My bridge pages do) to test CitizenEpisode on."""
    settings = Settings(
        task_queue=task_queue,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        sms_webhook_url=sms.url,
        public_url="https://hverdagsbro.test",
    )
    created = create_app(settings, pool=db_pool, temporal=time_skipping_env.client)
    probe = APIRouter(route_class=CitizenRoute)

    @probe.get("/my/probe/{episode_id}")
    async def probe_page(episode_id: CitizenEpisode) -> dict[str, str]:
        return {"episode_id": episode_id}

    created.include_router(probe)
    return created


Client = httpx.AsyncClient


def client_of(
    app: FastAPI, *, https: bool = False, cookies: dict[str, str] | None = None
) -> Client:
    """A browser-like client from an address of its own (the limits count per address)."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="https://test" if https else "http://test",
        cookies=cookies,
    )


async def referred(app: FastAPI, pool: DatabasePool, roster: Roster, **contact: str) -> str:
    """An episode referred by the roster's ward with this contact data, once committed."""
    ward, _ = await staff(app, pool, roster.ward_nurse)
    async with ward:
        return await refer_citizen(ward, pool, roster, contact)


async def form_token(client: Client, path: str) -> str:
    page = await client.get(path)
    found = _TOKEN.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def ask(client: Client, contact: str) -> httpx.Response:
    token = await form_token(client, "/my?lang=en")
    return await client.post("/my", data={"form_token": token, "contact": contact})


async def staff(app: FastAPI, pool: DatabasePool, user_id: str) -> tuple[Client, str]:
    """A member of staff's client and their session's CSRF token."""
    async with pool.acquire() as conn:
        secret, csrf = await create_session(conn, user_id, timedelta(hours=1))
    return client_of(app, cookies={SESSION_COOKIE: secret}), csrf


async def test_a_link_by_sms_signs_in_once_and_its_code_then_no_longer_works(
    app: FastAPI, db_pool: DatabasePool, sms: SmsGateway
) -> None:
    roster = await make_roster(db_pool, peers=1)
    digits = f"{secrets.randbelow(10**8):08d}"
    episode_id = await referred(app, db_pool, roster, phone=f"+45{digits}")
    logs = io.StringIO()
    configure_logging("json", "INFO", stream=logs)
    try:
        async with client_of(app, https=True) as citizen:
            # Typed as people do: with 0045 and spaces.
            typed = f"0045 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
            answered = await ask(citizen, typed)
            assert answered.status_code == 200

            async def texted() -> bool:
                return len(sms.accepted()) == 1

            await eventually(texted)
            (message,) = sms.accepted()
            assert message["to"] == f"+45{digits}"
            link, code = _LINK.search(message["text"]), _SMS_CODE.search(message["text"])
            assert link is not None and code is not None, message["text"]
            path, secret = link.group(1), link.group(2)

            token = await form_token(citizen, f"{path}?lang=en")
            signed = await citizen.post("/my/sign-in", data={"form_token": token, "secret": secret})
            assert signed.status_code == 303 and signed.headers["location"] == "/my/bridge"
            cookie = next(
                c for c in signed.headers.get_list("set-cookie") if c.startswith(CITIZEN_COOKIE)
            )
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
            bridge = await citizen.get("/my/bridge?lang=en")
            assert bridge.status_code == 200 and "You are signed in." in bridge.text

            again = await citizen.post("/my/sign-in", data={"form_token": token, "secret": secret})
            assert again.status_code == 410 and "already been used" in again.text
            by_code = await citizen.post(
                "/my/code",
                data={"form_token": token, "contact": typed, "code": code.group(1)},
            )
            assert by_code.status_code == 422 and "the code is wrong" in by_code.text
    finally:
        configure_logging("console", "INFO")

    # Without the test's own SMTP server and its own HTTP client (which logs the link it opens).
    logged = "\n".join(
        line
        for line in logs.getvalue().splitlines()
        if json.loads(line).get("logger") != "mail.log" and "https://test/" not in line
    )
    assert "sign-in link sent" in logged, "the log capture worked"
    for kind, value in {"phone": digits, "secret": secret, "code": code.group(1)}.items():
        assert value not in logged, f"the {kind} in a log line"
    assert REDACTED not in logged, "nothing needed the safety net"
    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor_role, actor_id, action, detail FROM audit_log"
            " WHERE action LIKE 'citizen.sign%' AND (episode_id = $1 OR detail->>'link_id' IN"
            " (SELECT link_id FROM citizen_sign_in_links WHERE episode_id = $1))"
            " ORDER BY audit_no",
            episode_id,
        )
        citizen_id = await conn.fetchval(
            "SELECT citizen_id FROM episodes WHERE episode_id = $1", episode_id
        )
    assert [(r["actor_role"], r["actor_id"], r["action"]) for r in rows] == [
        ("citizen", citizen_id, "citizen.sign_in_link_sent"),
        ("citizen", citizen_id, "citizen.signed_in"),
        ("citizen", citizen_id, "citizen.sign_in_refused"),
    ]
    assert json.loads(rows[2]["detail"])["reason"] == "used"
    assert not [r for r in rows if digits in r["detail"]]


async def test_a_citizen_session_opens_no_staff_page_and_no_json_api(
    app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id = await referred(app, db_pool, roster, email=unique_email())
    cookie = await citizen_session(db_pool, episode_id)
    async with client_of(app, cookies={CITIZEN_COOKIE: cookie}) as citizen:
        home = await citizen.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/my/bridge"
        for page in (
            "/ward",
            "/peer",
            "/caseworker",
            "/coordinator",
            "/operator",
            "/inbox",
            "/reports",
            "/courses/enrol",
            f"/episodes/{episode_id}",
            f"/ward/episodes/{episode_id}",
        ):
            answered = await citizen.get(f"{page}?lang=en")
            assert answered.status_code == 403, page
            assert "You do not have access to this page" in answered.text, page
        for route in (f"/api/episodes/{episode_id}", "/api/tasks", "/api/inbox"):
            assert (await citizen.get(route)).status_code == 403, route
        event = event_body(episode_id, "contact_logged", {"channel": "phone"})
        sent = await citizen.post("/api/events", json=event)
        assert sent.status_code == 403
        async with db_pool.acquire() as conn:
            stored = await conn.fetchval(
                "SELECT count(*) FROM events_received WHERE event_id = $1", event["event_id"]
            )
        assert stored == 0
        # The staff log-out form is not theirs either, and their own needs their token.
        assert (await citizen.post("/logout", data={"csrf": "x"})).status_code == 403
        for sent in ({}, {"csrf": "x"}):
            assert (await citizen.post("/my/sign-out", data=sent)).status_code == 403
        assert (await citizen.get("/my/bridge")).status_code == 200, "still signed in"


async def test_a_citizen_opens_only_their_own_episodes_and_staff_none_of_the_citizens_pages(
    app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    own = await referred(app, db_pool, roster, email=unique_email())
    other = await referred(app, db_pool, roster, email=unique_email())
    async with client_of(app, cookies={CITIZEN_COOKIE: await citizen_session(db_pool, own)}) as a:
        assert (await a.get(f"/my/probe/{own}")).json() == {"episode_id": own}
        for foreign in (other, "episode-0000000000000000"):
            refused = await a.get(f"/my/probe/{foreign}?lang=en")
            assert refused.status_code == 404 and "Page not found" in refused.text
    nurse, _ = await staff(app, db_pool, roster.ward_nurse)
    async with nurse:
        assert (await nurse.get(f"/my/probe/{own}")).status_code == 403
        assert (await nurse.get("/my/bridge")).status_code == 403
    async with client_of(app) as nobody:
        for page in (f"/my/probe/{own}", "/my/bridge"):
            answered = await nobody.get(page)
            assert answered.status_code == 303 and answered.headers["location"] == "/my"
    async with client_of(app, cookies={CITIZEN_COOKIE: "not-a-session"}) as stale:
        assert (await stale.get("/my/bridge")).headers["location"] == "/my"


async def test_three_links_per_address_in_15_minutes_then_none_and_staff_are_told(
    app: FastAPI, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await make_roster(db_pool, peers=1)
    email = unique_email()
    episode_id = await referred(app, db_pool, roster, email=email)
    answers = []
    for _ in range(LINKS_PER_ADDRESS + 1):
        async with client_of(app) as citizen:
            answered = await ask(citizen, email)
        assert answered.status_code == 200
        answers.append(_TOKEN.sub("", answered.text.replace(email, "")))
    assert len(set(answers)) == 1, "the same answer whether or not a link went"

    async def three() -> bool:
        return len(smtp_server.mailbox.to(email)) == LINKS_PER_ADDRESS

    await eventually(three)
    nurse, csrf = await staff(app, db_pool, roster.ward_nurse)
    async with nurse:
        refused = await nurse.post(
            f"/episodes/{episode_id}/citizen-sign-in-link?lang=en",
            data={"csrf": csrf, "channel": "auto"},
        )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "3 sign-in links went to this address in the last 15 minutes" in refused.text
    assert len(smtp_server.mailbox.to(email)) == LINKS_PER_ADDRESS
    async with db_pool.acquire() as conn:
        links = await conn.fetchval(
            "SELECT count(*) FROM citizen_sign_in_links WHERE episode_id = $1", episode_id
        )
    assert links == LINKS_PER_ADDRESS


async def test_one_client_asking_or_guessing_too_often_must_wait(
    app: FastAPI, db_pool: DatabasePool
) -> None:
    async with client_of(app) as busy, client_of(app) as other:
        for _ in range(10):
            assert (await ask(busy, unique_email())).status_code == 200
        waited = await ask(busy, unique_email())
        assert waited.status_code == 429 and int(waited.headers["retry-after"]) > 0
        assert "too many tries from here" in waited.text
        assert (await ask(other, unique_email())).status_code == 200

        token = await form_token(busy, "/my/code")
        guess: dict[str, Any] = {"form_token": token, "contact": unique_email()}
        for n in range(10):
            answered = await busy.post("/my/code", data={**guess, "code": f"{n:06d}"})
            assert answered.status_code == 422
        answered = await busy.post("/my/code", data={**guess, "code": "123456"})
        assert answered.status_code == 429


async def test_a_refusing_mail_server_leaves_the_link_unsent_and_tells_the_member_of_staff(
    app: FastAPI, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await make_roster(db_pool, peers=1)
    email = unique_email()
    episode_id = await referred(app, db_pool, roster, email=email)
    nurse, csrf = await staff(app, db_pool, roster.ward_nurse)
    smtp_server.mailbox.refuse = True
    try:
        async with nurse:
            refused = await nurse.post(
                f"/episodes/{episode_id}/citizen-sign-in-link?lang=en",
                data={"csrf": csrf, "channel": "email"},
            )
    finally:
        smtp_server.mailbox.refuse = False
    assert refused.status_code == 503
    assert "the message could not be sent just now; try again in a moment" in refused.text
    async with db_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT sent_at, attempts, last_error FROM citizen_sign_in_links WHERE episode_id = $1",
            episode_id,
        )
    assert row is not None and row["sent_at"] is None
    assert (row["attempts"], row["last_error"]) == (1, "SMTP 451")
    assert smtp_server.mailbox.to(email) == []


async def test_public_forms_without_their_pages_token_change_nothing(
    app: FastAPI, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await make_roster(db_pool, peers=1)
    email = unique_email()
    episode_id = await referred(app, db_pool, roster, email=email)
    async with client_of(app) as forged:
        for path, data in (
            ("/my", {"contact": email}),
            ("/my/code", {"contact": email, "code": "123456"}),
            ("/my/sign-in", {"secret": secrets.token_urlsafe(32)}),
        ):
            answered = await forged.post(f"{path}?lang=en", data={"form_token": "x", **data})
            assert answered.status_code == 403, path
            assert "the form is stale or did not come from this site" in answered.text
    async with db_pool.acquire() as conn:
        links = await conn.fetchval(
            "SELECT count(*) FROM citizen_sign_in_links WHERE episode_id = $1", episode_id
        )
    assert links == 0


async def test_the_sweep_ends_citizen_sessions_that_expired_or_idled(
    app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id = await referred(app, db_pool, roster, email=unique_email())
    idle = await citizen_session(db_pool, episode_id)
    fresh = await citizen_session(db_pool, episode_id)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE citizen_sessions SET last_seen_at = now() - interval '3 hours'"
            " WHERE session_hash = $1",
            secret_digest(idle),
        )
    async with client_of(app, cookies={CITIZEN_COOKIE: idle}) as late:
        assert (await late.get("/my/bridge")).headers["location"] == "/my"
    await housekeeping.sweep(db_pool)
    async with db_pool.acquire() as conn:
        left = await conn.fetchval(
            "SELECT count(*) FROM citizen_sessions WHERE citizen_id ="
            " (SELECT citizen_id FROM episodes WHERE episode_id = $1)",
            episode_id,
        )
    assert left == 1
    async with client_of(app, cookies={CITIZEN_COOKIE: fresh}) as current:
        assert (await current.get("/my/bridge")).status_code == 200


async def test_text_no_one_could_store_huge_input_and_odd_links_are_refused_never_a_crash(
    app: FastAPI,
) -> None:
    async with client_of(app) as citizen:
        token = await form_token(citizen, "/my")
        nul = await citizen.post(
            "/my?lang=en", data={"form_token": token, "contact": "borger\x00@example.org"}
        )
        assert nul.status_code == 422 and "contact" in nul.text
        for typed in ("1" * 5000, "ikke@en adresse", "+45 12 34"):
            long = await citizen.post("/my?lang=en", data={"form_token": token, "contact": typed})
            assert long.status_code == 422
            assert "write your mobile number (8 digits) or your e-mail address" in long.text
        huge = await citizen.post("/my", data={"form_token": token, "contact": "1" * 3_000_000})
        assert huge.status_code == 413
        code = await citizen.post(
            "/my/code?lang=en",
            data={"form_token": token, "contact": unique_email(), "code": "12345a"},
        )
        assert code.status_code == 422
        assert "write the 6 digits of the code from the message" in code.text
        for path in (
            "/my/sign-in/%00abcdefghijklmnopqrstu",
            "/my/sign-in/%ED%A0%80abc",
            "/my/sign-in/x",
        ):
            assert (await citizen.get(path)).status_code == 404, path
        forged = await citizen.post(
            "/my/sign-in", data={"form_token": token, "secret": "../../etc/passwd"}
        )
        assert forged.status_code == 404
