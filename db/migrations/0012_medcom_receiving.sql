-- MedCom in, scoped to the hospital stay (issue 16): MessageHeader ids are reused across
-- stays, so each received message keeps its stay (the Encounter's episode-of-care tokens,
-- `system|value`), the id its event got, and a digest of what it said (ids and times only,
-- never the CPR or the body). Rows from before this migration have no event id: their event
-- has the old id `medcom:<MessageHeader.id>` and no digest to compare with. A revise/cancel
-- keeps the event it corrects (`target_event_id`).
ALTER TABLE medcom_messages
    ADD COLUMN episode_of_care text[] NOT NULL DEFAULT '{}',
    ADD COLUMN event_id        text,
    ADD COLUMN target_event_id text,
    ADD COLUMN content_digest  text;
-- 'collision': kept, not applied: a message reusing a MessageHeader.id already used in its stay.
ALTER TABLE medcom_messages DROP CONSTRAINT medcom_messages_status_check;
ALTER TABLE medcom_messages ADD CONSTRAINT medcom_messages_status_check
    CHECK (status IN ('applied', 'waiting', 'collision'));
CREATE INDEX medcom_messages_stay ON medcom_messages (sender_sor, citizen_id, message_header_id);
CREATE INDEX medcom_messages_target ON medcom_messages (target_event_id)
    WHERE target_event_id IS NOT NULL;

-- Received messages an operator should look at; ids, codes and digests only (no citizen).
-- A revise/cancel of a message we do not have for its stay is resolved when that arrives.
CREATE TABLE medcom_attention (
    attention_id      text PRIMARY KEY,
    received_at       timestamptz NOT NULL DEFAULT now(),
    reason            text NOT NULL
        CHECK (reason IN ('collision', 'header_reused_in_stay', 'target_not_found')),
    bundle_id         text NOT NULL,
    message_header_id text NOT NULL,
    sender_sor        text NOT NULL,
    activity          text NOT NULL,
    refers_to_header  text,
    content_digest    text NOT NULL,
    earlier_digest    text,
    resolved_at       timestamptz,
    UNIQUE (bundle_id, message_header_id, content_digest, reason)
);
CREATE INDEX medcom_attention_open ON medcom_attention (received_at DESC)
    WHERE resolved_at IS NULL;
