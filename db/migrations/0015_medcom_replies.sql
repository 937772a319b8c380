-- Replies from the municipality: a MedCom CareCommunication (activity reply-message) that
-- answers one of our messages (medcom_outbox.message_header_id). One row per transmission
-- (Bundle.id, MessageHeader.id), so a repeat is stored once. `topic` and `text` are what the
-- municipality wrote (personal data, like notes): shown only to those who may read them, every
-- read audited, emptied when the citizen is erased; the ids, codes and times stay.
CREATE TABLE medcom_replies (
    bundle_id         text NOT NULL,
    message_header_id text NOT NULL,
    replied_to_header text NOT NULL REFERENCES medcom_outbox (message_header_id),
    episode_id        text NOT NULL,
    sender_sor        text NOT NULL,
    thread_id         text NOT NULL,
    category          text NOT NULL,
    topic             text NOT NULL DEFAULT '',
    text              text NOT NULL DEFAULT '',
    attachments       integer NOT NULL DEFAULT 0 CHECK (attachments >= 0),
    written_at        timestamptz NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bundle_id, message_header_id)
);
CREATE INDEX medcom_replies_episode ON medcom_replies (episode_id, written_at);
