"""Attacks at the HTTP boundary, over real HTTP to the app under uvicorn: text PostgreSQL cannot
store in page forms, page paths, query strings and the log-in form; cross-site changes through
the JSON API with a session cookie. Each is refused before any route and changes nothing; the
episode it aimed at still takes the next event."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from api.auth import SESSION_COOKIE
from api.dependencies import services_of
from api.event_input import EventIn
from api.principal import Principal
from api.task_decisions import DecisionIn
from api.web.actions import new_event_id
from db.access import create_session
from db.pool import DatabasePool
from schemas.people import Role
from schemas.tasks import DecisionAction
from tests.api.bodies import referral_body
from tests.conftest import eventually
from tests.web.conftest import PASSWORD, web_roster
from tests.web.steps import peer_offer_task


@dataclass
class Staff:
    """A person signed in over HTTP: the client carries the session cookie; `csrf` is what
    the pages put into their forms."""

    http: httpx.AsyncClient
    csrf: str


SignIn = Callable[[str], Awaitable[Staff]]


@pytest.fixture
async def sign_in(web_url: str, db_pool: DatabasePool) -> AsyncIterator[SignIn]:
    clients: list[httpx.AsyncClient] = []

    async def make(user_id: str) -> Staff:
        async with db_pool.acquire() as conn:
            secret, csrf = await create_session(conn, user_id, timedelta(hours=1))
        client = httpx.AsyncClient(base_url=web_url, cookies={SESSION_COOKIE: secret})
        clients.append(client)
        return Staff(client, csrf)

    yield make
    for client in clients:
        await client.aclose()


@dataclass
class PeerEpisode:
    episode_id: str
    peer: str
    offer_task: str | None = None


async def offered_episode(web_app: FastAPI, pool: DatabasePool, *, accept: bool) -> PeerEpisode:
    """A referral from the roster's ward, offered to its one peer (accepted if `accept`)."""
    roster = await web_roster(pool, peers=1)
    ward = Principal(id=roster.ward_nurse, role=Role.WARD, ward_id=roster.ward_id)
    services = services_of(web_app)
    ack = await services.intake.submit(ward, EventIn.model_validate(referral_body(roster)))
    assert ack.episode_id is not None

    task_id = await peer_offer_task(pool, ack.episode_id)
    peer = roster.peers[0]
    if accept:
        await services.decisions.decide(
            Principal(id=peer, role=Role.PEER), task_id, DecisionAction.ACCEPT, DecisionIn()
        )
    return PeerEpisode(ack.episode_id, peer, task_id)


async def event_status(pool: DatabasePool, event_id: str) -> str | None:
    async with pool.acquire() as conn:
        status: str | None = await conn.fetchval(
            "SELECT status FROM events_received WHERE event_id = $1", event_id
        )
    return status


async def contacts_in_timeline(pool: DatabasePool, episode_id: str) -> int:
    """Contacts the episode's committed read model shows."""
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM timeline WHERE episode_id = $1 AND kind = 'contact'",
            episode_id,
        )
    return count


