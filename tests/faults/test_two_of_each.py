"""Two workers and two API processes on one host, as the README advises, with nothing
configured to tell them apart: both workers start (no metrics port clash), and with one of each
killed under a light load every event still has exactly one effect."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import aiohttp
import pytest

from command.synthetic.roster import make_roster
from db.access import create_token
from db.pool import DatabasePool
from hverdagsbro.metrics_discovery import targets_folder
from tests.faults.live_system import (
    ApiProcess,
    LiveSystem,
    SwitchableSmtp,
    WorkerProcess,
    figures,
    live_system,
)
from tests.faults.test_load_with_faults import (
    Sent,
    refer,
    risk_event,
    until_read_models_agree,
    wait_for_offers,
    wait_until_applied,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

RATE = 20.0
LOAD_SECONDS = 24.0
EPISODES = 10
# Events are applied, after the load, within this many seconds, kills or not.
APPLIED_WITHIN = 30.0


async def send_via_either(
    sessions: list[aiohttp.ClientSession], body: dict[str, Any], sent: Sent, give_up_at: float
) -> None:
    """POST the event to one API, and the very same event to the other on a failure: what a
    load balancer in front of the two does when one goes away."""
    for http in itertools.cycle(sessions):
        if time.monotonic() > give_up_at:
            sent.given_up.append(body["event_id"])
            return
        sent.attempts[body["event_id"]] += 1
        try:
            async with http.post("/api/events", json=body) as response:
                if response.status == 202:
                    sent.accepted[body["event_id"]] = (await response.json())["episode_id"]
                    return
                sent.failures[str(response.status)] += 1
                if response.status not in (503, 504):
                    sent.unexpected.append(f"{response.status} {await response.text()}"[:300])
        except (aiohttp.ClientError, TimeoutError) as err:
            sent.failures[type(err).__name__] += 1
        await asyncio.sleep(0.2)


def metrics_ports(system: LiveSystem) -> list[int]:
    """Every port the workers listed for Prometheus (a killed worker's file stays until the
    next worker starts)."""
    return [
        int(target.rpartition(":")[2])
        for path in sorted(targets_folder(system.settings.data_dir).glob("worker-*.json"))
        for group in json.loads(path.read_text())
        for target in group["targets"]
    ]


async def test_two_workers_and_two_apis_one_of_each_killed_lose_nothing(
    database_url: str, db_pool: DatabasePool, smtp: SwitchableSmtp
) -> None:
    smtp.up()
    async with live_system(
        database_url, db_pool, smtp_port=smtp.port, automatic_metrics_ports=True
    ) as system:
        second_worker = WorkerProcess(system, "worker-2")
        apis = [ApiProcess(system), ApiProcess(system)]
        try:
            await second_worker.start()
            ports = metrics_ports(system)
            assert len(ports) == len(set(ports)) == 4, f"two workers, four ports: {ports}"
            for api in apis:
                await api.start()
            await run_load(system, second_worker, apis, db_pool)
        finally:
            for api in apis:
                await api.stop()
            await second_worker.stop()


async def run_load(
    system: LiveSystem, second_worker: WorkerProcess, apis: list[ApiProcess], pool: DatabasePool
) -> None:
    roster = await make_roster(pool, peers=EPISODES, capacity=2)
    async with pool.acquire() as conn:
        _, token = await create_token(
            conn,
            name="two-of-each",
            role="integration",
            ttl=None,
            organisations=[roster.organisation_id],
        )
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=15)
    async with (
        aiohttp.ClientSession(base_url=apis[0].url, headers=headers, timeout=timeout) as first,
        aiohttp.ClientSession(base_url=apis[1].url, headers=headers, timeout=timeout) as second,
    ):
        episode_ids = [await refer(first if n % 2 else second, roster) for n in range(EPISODES)]
        await wait_for_offers(pool, episode_ids, timeout=60)

        sent = Sent()
        log: list[str] = []
        began = time.monotonic()
        give_up_at = began + LOAD_SECONDS + 60

        async def faults() -> None:
            await asyncio.sleep(LOAD_SECONDS * 0.3)
            await second_worker.kill()
            log.append(f"{time.monotonic() - began:5.1f} s  second worker killed (SIGKILL)")
            await asyncio.sleep(LOAD_SECONDS * 0.3)
            await apis[1].kill()
            log.append(f"{time.monotonic() - began:5.1f} s  second API killed (SIGKILL)")

        async def load() -> None:
            jobs = []
            for n in range(int(LOAD_SECONDS * RATE)):
                await asyncio.sleep(max(0.0, began + n / RATE - time.monotonic()))
                # Alternate the API first asked, as a round-robin balancer does.
                order = [first, second] if n % 2 else [second, first]
                body = risk_event(episode_ids[n % EPISODES])
                jobs.append(asyncio.create_task(send_via_either(order, body, sent, give_up_at)))
            await asyncio.gather(*jobs)

        await asyncio.gather(load(), faults())
        load_seconds = time.monotonic() - began

    accepted = list(sent.accepted)
    applied_in = await wait_until_applied(pool, accepted, timeout=APPLIED_WITHIN * 2)
    effects = await pool.fetch(
        "SELECT detail->>'event_id' AS event_id, count(*) AS n FROM audit_log"
        " WHERE action = 'event.risk_changed' AND detail->>'event_id' = ANY($1)"
        " GROUP BY 1",
        accepted,
    )
    effect_count = {r["event_id"]: r["n"] for r in effects}
    lost = [e for e in accepted if effect_count.get(e, 0) == 0]
    duplicated = [e for e, n in effect_count.items() if n > 1]
    agreed_in, disagreeing = await until_read_models_agree(system, pool, episode_ids, 60)
    survivor_alive = system.worker is not None and system.worker.returncode is None
    figures(
        "two of each",
        "\n".join(
            [
                f"two workers, two APIs on one host, metrics ports {metrics_ports(system)}; "
                f"{RATE:.0f} ev/s for {LOAD_SECONDS:.0f} s over {EPISODES} episodes, "
                f"took {load_seconds:.0f} s",
                *log,
                f"events sent {int(LOAD_SECONDS * RATE)}, accepted {len(accepted)}, given up "
                f"{len(sent.given_up)}; sends {sum(sent.attempts.values())}, failures "
                f"{dict(sent.failures)}",
                f"lost {len(lost)}, duplicated {len(duplicated)}; all applied {applied_in:.1f} s "
                f"after the load; read models equal in {agreed_in:.0f} s",
            ]
        ),
    )
    assert survivor_alive, "the first worker ran on through the other's death"
    assert not sent.unexpected, f"answers other than 202/503: {sent.unexpected[:5]}"
    assert not sent.given_up, f"{len(sent.given_up)} events were never accepted"
    assert lost == [], f"{len(lost)} accepted events had no effect"
    assert duplicated == [], f"{len(duplicated)} events had more than one effect"
    assert applied_in <= APPLIED_WITHIN, f"the last events were applied {applied_in:.0f} s late"
    assert disagreeing == {}, f"read model and workflow disagree: {disagreeing}"
