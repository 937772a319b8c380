-- The roster upkeep tells of peer group tasks like of roster tasks: when they were first told
-- (member_absent to the facilitator, attendance_unrecorded to the coordinators), reminded once
-- when due, and escalated once days later (to the coordinators, or to the partnership).
ALTER TABLE peer_group_tasks ADD COLUMN notified_at timestamptz;
ALTER TABLE peer_group_tasks ADD COLUMN reminded_at timestamptz;
ALTER TABLE peer_group_tasks ADD COLUMN escalated_at timestamptz;
CREATE INDEX peer_group_tasks_unnoticed ON peer_group_tasks (created_at)
    WHERE status = 'open' AND notified_at IS NULL;

-- A course participant's follow-up (participant_absent, told to the teaching peers when the
-- term's workflow opens it) is reminded of once when due and escalated once to the
-- coordinators (escalated_at of migration 0019) by the same upkeep.
ALTER TABLE course_tasks ADD COLUMN reminded_at timestamptz;
