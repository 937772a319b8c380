-- When the organisation's coordinators were first told of a roster task (the reminder when it
-- falls due and the escalation to the partnership have reminded_at and escalated_at).
ALTER TABLE roster_tasks ADD COLUMN notified_at timestamptz;
CREATE INDEX roster_tasks_unnoticed ON roster_tasks (created_at)
    WHERE status = 'open' AND notified_at IS NULL;
