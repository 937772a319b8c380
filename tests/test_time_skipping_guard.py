"""The guard on the shared time-skipping server: a sleep held still by a leaked hold on the
server's clock (as a workflow task cut off in flight leaves it) releases the hold and sleeps,
so one test's accident does not make every later test's sleep time out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.api.testservice.v1 import LockTimeSkippingRequest
from temporalio.testing import WorkflowEnvironment

import tests.conftest as conftest
from tests.conftest import GuardedSleep
from tests.temporal_servers import TEST_SERVER
from tests.test_keys import TEST_CONVERTER


async def test_a_sleep_held_still_by_a_leaked_hold_releases_it_and_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A held clock is told within a second here (20 s in the suite, for a loaded machine).
    monkeypatch.setattr(conftest, "_SLEEP_WAIT_S", 1.0)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=TEST_SERVER
    )
    try:
        sleep = GuardedSleep(env)
        before = await env.get_current_time()
        await sleep(timedelta(days=1))
        assert await env.get_current_time() - before >= timedelta(days=1), "a fresh server"

        await env.client.test_service.lock_time_skipping(LockTimeSkippingRequest())
        before = await env.get_current_time()
        with pytest.warns(UserWarning, match="releasing a leaked hold"):
            await sleep(timedelta(days=7))
        moved = await env.get_current_time() - before
        assert timedelta(days=7) <= moved < timedelta(days=8), "as far as asked, not further"
        before = await env.get_current_time()
        await sleep(timedelta(days=2))
        assert await env.get_current_time() - before >= timedelta(days=2), "and skips again"
    finally:
        await env.shutdown()
