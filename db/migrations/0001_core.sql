-- Core schema: reference data, roster, citizens, read models, outbox, audit log.

CREATE TABLE partnerships (
    partnership_id text PRIMARY KEY,
    name           text NOT NULL
);

CREATE TABLE organisations (
    organisation_id text PRIMARY KEY,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('region', 'municipality', 'ngo', 'association')),
    partnership_id  text REFERENCES partnerships
);

CREATE TABLE municipalities (
    municipality_code text PRIMARY KEY,
    name              text NOT NULL,
    organisation_id   text REFERENCES organisations
);

CREATE TABLE programmes (
    code       text PRIMARY KEY,
    definition jsonb NOT NULL,
    active     boolean NOT NULL DEFAULT true
);

CREATE TABLE wards (
    ward_id         text PRIMARY KEY,
    name            text NOT NULL,
    organisation_id text NOT NULL REFERENCES organisations,
    sor_code        text UNIQUE
);

-- Everyone who logs in or is notified. Personal data: name, e-mail, phone.
CREATE TABLE users (
    user_id           text PRIMARY KEY,
    role              text NOT NULL CHECK (role IN ('ward', 'peer', 'coordinator', 'caseworker', 'operator')),
    display_name      text NOT NULL,
    email             text,
    phone             text,
    organisation_id   text REFERENCES organisations,
    municipality_code text REFERENCES municipalities,
    ward_id           text REFERENCES wards,
    service           text CHECK (service IN ('social_services', 'jobcenter', 'education')),
    password_hash     text,
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- The peer roster. Capacity is reserved atomically: active_load never exceeds capacity
-- unless a coordinator overrides it.
CREATE TABLE peers (
    peer_id            text PRIMARY KEY REFERENCES users (user_id),
    organisation_id    text NOT NULL REFERENCES organisations,
    employment         text NOT NULL CHECK (employment IN ('employed', 'volunteer')),
    trained            boolean NOT NULL DEFAULT false,
    training_completed date,
    supervision_group  text,
    languages          text[] NOT NULL DEFAULT '{da}',
    programmes         text[] NOT NULL DEFAULT '{}',
    municipalities     text[] NOT NULL DEFAULT '{}',
    capacity           integer NOT NULL CHECK (capacity >= 0),
    active_load        integer NOT NULL DEFAULT 0 CHECK (active_load >= 0),
    available          boolean NOT NULL DEFAULT true
);

CREATE TABLE peer_reservations (
    episode_id  text NOT NULL,
    offer_no    integer NOT NULL,
    peer_id     text NOT NULL REFERENCES peers,
    status      text NOT NULL CHECK (status IN ('held', 'released')),
    overridden  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    PRIMARY KEY (episode_id, offer_no)
);
CREATE INDEX peer_reservations_peer ON peer_reservations (peer_id) WHERE status = 'held';

-- Citizens: the only place a CPR number or name lives (besides encrypted payloads).
CREATE TABLE citizens (
    citizen_id text PRIMARY KEY,
    cpr        text UNIQUE,
    name       text,
    phone      text,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Read model: one row per episode, written only by the episode workflow's commits.
CREATE TABLE episodes (
    episode_id        text PRIMARY KEY,
    citizen_id        text NOT NULL,
    programme         text NOT NULL,
    phase             text NOT NULL,
    peer_id           text,
    municipality_code text NOT NULL,
    ward_id           text NOT NULL,
    organisation_id   text NOT NULL,
    risk_elevated     boolean NOT NULL,
    consents          text[] NOT NULL,
    referred_at       timestamptz NOT NULL,
    discharged_at     timestamptz,
    first_contact_at  timestamptz,
    next_due_at       timestamptz,
    next_due_kind     text,
    overdue_tasks     integer NOT NULL DEFAULT 0,
    follow_ups_done   integer NOT NULL DEFAULT 0,
    follow_ups_planned integer NOT NULL DEFAULT 0,
    readmissions      integer NOT NULL DEFAULT 0,
    milestones        text[] NOT NULL DEFAULT '{}',
    hope_score_start  integer,
    hope_score_end    integer,
    closed_at         timestamptz,
    end_reason        text NOT NULL DEFAULT '',
    commit_seq        integer NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX episodes_phase ON episodes (phase);
CREATE INDEX episodes_peer ON episodes (peer_id);
CREATE INDEX episodes_municipality ON episodes (municipality_code);
CREATE INDEX episodes_ward ON episodes (ward_id);

CREATE TABLE episode_goals (
    episode_id text NOT NULL REFERENCES episodes ON DELETE CASCADE,
    goal_no    integer NOT NULL,
    area       text NOT NULL,
    text       text NOT NULL,
    PRIMARY KEY (episode_id, goal_no)
);

CREATE TABLE tasks (
    task_id         text PRIMARY KEY,
    episode_id      text NOT NULL REFERENCES episodes ON DELETE CASCADE,
    kind            text NOT NULL,
    assignee_role   text NOT NULL,
    assignee_id     text NOT NULL,
    assignee_service text,
    status          text NOT NULL,
    number          integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    due_at          timestamptz,
    overdue         boolean NOT NULL DEFAULT false,
    decided_at      timestamptz,
    decided_by      text,
    note            text NOT NULL DEFAULT '',
    result          jsonb,
    commit_seq      integer NOT NULL
);
CREATE INDEX tasks_assignee ON tasks (assignee_role, assignee_id, status);
CREATE INDEX tasks_episode ON tasks (episode_id);

CREATE TABLE timeline (
    entry_id   text PRIMARY KEY,
    episode_id text NOT NULL REFERENCES episodes ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    actor_role text,
    actor_id   text,
    summary    text NOT NULL,
    task_id    text,
    commit_seq integer NOT NULL
);
CREATE INDEX timeline_episode ON timeline (episode_id, at);

-- Outbox: one row per notification, person and channel; a delivery is recorded once.
CREATE TABLE outbox (
    notification_id text NOT NULL,
    user_id         text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('inbox', 'email', 'sms')),
    episode_id      text NOT NULL,
    recipient_role  text NOT NULL,
    recipient_id    text NOT NULL,
    recipient_service text,
    template        text NOT NULL,
    task_id         text,
    params          jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    read_at         timestamptz,
    PRIMARY KEY (notification_id, user_id, channel)
);
CREATE INDEX outbox_inbox ON outbox (user_id) WHERE channel = 'inbox';
CREATE INDEX outbox_pending ON outbox (status) WHERE status = 'pending';

-- Append-only audit log: who did what, when and why.
CREATE TABLE audit_log (
    audit_no   bigserial PRIMARY KEY,
    audit_id   text NOT NULL UNIQUE,
    at         timestamptz NOT NULL,
    actor_role text NOT NULL,
    actor_id   text NOT NULL,
    action     text NOT NULL,
    episode_id text,
    reason     text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_episode ON audit_log (episode_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
