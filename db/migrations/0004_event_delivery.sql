-- Events reach their episode as signals: `signalled` once Temporal holds the signal,
-- `applied` once the episode's commit has put its effect in the read model. Rows still
-- `received` after a while are handed over again (the episode ignores repeats).
ALTER TABLE events_received DROP CONSTRAINT events_received_status_check;
ALTER TABLE events_received ADD CONSTRAINT events_received_status_check
    CHECK (status IN ('received', 'signalled', 'applied', 'parked'));
CREATE INDEX events_received_undelivered ON events_received (received_at)
    WHERE status = 'received';
