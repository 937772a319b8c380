-- Programme kinds (issue 18): a programme is a one-to-one bridge, a course people enrol in
-- terms of, or a group. Programmes are seeded "insert if missing", so the shipped kinds and
-- the bridge-builders' in-ward contacts are added here to the rows an earlier version
-- inserted (see db/reference/programmes.json); a definition that already has a kind keeps it.
UPDATE programmes SET definition = definition || CASE code
    WHEN 'recovery-college' THEN '{"kind": "course"}'
    WHEN 'ark-course' THEN '{"kind": "course"}'
    ELSE '{"kind": "bridge"}' END::jsonb
WHERE NOT definition ? 'kind';

UPDATE programmes SET definition = definition || '{"in_ward_contact_every_days": 14}'::jsonb
WHERE code = 'ward-bridge-builders' AND NOT definition ? 'in_ward_contact_every_days';

-- An episode referred without an admission (district psychiatry, municipal services) shows
-- "ambulant" where a discharge would be.
ALTER TABLE episodes ADD COLUMN pathway text NOT NULL DEFAULT 'admitted'
    CHECK (pathway IN ('admitted', 'ambulant'));
