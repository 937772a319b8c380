-- Erasure ledger: which citizens were erased, by ids only (no personal data). A restore from a
-- backup taken before an erasure brings the citizen back; `hverdagsbro erase --reapply`
-- erases again everyone in this table and in the ledger file kept outside the database.
CREATE TABLE erasures (
    citizen_id  text PRIMARY KEY,
    episode_ids text[] NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    erased_by   text NOT NULL
);

-- Citizens erased before this migration: they are in the ledger, and what erasure used to
-- leave behind (task results, notification parameters and delivery errors, outcome scores)
-- goes now. Their Temporal executions are deleted by `erase --reapply`.
INSERT INTO erasures (citizen_id, episode_ids, erased_at, erased_by)
SELECT a.detail->>'citizen_id',
       COALESCE(string_to_array(NULLIF(a.detail->>'episodes', ''), ','), '{}'),
       a.at,
       a.actor_id
FROM audit_log a
WHERE a.action = 'citizen.erased' AND a.detail ? 'citizen_id'
ON CONFLICT (citizen_id) DO NOTHING;

UPDATE tasks SET note = '', result = NULL
WHERE episode_id IN (SELECT unnest(episode_ids) FROM erasures);

UPDATE outbox SET params = '{}'::jsonb, last_error = NULL
WHERE episode_id IN (SELECT unnest(episode_ids) FROM erasures);

UPDATE episodes SET hope_score_start = NULL, hope_score_end = NULL
WHERE episode_id IN (SELECT unnest(episode_ids) FROM erasures);
