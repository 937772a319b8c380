-- MedCom out: each CareCommunication we send, tracked from the first attempt to its
-- Acknowledgement; the SOR and EAN/GLN codes that address the sender (ward) and the receiver
-- (the citizen's municipality); which wards are psychiatric (a somatic admission is kept on
-- the record but need not pause the psychiatric follow-up).
ALTER TABLE wards
    ADD COLUMN ean         text,
    ADD COLUMN psychiatric boolean NOT NULL DEFAULT true;
ALTER TABLE municipalities
    ADD COLUMN sor_code text UNIQUE,
    ADD COLUMN ean      text;

CREATE TABLE medcom_outbox (
    message_id        text PRIMARY KEY,
    episode_id        text NOT NULL,
    kind              text NOT NULL
        CHECK (kind IN ('discharge', 'network_meeting', 'closing_summary')),
    bundle_id         text NOT NULL UNIQUE,
    message_header_id text NOT NULL UNIQUE,
    receiver_sor      text,
    status            text NOT NULL DEFAULT 'sending'
        CHECK (status IN ('sending', 'sent', 'acknowledged', 'rejected', 'unanswered',
                          'undeliverable', 'not_sent')),
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    first_sent_at     timestamptz,
    last_sent_at      timestamptz,
    ack_code          text CHECK (ack_code IN ('ok', 'transient-error', 'fatal-error')),
    ack_reason        text NOT NULL DEFAULT '',
    acknowledged_at   timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX medcom_outbox_episode ON medcom_outbox (episode_id);
CREATE INDEX medcom_outbox_open ON medcom_outbox (status)
    WHERE status IN ('sending', 'sent');
