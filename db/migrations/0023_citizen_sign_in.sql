-- The citizen signs in without a password: a one-time link (with a 6-digit code as the
-- alternative to typing it) sent only to the phone or e-mail address an open episode holds,
-- and a session of their own. Only digests of the secrets are kept; rows hold ids, never the
-- address, and go with the citizen on erasure (db/erasure.py).
CREATE TABLE citizen_sign_in_links (
    link_id        text PRIMARY KEY,
    secret_hash    text NOT NULL UNIQUE,
    -- SHA-256 of "<link_id>:<code>": the code is only ever checked against the links sent to
    -- the address the person types with it, at most 5 wrong tries per link.
    code_hash      text NOT NULL,
    code_failures  integer NOT NULL DEFAULT 0,
    citizen_id     text NOT NULL REFERENCES citizens,
    episode_id     text NOT NULL,
    channel        text NOT NULL CHECK (channel IN ('sms', 'email')),
    -- Who asked: the citizen on the public page, or the member of staff who resent it.
    asked_by_role  text NOT NULL,
    asked_by_id    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    -- The delivery, as an outbox row keeps it: sent once, or why the last attempt failed
    -- (codes only, never the address).
    sent_at        timestamptz,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text
);
-- "At most 3 links to one citizen's address in 15 minutes" counts these.
CREATE INDEX citizen_sign_in_links_recent ON citizen_sign_in_links (citizen_id, channel, created_at);
CREATE INDEX citizen_sign_in_links_expiry ON citizen_sign_in_links (expires_at);

-- A signed-in citizen: 2 hours without a request ends it, and 8 hours after signing in at most.
CREATE TABLE citizen_sessions (
    session_hash  text PRIMARY KEY,
    citizen_id    text NOT NULL REFERENCES citizens,
    -- The episode whose link (or code) signed them in.
    episode_id    text NOT NULL,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX citizen_sessions_citizen ON citizen_sessions (citizen_id);
CREATE INDEX citizen_sessions_expiry ON citizen_sessions (expires_at);

-- A phone number as the ward typed it and as the citizen types it compare equal: digits only,
-- without a leading + or 00, and without Denmark's country code before an 8-digit number.
CREATE FUNCTION citizen_phone_key(raw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN digits ~ '^45[0-9]{8}$' THEN substr(digits, 3) ELSE digits END
    FROM (SELECT regexp_replace(regexp_replace(raw, '[^0-9+]', '', 'g'), '^(\+|00)', '')
          AS digits) typed
$$;

-- What a typed address is looked up by (the public page matches it against every open episode).
CREATE INDEX episode_contacts_phone_key ON episode_contacts (citizen_phone_key(phone));
CREATE INDEX episode_contacts_email_key ON episode_contacts (lower(btrim(email)));
