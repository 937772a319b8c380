-- A task_escalation task names the task whose lapse it escalates (a task id, no personal data).
ALTER TABLE tasks ADD COLUMN escalates text;
