-- Pages and reports over a region's years (issue 20; measured by `hverdagsbro bench` on
-- 100,000 episodes): each list is newest referral first within its ward, organisation or
-- municipality, so it reads its first rows off an index instead of sorting all of them;
-- the report reads a period of referrals; the planned discharge, the referral's languages
-- and the reported milestones are looked up per episode and event type in events_received,
-- which had no index by episode.
CREATE INDEX episodes_ward_referred ON episodes (ward_id, referred_at DESC);
CREATE INDEX episodes_organisation_referred ON episodes (organisation_id, referred_at DESC);
CREATE INDEX episodes_municipality_referred ON episodes (municipality_code, referred_at DESC);
CREATE INDEX episodes_referred ON episodes (referred_at);
CREATE INDEX events_received_episode ON events_received (episode_id, event_type)
    WHERE episode_id IS NOT NULL;
-- The coordinator's overdue list: open tasks by due time.
CREATE INDEX tasks_open_due ON tasks (due_at) WHERE status = 'open';
-- The report counts each episode's offers, manual matches and escalations by kind.
CREATE INDEX tasks_episode_kind ON tasks (episode_id, kind);
-- The two-column indexes above serve every lookup these did.
DROP INDEX episodes_ward;
DROP INDEX episodes_municipality;
