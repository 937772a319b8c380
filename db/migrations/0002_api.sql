-- HTTP side: events received (idempotency), MedCom messages, log-in sessions, API tokens.

-- Every event that came in, by its producer-chosen id. `applied` once Temporal has it.
CREATE TABLE events_received (
    event_id    text PRIMARY KEY,
    event_type  text NOT NULL,
    episode_id  text,
    citizen_id  text,
    source      text NOT NULL,
    status      text NOT NULL CHECK (status IN ('received', 'applied', 'parked')),
    received_at timestamptz NOT NULL DEFAULT now(),
    applied_at  timestamptz,
    body        jsonb NOT NULL
);
CREATE INDEX events_received_parked ON events_received (status) WHERE status = 'parked';
CREATE INDEX events_received_citizen ON events_received (citizen_id) WHERE citizen_id IS NOT NULL;

-- MedCom HospitalNotifications as received; a repeat is recognised by (bundle, header).
CREATE TABLE medcom_messages (
    bundle_id         text NOT NULL,
    message_header_id text NOT NULL,
    citizen_id        text NOT NULL REFERENCES citizens,
    activity          text NOT NULL,
    refers_to_header  text,
    episode_id        text,
    status            text NOT NULL CHECK (status IN ('applied', 'waiting')),
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bundle_id, message_header_id)
);
CREATE INDEX medcom_messages_header ON medcom_messages (message_header_id);
CREATE INDEX medcom_messages_waiting ON medcom_messages (citizen_id) WHERE status = 'waiting';

CREATE TABLE sessions (
    session_hash text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    token_id   text PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('integration', 'medcom_gateway', 'operator')),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE TABLE login_attempts (
    user_id      text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    succeeded    boolean NOT NULL
);
CREATE INDEX login_attempts_recent ON login_attempts (user_id, attempted_at);
