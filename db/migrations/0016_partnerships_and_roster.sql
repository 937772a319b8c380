-- Partnerships as data, the peer roster's training, absences and supervision, and the
-- coordinators' roster tasks (issue 17).

-- An organisation may be in many partnerships; each partnership has its own sharing rules.
CREATE TABLE partnership_members (
    partnership_id  text NOT NULL REFERENCES partnerships ON DELETE CASCADE,
    organisation_id text NOT NULL REFERENCES organisations ON DELETE CASCADE,
    PRIMARY KEY (partnership_id, organisation_id)
);
CREATE INDEX partnership_members_organisation ON partnership_members (organisation_id);
INSERT INTO partnership_members (partnership_id, organisation_id)
SELECT partnership_id, organisation_id FROM organisations WHERE partnership_id IS NOT NULL;
ALTER TABLE organisations DROP COLUMN partnership_id;

-- schemas/roster.SharingRules: match_across (peers of any member may be offered to any
-- member's episodes) and home_sees_assigned (the organisation kinds whose coordinators see and
-- supervise the partners' episodes their own peers are assigned to).
ALTER TABLE partnerships
    ADD COLUMN sharing jsonb NOT NULL
        DEFAULT '{"match_across": true, "home_sees_assigned": ["ngo", "association"]}';

-- Every organisation with every organisation it shares a partnership with, itself included.
CREATE VIEW organisation_partners AS
SELECT organisation_id, organisation_id AS partner_id FROM organisations
UNION
SELECT mine.organisation_id, theirs.organisation_id
FROM partnership_members mine
JOIN partnership_members theirs ON theirs.partnership_id = mine.partnership_id;

-- The partners whose peers may be offered to an organisation's episodes: itself, and the
-- members of its partnerships that match across.
CREATE VIEW matching_partners AS
SELECT organisation_id, organisation_id AS partner_id FROM organisations
UNION
SELECT mine.organisation_id, theirs.organisation_id
FROM partnership_members mine
JOIN partnership_members theirs ON theirs.partnership_id = mine.partnership_id
JOIN partnerships p ON p.partnership_id = mine.partnership_id
WHERE coalesce((p.sharing ->> 'match_across')::boolean, true);

-- Training: the courses a peer has completed, when and by whom (a trainer or an institution).
CREATE TABLE training_courses (
    course  text PRIMARY KEY,
    name    text NOT NULL,
    name_da text NOT NULL
);
INSERT INTO training_courses (course, name, name_da) VALUES
    ('peer-basic', 'Basic peer support training', 'Grunduddannelse i peerstøtte'),
    ('peer-refresher', 'Peer support refresher', 'Genopfriskning i peerstøtte'),
    ('peer-guide', 'Peer guide training (SIND)', 'Peer-guide-uddannelse (SIND)'),
    ('recovery-educator', 'Recovery college co-teacher training', 'Underviseruddannelse, recoveryskole'),
    ('ark-instructor', 'ARK course instructor training', 'ARK-instruktøruddannelse');

CREATE TABLE peer_trainings (
    training_id  text PRIMARY KEY,
    peer_id      text NOT NULL REFERENCES peers ON DELETE CASCADE,
    course       text NOT NULL REFERENCES training_courses,
    completed_on date NOT NULL,
    trained_by   text NOT NULL,
    recorded_by  text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (peer_id, course, completed_on)
);

-- Periods a peer is away (holiday, leave); no reason is stored, it may be about health.
CREATE TABLE peer_absences (
    absence_id  text PRIMARY KEY,
    peer_id     text NOT NULL REFERENCES peers ON DELETE CASCADE,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('holiday', 'leave', 'other')),
    recorded_by text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX peer_absences_peer ON peer_absences (peer_id, ends_on);

-- Supervision: groups with a supervisor and a recurring schedule, their members, the sessions
-- the group's workflow plans and the attendance the supervisor records.
CREATE TABLE supervision_groups (
    group_id        text PRIMARY KEY,
    organisation_id text NOT NULL REFERENCES organisations,
    name            text NOT NULL,
    supervisor_id   text REFERENCES users,
    schedule        jsonb NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE supervision_members (
    group_id text NOT NULL REFERENCES supervision_groups ON DELETE CASCADE,
    peer_id  text NOT NULL REFERENCES peers ON DELETE CASCADE,
    PRIMARY KEY (group_id, peer_id)
);
CREATE INDEX supervision_members_peer ON supervision_members (peer_id);
INSERT INTO supervision_groups (group_id, organisation_id, name, schedule)
SELECT DISTINCT ON (supervision_group) supervision_group, organisation_id, supervision_group,
       '{"weekday": 2, "time": "14:00", "every_weeks": 4, "duration_minutes": 90}'::jsonb
FROM peers WHERE supervision_group IS NOT NULL ORDER BY supervision_group, peer_id;
INSERT INTO supervision_members (group_id, peer_id)
SELECT supervision_group, peer_id FROM peers WHERE supervision_group IS NOT NULL;

CREATE TABLE supervision_sessions (
    session_id  text PRIMARY KEY,
    group_id    text NOT NULL REFERENCES supervision_groups ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('regular', 'extra')),
    status      text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    for_peer_id text REFERENCES peers ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_sessions_group ON supervision_sessions (group_id, starts_at);
CREATE TABLE supervision_attendance (
    session_id  text NOT NULL REFERENCES supervision_sessions ON DELETE CASCADE,
    peer_id     text NOT NULL REFERENCES peers ON DELETE CASCADE,
    present     boolean NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, peer_id)
);

-- The roster page, the partnership views and a home coordinator's supervised episodes look
-- peers up by organisation.
CREATE INDEX peers_organisation ON peers (organisation_id);

-- The shipped programmes who may carry them and which training they need (schemas/programme
-- Carriers and ProgrammeTraining); a definition an operator already gave these keys keeps them.
UPDATE programmes SET definition = definition || CASE code
    WHEN 'municipal-peer-support' THEN
        '{"carried_by": {"employment": ["employed"], "organisation_kinds": ["region", "municipality", "ngo", "association"]},
          "training": {"courses": ["peer-basic", "peer-refresher"], "refresher_months": 24, "remind_days_before": 30}}'
    WHEN 'bro-til-hverdagslivet' THEN
        '{"carried_by": {"employment": ["volunteer"], "organisation_kinds": ["ngo", "association"]},
          "training": {"courses": ["peer-basic", "peer-refresher"], "refresher_months": 24, "remind_days_before": 30}}'
    WHEN 'peer-guide-sind' THEN
        '{"carried_by": {"employment": ["volunteer"], "organisation_kinds": ["ngo", "association"]},
          "training": {"courses": ["peer-guide", "peer-refresher"], "refresher_months": 24, "remind_days_before": 30}}'
    WHEN 'recovery-college' THEN
        '{"carried_by": {"employment": ["employed", "volunteer"], "organisation_kinds": ["region", "municipality", "ngo", "association"]},
          "training": {"courses": ["recovery-educator", "peer-refresher"], "refresher_months": 36, "remind_days_before": 30}}'
    WHEN 'ward-bridge-builders' THEN
        '{"carried_by": {"employment": ["employed"], "organisation_kinds": ["region", "municipality"]},
          "training": {"courses": ["peer-basic", "peer-refresher"], "refresher_months": 24, "remind_days_before": 30}}'
    WHEN 'ark-course' THEN
        '{"carried_by": {"employment": ["employed", "volunteer"], "organisation_kinds": ["region", "municipality", "ngo", "association"]},
          "training": {"courses": ["ark-instructor", "peer-refresher"], "refresher_months": 36, "remind_days_before": 30}}'
    ELSE '{}' END::jsonb
