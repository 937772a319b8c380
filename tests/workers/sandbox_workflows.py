"""Two workflows for the sandbox runner's test, in a module of their own: the sandbox
imports a workflow's module afresh, and this one needs nothing but temporalio."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError


@workflow.defn(failure_exception_types=[RestrictedWorkflowAccessError])
class ReadsTheClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()  # not deterministic: the sandbox refuses it


@workflow.defn
class Answers:
    """No timer: the test must not hang on the shared time-skipping server's clock."""

    @workflow.run
    async def run(self, name: str) -> str:
        return f"{name} at {workflow.now():%Y}"
