"""The generated population: as many episodes (and open ones) as asked, spread over the
programmes, wards, municipalities, peers and phases, with the rows the pages read."""

from __future__ import annotations

from command.synthetic.population import PopulationPlan, make_population
from db import synthetic_population as rows_db
from db.pool import DatabasePool


async def test_a_small_population_has_its_episodes_open_ones_and_their_rows(
    db_pool: DatabasePool,
) -> None:
    plan = PopulationPlan(episodes=600, open=60, wards=3, municipalities=4, peers=10)
    population = await make_population(db_pool, plan)
    async with db_pool.acquire() as conn:
        counts = await rows_db.counts(conn, population.prefix)
        spread = await conn.fetchrow(
            "SELECT count(DISTINCT programme) AS programmes, count(DISTINCT ward_id) AS wards,"
            " count(DISTINCT municipality_code) AS municipalities,"
            " count(DISTINCT peer_id) AS peers, count(DISTINCT phase) AS phases,"
            " max(referred_at) - min(referred_at) AS span"
            " FROM episodes WHERE episode_id LIKE $1",
            population.prefix + "%",
        )
        open_tasks = await conn.fetchval(
            "SELECT count(DISTINCT t.episode_id) FROM tasks t JOIN episodes e USING (episode_id)"
            " WHERE e.episode_id LIKE $1 AND t.status = 'open'"
            " AND e.phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')",
            population.prefix + "%",
        )
    assert counts["episodes"] == 600
    assert counts["open"] == 60
    assert counts["episode_contacts"] == 600
    assert counts["tasks"] > 600 * 4
    assert counts["timeline"] > counts["tasks"]
    assert counts["events_received"] >= 600
    assert population.rows["tasks"] == counts["tasks"]
    assert spread is not None
    assert spread["programmes"] >= 3
    assert spread["wards"] == 3
    assert spread["municipalities"] == 4
    assert spread["peers"] == 10
    assert spread["phases"] >= 6
    assert spread["span"].days > 365
    # Every open episode waits on someone: one open task each.
    assert open_tasks == 60


async def test_the_same_seed_gives_the_same_spread(db_pool: DatabasePool) -> None:
    plan = PopulationPlan(episodes=200, open=20, wards=2, municipalities=2, peers=4, seed=7)
    first = await make_population(db_pool, plan)
    second = await make_population(db_pool, plan)
    assert first.rows == second.rows
