"""The workflow sandbox, with its calls into a workflow compiled once instead of every time.

The SDK's sandboxed runner reaches the workflow inside its sandbox by `exec` of a short source
string: on every activation, and for every payload sequence it encodes or decodes (to ask the
workflow for its serialization context). `exec` of a string compiles it each time, about
40 µs here: about 6 % of the worker's CPU while it applied a backlog of events (py-spy, the
benchmark's 2,000 events to 200 episodes after a restart). The strings are few and fixed (one
set per workflow class), so each is compiled once and the code object run; what runs, in which
sandbox and with which globals, is unchanged.
"""

from __future__ import annotations

from types import CodeType
from typing import Any, cast

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance

# Source string -> its code object. Bounded by the strings the SDK writes: a constant few,
# plus one import statement per workflow class.
_COMPILED: dict[str, CodeType] = {}


def compiled(source: str) -> CodeType:
    """`source` compiled as `exec` would compile it (same file name), once."""
    code = _COMPILED.get(source)
    if code is None:
        code = _COMPILED[source] = compile(source, "<string>", "exec")
    return code


class _CompiledOnceInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        # `exec` takes a code object as it takes source text.
        super()._run_code(cast(str, compiled(code)), **extra_globals)


class CompiledOnceSandboxRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner` (the same restrictions and runner class) whose instances
    compile each of the SDK's calls into the sandbox once per process."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _CompiledOnceInstance(det, self.runner_class, self.restrictions)