def is_refusal_page(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Internal Server Error" not in answer.text


# --- text PostgreSQL cannot store, in a page form ------------------------------------------


MULTIPART = "multipart/form-data; boundary=hb-attack"


def multipart(fields: dict[str, bytes]) -> bytes:
    parts = [
        b'--hb-attack\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (name.encode(), value)
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--hb-attack--\r\n"


@pytest.mark.parametrize(
    ("encoding", "note", "field"),
    [
        ("urlencoded", b"Godt%00m%C3%B8de", "note"),
        ("urlencoded", b"Godt%ED%A0%80m%C3%B8de", "note"),  # an encoded unpaired surrogate
        ("urlencoded", b"Godt%FFm%C3%B8de", "note"),  # not UTF-8
        ("multipart", b"Godt\x00m\xc3\xb8de", "note"),
        ("multipart", b"Godt\xffm\xc3\xb8de", "note"),
        ("name", b"x", "form"),  # the NUL is in the field's name
    ],
    ids=["nul", "surrogate", "not-utf8", "multipart-nul", "multipart-not-utf8", "nul-name"],
)
async def test_a_contact_note_postgresql_cannot_store_is_refused_and_the_episode_goes_on(
    encoding: str,
    note: bytes,
    field: str,
    web_app: FastAPI,
    db_pool: DatabasePool,
    sign_in: SignIn,
) -> None:
    """Before, the NUL reached the episode's jsonb commit: the page answered 500 and the
    commit retried for ever, and nothing more happened for that citizen."""
    episode = await offered_episode(web_app, db_pool, accept=True)
    peer = await sign_in(episode.peer)
    poisoned = new_event_id("contact")
    fields = {"csrf": peer.csrf.encode(), "event_id": poisoned.encode(), "channel": b"phone"}
    url = f"/peer/episodes/{episode.episode_id}/contacts"
    if encoding == "multipart":
        content, content_type = multipart({**fields, "note": note}), MULTIPART
    else:
        pairs = [b"%s=%s" % (k.encode(), v) for k, v in fields.items()]
        pairs.append(b"note=" + note if encoding == "urlencoded" else b"no%00te=" + note)
        content, content_type = b"&".join(pairs), "application/x-www-form-urlencoded"

    answer = await peer.http.post(
        url, content=content, headers={"Content-Type": content_type}, params={"lang": "en"}
    )
    is_refusal_page(answer, 422)
    assert f"The field “{field}” contains characters that cannot be saved" in answer.text
    assert "Nothing has been saved." in answer.text
    assert await event_status(db_pool, poisoned) is None

    danish = await peer.http.post(
        url, content=content, headers={"Content-Type": content_type}, params={"lang": "da"}
    )
    is_refusal_page(danish, 422)
    assert f"Feltet »{field}« indeholder tegn, der ikke kan gemmes" in danish.text

    fine = new_event_id("contact")
    logged = await peer.http.post(
        url,
        data={"csrf": peer.csrf, "event_id": fine, "channel": "phone", "note": "Godt møde"},
    )
    assert logged.status_code == 303, logged.text
    assert logged.headers["location"].endswith("notice=contact")

    async def applied() -> bool:
        return await event_status(db_pool, fine) == "applied"

    await eventually(applied, timeout=20)
    assert await contacts_in_timeline(db_pool, episode.episode_id) == 1


async def test_a_nul_in_a_query_parameter_of_a_page_is_refused_naming_it(
    sign_in: SignIn, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=0)
    ward = await sign_in(roster.ward_nurse)
    for url in ("/ward?lang=en&notice=sa%00ved", "/login?lang=en&next=/ward%00"):
        answer = await ward.http.get(url)
        is_refusal_page(answer, 422)
        name = "notice" if "notice" in url else "next"
        assert f"The field “query.{name}” contains characters" in answer.text


# --- page paths ------------------------------------------------------------------------------


async def test_unstorable_ids_in_page_paths_are_not_found_not_a_crash(
    web_app: FastAPI, db_pool: DatabasePool, sign_in: SignIn
) -> None:
    """Before, /episodes/<id> and /tasks/<id> with a NUL answered 500 (the id reached a
    query)."""
    episode = await offered_episode(web_app, db_pool, accept=False)
    peer = await sign_in(episode.peer)
    own_task = await peer.http.get(f"/tasks/{episode.offer_task}")
    assert own_task.status_code == 303, "the offer's own link leads to the peer's page"
    assert own_task.headers["location"] == f"/peer#task-{episode.offer_task}"
    bad_ids = ("%00", f"{episode.offer_task}%00", "x%ED%A0%80", "x%FF", "%C0%80")
    for bad in bad_ids:
        for answer in (
            await peer.http.get(f"/episodes/{bad}?lang=en"),
            await peer.http.get(f"/tasks/{bad}?lang=en"),
            await peer.http.post(f"/tasks/{bad}/accept?lang=en", data={"csrf": peer.csrf}),
        ):
            is_refusal_page(answer, 404)
            assert "Page not found" in answer.text
    api = await peer.http.get("/api/episodes/%00")
    assert api.status_code == 404
    assert api.json()["errors"] == [{"field": "path", "reason": "no such resource"}]
    async with db_pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM tasks WHERE task_id = $1", episode.offer_task
        )
    assert status == "open", "no refused request decided the offer"


# --- the log-in form -------------------------------------------------------------------------


async def login_form(client: httpx.AsyncClient) -> str:
    """Open the log-in page as a browser would; returns the token its form carries."""
    page = await client.get("/login?lang=en")
    assert page.status_code == 200
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found is not None
    return found[1]


async def test_a_nul_in_the_log_in_user_id_is_refused_with_422_and_records_nothing(
    web_url: str, db_pool: DatabasePool
) -> None:
    """Before, the user id reached the attempts query and the log-in answered 500."""
    roster = await web_roster(db_pool, peers=0)
    async with db_pool.acquire() as conn:
        attempts_before = await conn.fetchval("SELECT count(*) FROM login_attempts")
    async with httpx.AsyncClient(base_url=web_url) as browser:
        token = await login_form(browser)
        for user_id in (f"{roster.ward_nurse}\x00", "\x00", f"{roster.ward_nurse}\ud800"):
            answer = await browser.post(
                "/login?lang=en",
                content=(
                    f"login_token={token}&password={PASSWORD}&next=/&user_id="
                    + "".join(f"%{b:02X}" for b in user_id.encode("utf-8", "surrogatepass"))
                ).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            is_refusal_page(answer, 422)
            assert "The field “user_id” contains characters" in answer.text
            assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
        logged_in = await browser.post(
            "/login",
            data={
                "login_token": token,
                "user_id": roster.ward_nurse,
                "password": PASSWORD,
                "next": "/ward",
            },
        )
        assert logged_in.status_code == 303, "the real log-in still works"
        assert logged_in.headers["location"] == "/ward"
    async with db_pool.acquire() as conn:
        attempts_after = await conn.fetchval("SELECT count(*) FROM login_attempts")
    assert attempts_after == attempts_before + 1, "only the real log-in was recorded"


# --- CSRF on the JSON API --------------------------------------------------------------------


async def task_status(pool: DatabasePool, task_id: str | None) -> str:
    async with pool.acquire() as conn:
        status: str = await conn.fetchval("SELECT status FROM tasks WHERE task_id = $1", task_id)
    return status


FORGED: list[tuple[str, dict[str, str], bytes]] = [
    ("empty body, no type", {}, b""),
    ("empty form", {"Content-Type": "application/x-www-form-urlencoded"}, b""),
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, b"note=x"),
    ("multipart", {"Content-Type": MULTIPART}, multipart({"note": b"x"})),
    ("text/plain JSON", {"Content-Type": "text/plain"}, b"{}"),
    ("JSON after a comma", {"Content-Type": "text/plain, application/json"}, b"{}"),
    ("wrong token", {"X-CSRF-Token": "not-the-token"}, b""),
    ("empty token", {"X-CSRF-Token": ""}, b""),
    ("empty Authorization", {"Authorization": ""}, b""),
]


async def test_a_cross_site_decision_or_inbox_change_with_the_session_cookie_is_refused(
    web_app: FastAPI, db_pool: DatabasePool, sign_in: SignIn
) -> None:
    """What another site's form, fetch without preflight or sendBeacon can send with the
    peer's cookie: each is 403 naming X-CSRF-Token, and the offer stays open, the inbox
    unread. (Before, the empty and form bodies ran the handler.)"""
    episode = await offered_episode(web_app, db_pool, accept=False)
    peer = await sign_in(episode.peer)
    inbox = (await peer.http.get("/api/inbox")).json()
    notification = next(n for n in inbox if n["task_id"] == episode.offer_task)
    targets = [
        f"/api/tasks/{episode.offer_task}/accept",
        f"/api/tasks/{episode.offer_task}/decline",
        f"/api/inbox/{notification['notification_id']}/read",
    ]
    for url in targets:
        for name, headers, body in FORGED:
            answer = await peer.http.post(url, content=body, headers=headers)
            assert answer.status_code == 403, f"{name} to {url}: {answer.text}"
            assert answer.json()["errors"][0]["field"] == "X-CSRF-Token", name
    assert await task_status(db_pool, episode.offer_task) == "open"
    inbox = (await peer.http.get("/api/inbox")).json()
    assert not next(n for n in inbox if n["task_id"] == episode.offer_task)["read"]

    read = await peer.http.post(targets[2], headers={"X-CSRF-Token": peer.csrf})
    assert read.status_code == 204, "the session's own token is enough, even without a body"
    accepted = await peer.http.post(targets[0], json={})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"


async def test_a_session_sending_the_json_type_or_nobody_signed_in_needs_no_csrf_token(
    web_app: FastAPI, db_pool: DatabasePool, sign_in: SignIn, web_url: str
) -> None:
    episode = await offered_episode(web_app, db_pool, accept=False)
    peer = await sign_in(episode.peer)
    declined = await peer.http.post(
        f"/api/tasks/{episode.offer_task}/decline",
        content=b"",
        headers={"Content-Type": "application/json"},
    )
    assert declined.status_code == 200, "a JSON content type without a body is enough"
    assert declined.json()["status"] == "declined"

    async with httpx.AsyncClient(base_url=web_url) as stranger:
        anonymous = await stranger.post("/api/inbox/n-1/read")
    assert anonymous.status_code == 401, "nobody signed in: no CSRF question, just 401"
