-- A coordinator's supervised episodes (db/partnerships: a partner's episodes assigned to one
-- of the organisation's peers) are found per partner and peer (issue 20: at 100,000 episodes
-- the lookup through episodes_peer visited every episode of the organisation's own peers,
-- 39 ms on each /coordinator).
CREATE INDEX episodes_organisation_peer ON episodes (organisation_id, peer_id);
