-- The outcome report looks up each episode's offers, manual matches and first-contact
-- escalations (issue 20, a year of a region's referrals: 50,000 episodes): an index of just
-- those tasks, holding what the report reads, answers each episode from the index alone
-- instead of visiting all of its ten or so tasks (0.39 s instead of 1.0 s for the year).
CREATE INDEX tasks_report_kinds ON tasks (episode_id) INCLUDE (kind, status, decided_at)
    WHERE kind IN ('peer_offer', 'manual_match', 'first_contact_escalation');
