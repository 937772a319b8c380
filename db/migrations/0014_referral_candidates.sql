-- Admissions without a referral (issue 16): a HospitalNotification admitting a citizen who has
-- no episode waits in medcom_messages ('waiting'). The ward's coordinators see that such an
-- admission happened (no identity: no consent yet); the ward's staff refer the patient, or
-- dismiss the admission as not relevant with a reason. A dismissal keeps who, when and why;
-- the reason is staff's own words, so it stays here (never in the audit log, which holds ids
-- and codes only), next to the citizen id erasure finds it by.
CREATE TABLE referral_candidate_dismissals (
    bundle_id         text NOT NULL,
    message_header_id text NOT NULL,
    citizen_id        text NOT NULL,
    ward_id           text NOT NULL REFERENCES wards,
    dismissed_by_role text NOT NULL,
    dismissed_by      text NOT NULL,
    dismissed_at      timestamptz NOT NULL DEFAULT now(),
    reason            text NOT NULL CHECK (char_length(reason) <= 500),
    PRIMARY KEY (bundle_id, message_header_id),
    FOREIGN KEY (bundle_id, message_header_id) REFERENCES medcom_messages
);
CREATE INDEX referral_candidate_dismissals_citizen ON referral_candidate_dismissals (citizen_id);
-- The waiting admissions, found by the sender's ward.
CREATE INDEX medcom_messages_waiting_admissions ON medcom_messages (sender_sor)
    WHERE status = 'waiting' AND activity IN ('admit-inpatient', 'admit-emergency');

-- Admissions without a referral: waiting admissions from a psychiatric ward, not cancelled,
-- not dismissed, for a citizen with no open episode. `candidate_id` is an opaque id for links
-- and forms (no sender-chosen id in a URL); `admitted_at` the admission time the hospital
-- sent (a later revision's if one came), else when the message came.
CREATE VIEW referral_candidates AS
SELECT substr(encode(sha256(convert_to(m.bundle_id || '|' || m.message_header_id, 'UTF8')),
              'hex'), 1, 24) AS candidate_id,
       m.bundle_id, m.message_header_id, m.citizen_id, m.activity, m.received_at,
       w.ward_id, w.name AS ward_name, w.organisation_id,
       coalesce(
           (SELECT (rr.body ->> 'occurred_at')::timestamptz FROM medcom_messages rv
            JOIN events_received rr ON rr.event_id = rv.event_id
            WHERE rv.target_event_id = m.event_id AND rv.activity LIKE 'revise-%'
              AND rv.status <> 'collision'
            ORDER BY rv.received_at DESC LIMIT 1),
           (SELECT (r.body ->> 'occurred_at')::timestamptz FROM events_received r
            WHERE r.event_id = m.event_id),
           m.received_at) AS admitted_at
FROM medcom_messages m
JOIN wards w ON w.sor_code = m.sender_sor
WHERE m.status = 'waiting' AND m.activity IN ('admit-inpatient', 'admit-emergency')
  AND w.psychiatric
  AND NOT EXISTS (
      SELECT 1 FROM referral_candidate_dismissals d
      WHERE d.bundle_id = m.bundle_id AND d.message_header_id = m.message_header_id)
  AND NOT EXISTS (
      SELECT 1 FROM medcom_messages c
      WHERE c.target_event_id = m.event_id AND c.activity LIKE 'cancel-%'
        AND c.status <> 'collision')
  AND NOT EXISTS (
      SELECT 1 FROM episode_contacts ec LEFT JOIN episodes e ON e.episode_id = ec.episode_id
      WHERE ec.citizen_id = m.citizen_id
        AND (e.phase IS NULL
             OR e.phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')));
