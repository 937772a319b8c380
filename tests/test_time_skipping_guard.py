"""The guard between test modules: a time-skipping server whose hold on time leaked (as a
workflow task cut off in flight leaves it) is found and released, so one module's accident
does not make every later test's sleep time out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.api.testservice.v1 import LockTimeSkippingRequest
from temporalio.testing import WorkflowEnvironment

from tests.conftest import _keep_time_skipping, _skips
from tests.temporal_servers import TEST_SERVER
from tests.test_keys import TEST_CONVERTER


async def test_a_leaked_hold_on_time_is_released_and_time_skips_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tests.conftest as conftest

    # A stuck server is told within a second here (20 s in the suite, for a loaded machine).
    monkeypatch.setattr(conftest, "_SKIP_PROBE_WAIT_S", 1.0)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=TEST_SERVER
    )
    try:
        assert await _skips(env), "a fresh server skips"
        await env.client.test_service.lock_time_skipping(LockTimeSkippingRequest())
        assert not await _skips(env), "a leaked hold keeps time still"
        with pytest.warns(UserWarning, match="releasing a leaked hold"):
            await _keep_time_skipping(env)
        before = await env.get_current_time()
        await asyncio.wait_for(env.sleep(timedelta(days=7)), 5)
        assert await env.get_current_time() - before >= timedelta(days=7)
    finally:
        await env.shutdown()
