"""How the episode calls its activities: one set of options per kind of call."""

from __future__ import annotations

from datetime import timedelta
from typing import Final, TypedDict

from temporalio.common import RetryPolicy

# Database work retries until the database is back; it never gives up on its own.
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
# Deliveries give up after about an hour; then a person is given the task instead.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=15),
    maximum_attempts=8,
)


class CallOptions(TypedDict):
    """Keyword arguments of workflow.execute_activity_method and its local twin."""

    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


DATABASE_CALL: Final = CallOptions(
    start_to_close_timeout=timedelta(seconds=30), retry_policy=DATABASE_RETRY
)
# Each channel gives up after 10 s; a worker that died mid-delivery is noticed after this
# long and the attempt is retried.
DELIVERY: Final = CallOptions(
    start_to_close_timeout=timedelta(seconds=30), retry_policy=DELIVERY_RETRY
)
