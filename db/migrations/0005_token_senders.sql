-- System tokens speak only for the senders they are bound to. A binding row names either a
-- ward's SOR code (the MedCom sender it may send as) or an organisation (every ward of a region
-- organisation, and for integration tokens also the episodes that organisation runs). A token
-- without a row speaks for nobody: tokens made before this migration keep working for nothing
-- (every MedCom message is refused naming the sender, every episode answers 404) until an
-- administrator binds them with `hverdagsbro token bind`.
CREATE TABLE api_token_senders (
    token_id        text NOT NULL REFERENCES api_tokens ON DELETE CASCADE,
    sor_code        text REFERENCES wards (sor_code) ON UPDATE CASCADE ON DELETE CASCADE,
    organisation_id text REFERENCES organisations ON DELETE CASCADE,
    CHECK ((sor_code IS NULL) <> (organisation_id IS NULL))
);
CREATE UNIQUE INDEX api_token_senders_sor ON api_token_senders (token_id, sor_code)
    WHERE sor_code IS NOT NULL;
CREATE UNIQUE INDEX api_token_senders_organisation ON api_token_senders (token_id, organisation_id)
    WHERE organisation_id IS NOT NULL;

-- The sender (MessageHeader.sender's SOR code) of every MedCom message and of the events kept
-- for a citizen without an episode: a kept event goes only to an episode its sender may speak
-- for. Rows kept before this migration have no sender and are never handed to an episode.
ALTER TABLE medcom_messages ADD COLUMN sender_sor text;
ALTER TABLE events_received ADD COLUMN sender_sor text;
