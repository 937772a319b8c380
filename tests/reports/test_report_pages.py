"""The report page, its CSV and the printable quarter: who may open them and what they hold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.reports import expected
from tests.reports.conftest import Caller, Quarter

Q3 = "/reports.csv?quarter=2026-Q3"


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def test_the_csv_holds_the_recounted_numbers_with_small_cells_hidden(
    as_user: Caller, quarter: Quarter, db_pool: DatabasePool
) -> None:
    coordinator = await as_user(quarter.roster.coordinator)
    response = await coordinator.get(Q3)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "2026-Q3" in response.headers["content-disposition"]
    body = response.content.decode("utf-8-sig")
    rows = rows_of(body)
    assert {r["period_first"] for r in rows} == {"2026-07-01"}
    assert {r["period_last"] for r in rows} == {"2026-09-30"}

    # The page's moment is now; the recount uses the same (the quarter is long over).
    want = expected.overall(quarter.episodes, datetime.now(UTC))
    overall = {
        r["measure"]: r["value"] if r["value"] in expected.HIDDEN else float(r["value"])
        for r in rows
        if r["breakdown"] == "all"
    }
    expected.check_overall(overall, want)

    by_programme = {
        r["group"]: r["value"]
        for r in rows
        if r["breakdown"] == "programme" and r["measure"] == "referrals"
    }
    assert by_programme == {
        "peer-guide-sind": "35",
        "bro-til-hverdagslivet": "suppressed",
        "ark-course": "<5",
    }
    assert {r["measure"] for r in rows if r["breakdown"] == "contact_hours"} >= {"no_contact"}
    assert not any(e.citizen in body for e in quarter.episodes)
    assert "episode-" not in body
    async with db_pool.acquire() as conn:
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'report_exported'",
            quarter.roster.coordinator,
        )
    assert audited == 1


async def test_a_coordinator_sees_only_their_own_organisation(
    as_user: Caller, quarter: Quarter, db_pool: DatabasePool
) -> None:
    """The same quarter for a coordinator of an organisation with no episodes: all hidden."""
    elsewhere = await make_roster(db_pool, peers=0)
    other = await as_user(elsewhere.coordinator)
    rows = rows_of((await other.get(Q3)).content.decode("utf-8-sig"))
    referrals = [r for r in rows if r["measure"] == "referrals"]
    assert [(r["breakdown"], r["value"]) for r in referrals] == [("all", "<5")]
    page = await other.get("/reports?quarter=2026-Q3&lang=en")
    assert page.status_code == 200
    assert 'data-measure="referrals">&lt;5<' in page.text
    assert "By programme" not in page.text


@pytest.mark.parametrize("path", ["/reports", "/reports.csv", "/reports/print?quarter=2026-Q3"])
async def test_ward_staff_peers_and_operators_are_refused(
    as_user: Caller, quarter: Quarter, db_pool: DatabasePool, path: str
) -> None:
    async with db_pool.acquire() as conn:
        operator = f"op-{quarter.roster.organisation_id}"
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name) VALUES ($1, 'operator', 'Op')",
            operator,
        )
    for user in (quarter.roster.ward_nurse, quarter.roster.peers[0], operator):
        response = await (await as_user(user)).get(path)
        assert response.status_code == 403, user
        assert "text/csv" not in response.headers["content-type"]


async def test_without_a_session_the_report_asks_to_log_in(
    as_user: Caller, quarter: Quarter
) -> None:
    client = await as_user(quarter.roster.coordinator)
    client.cookies.clear()
    response = await client.get("/reports?quarter=2026-Q3")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_a_caseworker_without_consent_for_their_service_sees_hidden_numbers(
    as_user: Caller, quarter: Quarter
) -> None:
    """No generated episode consents to sharing with the job centre."""
    jobcenter = await as_user(quarter.roster.caseworkers["jobcenter"])
    rows = rows_of((await jobcenter.get(Q3)).content.decode("utf-8-sig"))
    referrals = {r["breakdown"]: r["value"] for r in rows if r["measure"] == "referrals"}
    assert referrals == {"all": "<5"}
    social = await as_user(quarter.roster.caseworkers["social_services"])
    rows = rows_of((await social.get(Q3)).content.decode("utf-8-sig"))
    shown = next(r for r in rows if r["measure"] == "referrals" and r["breakdown"] == "all")
    assert shown["value"] not in ("<5", "suppressed")


async def test_a_wrong_quarter_is_refused_naming_the_field(
    as_user: Caller, quarter: Quarter
) -> None:
    client = await as_user(quarter.roster.coordinator)
    response = await client.get("/reports?quarter=2026-Q5&lang=en")
    assert response.status_code == 422
    assert "quarter" in response.text
    backwards = await client.get("/reports.csv?from=2026-09-01&to=2026-08-01&lang=en")
    assert backwards.status_code == 422
    assert "text/csv" not in backwards.headers["content-type"]
    assert 'id="err-to"' in backwards.text
    assert "the period ends before it starts" in backwards.text


async def test_the_print_page_is_the_quarter_with_print_styles(
    as_user: Caller, quarter: Quarter
) -> None:
    client = await as_user(quarter.roster.coordinator)
    page = await client.get("/reports/print?quarter=2026-Q3&lang=da")
    assert page.status_code == 200
    assert "Kvartalsrapport 2026-Q3" in page.text
    assert page.text.count("<svg") == 5
    assert page.text.count("<title id=") == 5
    css = await client.get("/reports/report.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "@media print" in css.text
