"""Tiny workflows the platform tests run in the real sandbox: one logs, one echoes its input."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow


class Referral(BaseModel):
    cpr: str
    name: str


@workflow.defn
class LoggingWorkflow:
    @workflow.run
    async def run(self, note: str) -> str:
        workflow.logger.info("workflow step reached", extra={"detail": note})
        return "done"


@workflow.defn
class EchoWorkflow:
    @workflow.run
    async def run(self, referral: Referral) -> Referral:
        return referral
