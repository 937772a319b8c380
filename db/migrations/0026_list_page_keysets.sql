-- The role pages' long lists a page at a time (issue 20): each list is ordered newest referral
-- first with the episode id breaking ties, and a page starts after a (referred_at,
-- episode_id) position, so the per-ward, -organisation and -municipality indexes carry the
-- id too and a page is read off the index in order, however far back it is.
CREATE INDEX episodes_ward_page ON episodes (ward_id, referred_at DESC, episode_id DESC);
CREATE INDEX episodes_organisation_page
    ON episodes (organisation_id, referred_at DESC, episode_id DESC);
CREATE INDEX episodes_municipality_page
    ON episodes (municipality_code, referred_at DESC, episode_id DESC);
-- The coordinator's attention list: their organisation's unmatched episodes, newest first.
CREATE INDEX episodes_organisation_unmatched ON episodes (organisation_id, referred_at DESC)
    WHERE phase = 'unmatched';
-- The indexes above serve every lookup these did.
DROP INDEX episodes_ward_referred;
DROP INDEX episodes_organisation_referred;
DROP INDEX episodes_municipality_referred;
