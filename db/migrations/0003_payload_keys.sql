-- One data key per episode (so per citizen), wrapped with the configured master key.
-- Destroying it (data-subject erasure) makes the episode's Temporal payloads unreadable.
CREATE TABLE payload_keys (
    workflow_id   text PRIMARY KEY,
    master_key_id text,
    wrapped_key   bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz,
    CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);

ALTER TABLE citizens ADD COLUMN erased_at timestamptz;
