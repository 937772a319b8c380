"""The episode record: its tasks, notifications, timeline, audit trail, phase and milestones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from schemas import timeline_texts
from schemas.commit import AuditEntry, TimelineEntry
from schemas.episode import TERMINAL_PHASES, EpisodeStart, EpisodeState, MilestoneRecord, Phase
from schemas.notifications import Notification, Template
from schemas.people import SYSTEM, Actor, Recipient, Role
from schemas.programme import MilestoneKind
from schemas.tasks import HandOver, Task, TaskKind, TaskStatus
from workflows import projections
from workflows.pending_changes import PendingChanges
from workflows.runtime import Runtime


class EpisodeRecord:
    """Keeps the episode's state and collects every change for the next commit.

    Everything here is bookkeeping: it records what the process and the rules decided and
    keeps what operators see (search attributes, details) in step, but decides nothing."""

    def __init__(self, start: EpisodeStart, state: EpisodeState, runtime: Runtime) -> None:
        self.start = start
        self.programme = start.programme
        self.referral = start.referral
        self.episode_id = start.episode_id
        self.state = state
        self.runtime = runtime
        self.changes = PendingChanges()
        # Why the episode must end now (set by a fact; the process acts on it).
        self.ending: tuple[Phase, str] | None = None
        # The deadline watcher sleeps until `watch_until`; an earlier due time wakes it.
        self.watch_until: datetime | None = None
        self.deadlines_changed = False
        self.published: tuple[object, ...] = ()

    # ------------------------------------------------------------------ who

    def peer(self, peer_id: str | None = None) -> Recipient:
        """The assigned peer, or the peer named (an offer goes to a peer not assigned yet)."""
        peer_id = peer_id or self.state.peer_id
        assert peer_id is not None, "a peer is assigned before peer tasks exist"
        return Recipient(role=Role.PEER, id=peer_id)

    def coordinator(self) -> Recipient:
        return Recipient(role=Role.COORDINATOR, id=self.referral.organisation_id)

    def caseworker(self, service: str) -> Recipient:
        return Recipient(role=Role.CASEWORKER, id=self.referral.municipality_code, service=service)

    def ward(self) -> Recipient:
        return Recipient(role=Role.WARD, id=self.referral.ward_id)

    # ------------------------------------------------------------------ tasks

    def tasks_of(self, kind: TaskKind, *, open_only: bool = True) -> list[Task]:
        return [
            t for t in self.state.tasks.values() if t.kind == kind and (t.is_open or not open_only)
        ]

    def add_task(
        self,
        kind: TaskKind,
        assignee: Recipient,
        *,
        due_in: timedelta | None = None,
        due_at: datetime | None = None,
        number: int = 0,
        template: Template | None = Template.NEW_TASK,
    ) -> Task:
        now = self.runtime.now()
        task = Task(
            task_id=self.new_id("t"),
            kind=kind,
            assignee=assignee,
            created_at=now,
            due_at=due_at or (now + due_in if due_in else None),
            number=number,
        )
        self.state.tasks[task.task_id] = task
        self.timeline("task", "timeline.task_new", params={"task": kind}, task_id=task.task_id)
        if template is not None:
            self.notify(assignee, template, task_id=task.task_id, params={"task": kind.value})
        self.changed_task(task)
        return task

    def close_task(self, task: Task, status: TaskStatus, why: str) -> None:
        task.status = status
        task.decided_at = self.runtime.now()
        task.decided_by = SYSTEM
        self.timeline(
            "task",
            "timeline.task_closed",
            params={"task": task.kind, "reason": why},
            task_id=task.task_id,
        )
        self.changed_task(task)

    def changed_task(self, task: Task) -> None:
        self.changes.task(task.task_id)
        if not task.is_open and task.kind != TaskKind.TASK_ESCALATION:
            self._close_escalations_of(task)
        due = task.due_at if task.is_open and not task.overdue else None
        if due is not None and (self.watch_until is None or due < self.watch_until):
            self.deadlines_changed = True
        self.touch()

    def _close_escalations_of(self, task: Task) -> None:
        """The escalations of a task close with it: done when it was done, else cancelled."""
        done = task.status in (TaskStatus.COMPLETED, TaskStatus.ACCEPTED)
        for escalation in self.tasks_of(TaskKind.TASK_ESCALATION):
            if escalation.escalates == task.task_id:
                self.close_task(
                    escalation,
                    TaskStatus.COMPLETED if done else TaskStatus.CANCELLED,
                    f"the escalated task is {task.status.value}",
                )

    # ------------------------------------------------------------------ notes

    def notify(
        self,
        recipient: Recipient,
        template: Template,
        *,
        task_id: str | None = None,
        params: dict[str, str] | None = None,
        notification_id: str | None = None,
    ) -> None:
        """`notification_id`: the idempotency key, when the notice has one of its own (what
        and when); else the next of the episode's sequence."""
        notification = Notification(
            notification_id=notification_id or self.new_id("n"),
            episode_id=self.episode_id,
            recipient=recipient,
            template=template,
            task_id=task_id,
            created_at=self.runtime.now(),
            params=params or {},
        )
        self.changes.notifications.append(notification)
        self.audit(
            SYSTEM,
            "notification.queued",
            detail={
                "notification_id": notification.notification_id,
                "template": template.value,
                "recipient_role": recipient.role.value,
            },
        )

    def timeline(
        self,
        kind: str,
        key: str,
        *,
        params: Mapping[str, str] | None = None,
        actor: Actor | None = None,
        task_id: str | None = None,
        entry_id: str | None = None,
    ) -> None:
        """A timeline line: its key in schemas.timeline_texts and its params (codes, numbers,
        reference names; never personal data). The English line is stored as the summary for
        operators; the pages show the reader's language. (A key the catalog lacks is stored
        as a summary without a key, as before the keys; tests/workflows/test_timeline_texts
        refuses one in the workflows.) `entry_id`: an id of the line's own, for a line whose
        moment depends on the world outside (an Acknowledgement) and so must not shift the
        numbering of every line after it."""
        texts = {name: str(value) for name, value in (params or {}).items()}
        known = key in timeline_texts.TIMELINE_TEXTS
        self.changes.timeline.append(
            TimelineEntry(
                entry_id=entry_id or self.new_id("e"),
                at=self.runtime.now(),
                kind=kind,
                actor=actor,
                summary=timeline_texts.english(key, texts) if known else key,
                task_id=task_id,
                text_key=key if known else None,
                params=texts if known else {},
            )
        )

    def audit(self, actor: Actor, action: str, *, detail: dict[str, str], reason: str = "") -> None:
        self.changes.audit.append(
            AuditEntry(
                audit_id=self.new_id("a"),
                at=self.runtime.now(),
                actor=actor,
                action=action,
                reason=reason,
                detail=detail,
            )
        )

    def milestone(self, kind: MilestoneKind, detail: str, at: datetime) -> None:
        self.state.milestones.append(MilestoneRecord(kind=kind, detail=detail, reached_at=at))
        self.timeline("milestone", "timeline.milestone", params={"milestone": kind})

    def assign(self, peer_id: str, offer_no: int) -> None:
        self.state.peer_id = peer_id
        self.state.assigned_offer_no = offer_no
        self.timeline("matched", "timeline.peer_assigned")
        self.touch()

    def peer_tasks(self) -> list[Task]:
        """The open tasks of the assigned peer."""
        peer = self.state.peer_id
        return [
            t
            for t in self.state.tasks.values()
            if t.is_open and t.assignee.role == Role.PEER and t.assignee.id == peer
        ]

    def hand_over(self, hand_over: HandOver, offer_no: int) -> None:
        """The episode moves to another peer: their open tasks, the reason audited (the
        reason stays out of the timeline), both peers told."""
        old = self.peer()
        moving = self.peer_tasks()
        self.state.peer_id = hand_over.peer_id
        self.state.assigned_offer_no = offer_no
        self.state.hand_overs += 1
        new = self.peer()
        for task in moving:
            task.assignee = new
            self.changed_task(task)
        self.audit(
            hand_over.actor,
            "episode.handed_over",
            detail={"from_peer": old.id, "to_peer": new.id},
            reason=hand_over.reason,
        )
        self.timeline("matched", "timeline.handed_over", actor=hand_over.actor)
        self.notify(old, Template.HANDED_OVER)
        self.notify(new, Template.ASSIGNED)
        self.touch()

    # ------------------------------------------------------------------ phase

    def set_phase(self, phase: Phase) -> None:
        if self.state.phase == phase:
            return
        self.state.phase = phase
        self.runtime.log("episode phase changed", {"phase": phase.value})
        self.timeline("phase", "timeline.phase", params={"phase": phase})
        self.audit(SYSTEM, "episode.phase", detail={"phase": phase.value})
        self.touch()

    def end_now(self, phase: Phase, reason: str) -> None:
        """A fact ends the episode: the process stops at its next wait and finishes."""
        if self.ending is None and self.state.phase not in TERMINAL_PHASES:
            self.ending = (phase, reason)
            self.timeline("ending", "timeline.ends", params={"reason": reason})

    @property
    def interrupted(self) -> bool:
        """The process must stop what it waits for: the episode ends or closes early."""
        closing_early = self.state.close_requested and self.state.phase not in (
            Phase.CLOSING,
            *TERMINAL_PHASES,
        )
        return self.ending is not None or closing_early

    def touch(self) -> None:
        """Something the read model or the operator view shows has changed."""
        self.changes.projection_changed = True
        overdue = projections.overdue_count(self.state)
        published = (self.state.phase, overdue, self.state.discharged_at)
        if published == self.published:
            return
        self.published = published
        self.runtime.publish(
            projections.search_attributes(self.start, self.state, overdue),
            projections.details(self.state, overdue),
        )

    def new_id(self, prefix: str) -> str:
        """A deterministic id: the same on every replay."""
        self.state.seq += 1
        return f"{self.episode_id}-{prefix}{self.state.seq}"
