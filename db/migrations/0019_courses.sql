-- Courses (recovery colleges, ARK): a catalogue of courses, their terms with dated sessions,
-- places, seats and co-teaching peers, the participants (not users: citizens, relatives,
-- staff, students), their enrolments with a waiting list, and attendance per session.
-- One CourseTermWorkflow per opened term (workflows/course_term.py).

CREATE TABLE courses (
    course_id            text PRIMARY KEY,
    programme            text NOT NULL REFERENCES programmes (code),
    organisation_id      text NOT NULL REFERENCES organisations,
    title                text NOT NULL,
    title_da             text NOT NULL,
    description          text NOT NULL DEFAULT '',
    participant_kinds    text[] NOT NULL
        CHECK (participant_kinds <@ ARRAY['citizen', 'relative', 'staff', 'student']::text[]
               AND cardinality(participant_kinds) > 0),
    sessions_to_complete integer NOT NULL CHECK (sessions_to_complete >= 1),
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_organisation ON courses (organisation_id);

CREATE TABLE course_terms (
    term_id    text PRIMARY KEY,
    course_id  text NOT NULL REFERENCES courses,
    starts_on  date NOT NULL,
    place      text NOT NULL,
    seats      integer NOT NULL CHECK (seats >= 1),
    status     text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'open', 'closed', 'cancelled')),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX course_terms_course ON course_terms (course_id, starts_on);

CREATE TABLE course_sessions (
    session_id text PRIMARY KEY,
    term_id    text NOT NULL REFERENCES course_terms ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    place      text NOT NULL,
    status     text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    CHECK (ends_at > starts_at)
);
CREATE INDEX course_sessions_term ON course_sessions (term_id, starts_at);

-- The peers who co-teach a term (they record attendance).
CREATE TABLE course_term_teachers (
    term_id text NOT NULL REFERENCES course_terms ON DELETE CASCADE,
    peer_id text NOT NULL REFERENCES peers ON DELETE CASCADE,
    PRIMARY KEY (term_id, peer_id)
);
CREATE INDEX course_term_teachers_peer ON course_term_teachers (peer_id);

-- PERSONAL DATA: name, e-mail and phone. A participant who is a citizen with an episode is
-- deleted with the citizen's erasure (db/erasure.py); their enrolments and attendance go too.
-- episode_id is not a foreign key (as peer_group_members): whoever enrols a citizen checks
-- they may see the episode.
CREATE TABLE course_participants (
    participant_id  text PRIMARY KEY,
    display_name    text NOT NULL,
    email           text,
    phone           text,
    kind            text NOT NULL CHECK (kind IN ('citizen', 'relative', 'staff', 'student')),
    episode_id      text,
    consent_at      timestamptz NOT NULL,
    consent_version text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (episode_id IS NULL OR kind = 'citizen')
);
CREATE INDEX course_participants_episode ON course_participants (episode_id)
    WHERE episode_id IS NOT NULL;

CREATE TABLE course_enrolments (
    term_id         text NOT NULL REFERENCES course_terms ON DELETE CASCADE,
    participant_id  text NOT NULL REFERENCES course_participants ON DELETE CASCADE,
    status          text NOT NULL CHECK (status IN ('enrolled', 'waiting', 'cancelled', 'completed')),
    position        integer,
    enrolled_by_role text NOT NULL,
    enrolled_by_id  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (term_id, participant_id),
    CHECK ((status = 'waiting') = (position IS NOT NULL))
);
CREATE INDEX course_enrolments_waiting ON course_enrolments (term_id, position)
    WHERE status = 'waiting';
CREATE INDEX course_enrolments_participant ON course_enrolments (participant_id);

CREATE TABLE course_attendance (
    session_id     text NOT NULL REFERENCES course_sessions ON DELETE CASCADE,
    participant_id text NOT NULL REFERENCES course_participants ON DELETE CASCADE,
    present        boolean NOT NULL,
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX course_attendance_participant ON course_attendance (participant_id);

-- Work for a term's teaching peers (escalated to the organisation's coordinators): a session's
-- attendance nobody recorded, a participant absent from two sessions in a row to follow up.
CREATE TABLE course_tasks (
    task_id         text PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('attendance_unrecorded', 'participant_absent')),
    term_id         text NOT NULL REFERENCES course_terms ON DELETE CASCADE,
    organisation_id text NOT NULL REFERENCES organisations,
    session_id      text NOT NULL REFERENCES course_sessions ON DELETE CASCADE,
    participant_id  text REFERENCES course_participants ON DELETE CASCADE,
    dedupe_key      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    due_at          timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    escalated_at    timestamptz,
    closed_at       timestamptz,
    closed_by       text
);
CREATE INDEX course_tasks_open ON course_tasks (term_id) WHERE status = 'open';
