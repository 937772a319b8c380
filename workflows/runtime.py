"""What the episode's bookkeeping needs from Temporal, so its rules also run without a server."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate


class Runtime(Protocol):
    """The clock, patch checks, logging and operator-visible details of a running episode."""

    def now(self) -> datetime: ...

    def patched(self, patch_id: str) -> bool: ...

    def log(self, message: str, extra: dict[str, str]) -> None: ...

    def publish(self, updates: list[SearchAttributeUpdate[Any]], details: str) -> None: ...


class InWorkflow:
    """The runtime of an episode running, or replaying, on a Temporal worker."""

    def now(self) -> datetime:
        return workflow.now()

    def patched(self, patch_id: str) -> bool:
        return workflow.patched(patch_id)

    def log(self, message: str, extra: dict[str, str]) -> None:
        workflow.logger.info(message, extra=extra)

    def publish(self, updates: list[SearchAttributeUpdate[Any]], details: str) -> None:
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(details)
