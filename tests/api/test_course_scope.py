"""The course pages keep to their people: another organisation's coordinator finds no term of
ours (404), a peer who does not teach a term finds none of its sessions (404); the public
enrolment page refuses a stale form (403), bad input naming the field (never 500), and is
throttled per client address and term (429 after five tries in an hour)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
from fastapi import FastAPI

from api.auth import SESSION_COOKIE
from api.web.courses import ENROL_POLICY, enrol_policy
from command.synthetic.roster import make_roster
from db import courses
from db.access import create_session
from db.pool import DatabasePool
from tests.builders import course_term

TOKEN = re.compile(r'name="enrol_token" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]+)"')


async def a_term(pool: DatabasePool, organisation_id: str, teacher: str, *, opened: bool) -> str:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    who = courses.Actor(role="coordinator", actor_id="test")
    async with pool.acquire() as conn:
        return await course_term(
            conn,
            who,
            organisation_id,
            [yesterday],
            teachers=(teacher,),
            starts_on=date.today(),
            opened=opened,
        )


async def client_as(
    app: FastAPI, pool: DatabasePool, user_id: str
) -> tuple[httpx.AsyncClient, str]:
    async with pool.acquire() as conn:
        secret, csrf = await create_session(conn, user_id, timedelta(hours=1))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        cookies={SESSION_COOKIE: secret},
    )
    return client, csrf


async def test_another_organisations_term_and_a_session_one_does_not_teach_are_not_found(
    api_app: FastAPI, db_pool: DatabasePool
) -> None:
    ours = await make_roster(db_pool, peers=2)
    theirs = await make_roster(db_pool, peers=1)
    term_id = await a_term(db_pool, ours.organisation_id, ours.peers[0], opened=False)
    async with db_pool.acquire() as conn:
        session_id = (await courses.sessions(conn, term_id))[0].session_id

    stranger, csrf = await client_as(api_app, db_pool, theirs.coordinator)
    async with stranger:
        assert (await stranger.get(f"/courses/terms/{term_id}")).status_code == 404
        opened = await stranger.post(f"/courses/terms/{term_id}/open", data={"csrf": csrf})
        assert opened.status_code == 404
        assert "Nobody is enrolled" not in (await stranger.get("/courses?lang=en")).text
    async with db_pool.acquire() as conn:
        term = await courses.term(conn, term_id)
    assert term is not None and term.status == "planned"

    other_peer, _ = await client_as(api_app, db_pool, ours.peers[1])
    async with other_peer:
        page = await other_peer.get(f"/courses/teaching/sessions/{session_id}")
        assert page.status_code == 404
    teacher, _ = await client_as(api_app, db_pool, ours.peers[0])
    async with teacher:
        assert (await teacher.get(f"/courses/teaching/sessions/{session_id}")).status_code == 200
    own, _ = await client_as(api_app, db_pool, ours.coordinator)
    async with own:
        assert (await own.get(f"/courses/terms/{term_id}")).status_code == 200


async def test_the_public_form_refuses_bad_input_and_is_throttled_per_client_and_term(
    api_app: FastAPI, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    term_id = await a_term(db_pool, roster.organisation_id, roster.peers[0], opened=True)
    planned = await a_term(db_pool, roster.organisation_id, roster.peers[0], opened=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://test"
    ) as public:
        assert (await public.get(f"/enrol/{planned}")).status_code == 404
        assert (await public.get("/enrol/no-such-term")).status_code == 404
        page = await public.get(f"/enrol/{term_id}?lang=en")
        assert page.status_code == 200
        stale = await public.post(f"/enrol/{term_id}", data={"enrol_token": "forged"})
        assert stale.status_code == 403

        async def send(**fields: str) -> httpx.Response:
            form = await public.get(f"/enrol/{term_id}?lang=en")
            token, key = TOKEN.search(form.text), KEY.search(form.text)
            assert token is not None and key is not None
            return await public.post(
                f"/enrol/{term_id}",
                data={"enrol_token": token[1], "key": key[1], **fields},
            )

        nul = await send(display_name="A\x00B", email="a@example.dk", kind="relative")
        assert nul.status_code == 422, "refused before the page: it does not count"
        assert "display_name" in nul.text
        form = await public.get(f"/enrol/{term_id}")
        token = TOKEN.search(form.text)
        assert token is not None
        surrogate = await public.post(
            f"/enrol/{term_id}",
            content=f"enrol_token={token[1]}&display_name=%ED%A0%80&kind=relative",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert surrogate.status_code == 422
        assert "display_name" in surrogate.text
        huge = await send(display_name="x" * 5000, phone="12345678", kind="student", consent="yes")
        assert huge.status_code == 422
        assert "write a name of 1 to 200 characters" in huge.text
        assert "choose one of the kinds of participant this course takes" in huge.text
        nobody = await send(display_name="Sigrid", kind="relative")
        assert nobody.status_code == 422
        assert "an e-mail address or a phone number is needed" in nobody.text
        assert "tick the box to give your consent" in nobody.text
        fine = await send(
            display_name="Sigrid", email="sigrid@example.dk", kind="relative", consent="yes"
        )
        assert fine.status_code == 200
        assert "You have a seat." in fine.text
        for _ in range(2):  # the fourth and fifth try this hour from here
            tried = await send(
                display_name="Sigrid", phone="12345678", kind="relative", consent="yes"
            )
            assert tried.status_code == 200
        throttled = await send(
            display_name="Sigrid", phone="12345678", kind="relative", consent="yes"
        )
        assert throttled.status_code == 429
        assert "too many enrolments from here" in throttled.text
        assert int(throttled.headers["Retry-After"]) > 0
    async with db_pool.acquire() as conn:
        seats = await courses.seats(conn, term_id)
    assert seats.enrolled == 3, "the throttled try enrolled nobody"

    async with db_pool.acquire() as conn:
        await courses.cancel_term(conn, term_id, courses.Actor(role="coordinator", actor_id="t"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://test"
    ) as public:
        assert (await public.get(f"/enrol/{term_id}?lang=en")).status_code == 404


def test_a_terms_public_allowance_grows_with_its_seats() -> None:
    """200 submissions an hour from everywhere, or three per seat for a big term's opening;
    the per-address and per-pair limits stay as they are."""
    assert enrol_policy(12).user.free == 200
    big = enrol_policy(400)
    assert big.user.free == 1200
    assert (big.pair, big.client) == (ENROL_POLICY.pair, ENROL_POLICY.client)
