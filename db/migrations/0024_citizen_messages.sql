-- Messages to the citizen and their relatives (issue 19). The outbox needs no new column:
-- a row to the citizen has user_id 'citizen:<episode_id>' and one to a relative
-- 'relative:<relative_id>'; the address is read from the tables below (and from
-- episode_contacts) at delivery time, never stored in the row or its params. A row that
-- falls in the quiet hours simply stays 'pending' until the notification is delivered again.

-- A relative on an episode, added by ward staff or the peer while the episode holds the
-- share_with_relative consent. Personal data: erased with the citizen (db/erasure.py). A
-- removed relative keeps the row (ids in the audit log and the outbox lead somewhere) but
-- not their name or contact data.
CREATE TABLE episode_relatives (
    relative_id      text PRIMARY KEY,
    episode_id       text NOT NULL REFERENCES episodes ON DELETE CASCADE,
    name             text NOT NULL,
    phone            text,
    email            text,
    relation         text,
    recorded_by_role text NOT NULL,
    recorded_by_id   text NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    removed_at       timestamptz,
    removed_by_role  text,
    removed_by_id    text,
    CHECK (removed_at IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX episode_relatives_current ON episode_relatives (episode_id)
    WHERE removed_at IS NULL;

-- What the citizen chose about being written to; no row: the defaults (reminders on, every
-- channel their contact has, quiet 21:00-08:00 Europe/Copenhagen - schemas/citizen_messages).
CREATE TABLE citizen_message_preferences (
    citizen_id          text PRIMARY KEY REFERENCES citizens,
    reminders_opted_out boolean NOT NULL,
    opted_out_at        timestamptz,
    preferred_channel   text CHECK (preferred_channel IN ('sms', 'email', 'none')),
    quiet_from          time NOT NULL,
    quiet_until         time NOT NULL,
    time_zone           text NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