WHERE NOT definition ? 'carried_by';

-- A peer marked trained before there were records keeps counting as trained: one record per
-- programme they serve, in the first course it accepts, dated when their training was
-- completed (today where that was never recorded); a peer serving none gets the basic course.
INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by)
SELECT DISTINCT ON (p.peer_id, course.course)
       'migrated-' || p.peer_id || '-' || course.course, p.peer_id, course.course,
       coalesce(p.training_completed, current_date), 'recorded before training records'
FROM peers p
LEFT JOIN programmes prog ON prog.code = ANY (p.programmes)
CROSS JOIN LATERAL (
    SELECT coalesce(prog.definition -> 'training' -> 'courses' ->> 0, 'peer-basic') AS course
) course
WHERE p.trained AND course.course IN (SELECT course FROM training_courses)
ORDER BY p.peer_id, course.course;

ALTER TABLE peers DROP COLUMN trained;
ALTER TABLE peers DROP COLUMN training_completed;
ALTER TABLE peers DROP COLUMN supervision_group;

-- Each peer's standing in each active programme, today: whether they serve it, whether their
-- employment form and organisation kind may carry it, until when their training counts (the
-- latest completion of a course the programme accepts, plus its refresher period) and whether
-- they are away.
CREATE VIEW peer_programme_standing AS
SELECT p.peer_id,
       prog.code AS programme,
       prog.code = ANY (p.programmes) AS serves,
       (coalesce(prog.definition -> 'carried_by' -> 'employment', '["employed", "volunteer"]')
            ? p.employment
        AND coalesce(prog.definition -> 'carried_by' -> 'organisation_kinds',
                     '["region", "municipality", "ngo", "association"]') ? o.kind) AS may_carry,
       latest.trained_on,
       (latest.trained_on
        + make_interval(months => coalesce(
            (prog.definition -> 'training' ->> 'refresher_months')::integer, 24)))::date
           AS trained_until,
       EXISTS (SELECT 1 FROM peer_absences a
               WHERE a.peer_id = p.peer_id AND current_date BETWEEN a.starts_on AND a.ends_on)
           AS absent
