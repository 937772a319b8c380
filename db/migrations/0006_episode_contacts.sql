-- Contact data belongs to the episode that recorded it: a referral for a citizen known from
-- another episode no longer rewrites what that episode shows. `citizens` keeps only the CPR
-- number <-> citizen_id link; its name/phone/email columns are emptied here and no longer
-- written. A row exists from the moment a referral is accepted (before the episode's first
-- commit), so it is also what "the citizen has an open episode" is checked against.
CREATE TABLE episode_contacts (
    episode_id       text PRIMARY KEY,
    citizen_id       text NOT NULL REFERENCES citizens,
    name             text,
    phone            text,
    email            text,
    recorded_by_role text NOT NULL,
    recorded_by_id   text NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX episode_contacts_citizen ON episode_contacts (citizen_id);

-- Every episode known today gets the contact data its citizen row holds now (the best there
-- is), recorded by whoever referred it.
INSERT INTO episode_contacts
    (episode_id, citizen_id, name, phone, email, recorded_by_role, recorded_by_id, recorded_at)
SELECT DISTINCT ON (known.episode_id)
       known.episode_id, c.citizen_id, c.name, c.phone, c.email,
       COALESCE(r.body #>> '{actor,role}', 'system'),
       COALESCE(r.body #>> '{actor,id}', 'migration-0006'),
       COALESCE(r.received_at, now())
FROM (
    SELECT episode_id, citizen_id FROM episodes
    UNION
    SELECT episode_id, citizen_id FROM events_received
    WHERE event_type = 'referral_created' AND episode_id IS NOT NULL AND citizen_id IS NOT NULL
) known
JOIN citizens c ON c.citizen_id = known.citizen_id
LEFT JOIN events_received r
       ON r.episode_id = known.episode_id AND r.event_type = 'referral_created'
ORDER BY known.episode_id, r.received_at;

UPDATE citizens SET name = NULL, phone = NULL, email = NULL
WHERE name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL;
