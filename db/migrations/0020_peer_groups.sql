-- Peer groups (model 1's group-based peer support in municipal services, and any programme's
-- groups): recurring sessions with a facilitating peer, members who join and leave (a citizen
-- by their episode, or someone without an account as a course participant of migration 0019),
-- the sessions the group's workflow plans, the attendance the
-- facilitator records, and the tasks they raise (a member absent several sessions in a row for
-- the facilitator; attendance nobody recorded for the organisation's coordinators).
CREATE TABLE peer_groups (
    group_id           text PRIMARY KEY,
    programme          text NOT NULL REFERENCES programmes (code),
    organisation_id    text NOT NULL REFERENCES organisations,
    municipality_code  text,
    name               text NOT NULL,
    facilitator_id     text NOT NULL REFERENCES peers (peer_id),
    co_facilitator_ids text[] NOT NULL DEFAULT '{}',
    schedule           jsonb NOT NULL,
    place              text NOT NULL DEFAULT '',
    seats              integer NOT NULL CHECK (seats BETWEEN 1 AND 100),
    absent_in_a_row    integer NOT NULL DEFAULT 3 CHECK (absent_in_a_row BETWEEN 2 AND 10),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX peer_groups_organisation ON peer_groups (organisation_id);
CREATE INDEX peer_groups_facilitator ON peer_groups (facilitator_id);

-- A membership from joined_on until left_on (joining again is a new row): a citizen by their
-- episode, or a participant without an account (erased with them: cascade).
CREATE TABLE peer_group_members (
    member_id      text PRIMARY KEY,
    group_id       text NOT NULL REFERENCES peer_groups ON DELETE CASCADE,
    episode_id     text,
    participant_id text REFERENCES course_participants ON DELETE CASCADE,
    joined_on      date NOT NULL,
    left_on        date,
    added_by       text NOT NULL,
    CHECK ((episode_id IS NULL) <> (participant_id IS NULL)),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX peer_group_members_current ON peer_group_members (group_id, episode_id)
    WHERE left_on IS NULL;
CREATE UNIQUE INDEX peer_group_members_participant
    ON peer_group_members (group_id, participant_id) WHERE left_on IS NULL;
CREATE INDEX peer_group_members_episode ON peer_group_members (episode_id);

CREATE TABLE peer_group_sessions (
    session_id text PRIMARY KEY,
    group_id   text NOT NULL REFERENCES peer_groups ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    status     text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX peer_group_sessions_group ON peer_group_sessions (group_id, starts_at);

CREATE TABLE peer_group_attendance (
    session_id  text NOT NULL REFERENCES peer_group_sessions ON DELETE CASCADE,
    member_id   text NOT NULL REFERENCES peer_group_members ON DELETE CASCADE,
    present     boolean NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, member_id)
);

-- member_absent is the facilitator's (assigned_to); attendance_unrecorded the coordinators'.
CREATE TABLE peer_group_tasks (
    task_id         text PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('member_absent', 'attendance_unrecorded')),
    group_id        text NOT NULL REFERENCES peer_groups ON DELETE CASCADE,
    organisation_id text NOT NULL REFERENCES organisations,
    assigned_to     text,
    member_id       text REFERENCES peer_group_members ON DELETE CASCADE,
    session_id      text NOT NULL,
    dedupe_key      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    due_at          timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    closed_by       text
);
CREATE INDEX peer_group_tasks_open ON peer_group_tasks (group_id) WHERE status = 'open';