FROM peers p
JOIN organisations o ON o.organisation_id = p.organisation_id
JOIN programmes prog ON prog.active
-- The latest completion of a course the programme accepts, looked up once for both columns.
LEFT JOIN LATERAL (
    SELECT max(t.completed_on) AS trained_on
    FROM peer_trainings t
    WHERE t.peer_id = p.peer_id
      AND coalesce(prog.definition -> 'training' -> 'courses', to_jsonb(ARRAY[t.course]))
          ? t.course
) latest ON true;

-- The peer-programme pairs that may be offered today (before capacity, municipality and the
-- partnership): serves it, may carry it, training valid, not away, available, an active user.
CREATE VIEW offerable_peer_programmes AS
SELECT s.peer_id, s.programme
FROM peer_programme_standing s
JOIN peers p ON p.peer_id = s.peer_id
JOIN users u ON u.user_id = s.peer_id
WHERE s.serves AND s.may_carry AND s.trained_until >= current_date AND NOT s.absent
  AND p.available AND u.active;

-- Work for the coordinators about the roster itself (not about an episode): a training about
-- to lapse, two supervisions missed in a row, attendance not recorded, an extra supervision
-- to offer after a hard ending. `dedupe_key` makes opening the same task twice a no-op.
CREATE TABLE roster_tasks (
    task_id         text PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('training_lapsing', 'supervision_missed',
                                                  'attendance_unrecorded', 'extra_supervision')),
    organisation_id text NOT NULL REFERENCES organisations,
    peer_id         text REFERENCES peers ON DELETE CASCADE,
    group_id        text REFERENCES supervision_groups ON DELETE CASCADE,
    dedupe_key      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    due_at          timestamptz NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    reminded_at     timestamptz,
    escalated_at    timestamptz,
    closed_at       timestamptz,
    closed_by       text
);
CREATE INDEX roster_tasks_open ON roster_tasks (organisation_id) WHERE status = 'open';

-- Notices about the roster belong to no episode.
ALTER TABLE outbox ALTER COLUMN episode_id DROP NOT NULL;
