"""A quarter's generated population in an organisation of its own, and callers with sessions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.api import conftest as api
from tests.reports.population import Ep, insert, outside, population, second_municipality
from tests.web import conftest as web
from tests.web.conftest import web_roster

Caller = api.Caller

# The API tests' callers with sessions, and the page tests' app, server and browser.
api_app = api.api_app
as_user = api.as_user
web_app = web.web_app
web_url = web.web_url
browser = web.browser
new_page = web.new_page
open_as = web.open_as


@dataclass
class Quarter:
    roster: Roster
    episodes: list[Ep]
    strangers: list[Ep]


async def make_quarter(pool: DatabasePool, seed: int) -> Quarter:
    """An organisation with 50 episodes in 2026-Q3 over two municipalities, some outside the
    quarter, and a second organisation whose episodes must never show."""
    roster = await web_roster(pool, peers=3)
    other_code = await second_municipality(pool)
    eps = population(seed, (roster.municipality_code, other_code))
    await insert(pool, roster, eps + outside(roster.municipality_code))
    stranger = await web_roster(pool, peers=1)
    strangers = population(seed + 1, (roster.municipality_code, other_code))
    await insert(pool, stranger, strangers)
    return Quarter(roster=roster, episodes=eps, strangers=strangers)


@pytest.fixture
async def quarter(db_pool: DatabasePool) -> Quarter:
    return await make_quarter(db_pool, seed=8)
