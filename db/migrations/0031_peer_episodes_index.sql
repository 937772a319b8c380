-- The peer guide's episodes a page at a time, newest referral first (db/peer_lists, issue 20),
-- as the other role pages' lists are. It also answers every lookup by peer alone, so it
-- replaces episodes_peer.
CREATE INDEX episodes_peer_page ON episodes (peer_id, referred_at DESC, episode_id DESC);
DROP INDEX episodes_peer;
