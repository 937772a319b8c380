-- Log-in throttling that holds under parallel guesses: an attempt is written (succeeded NULL,
-- "being checked") before its password is checked, under per-user and per-client locks, and
-- counts as a failure until its outcome is known. The client address makes a per-client limit
-- possible and tells a user's own client from a stranger's. Attempts and sessions now expire:
-- the API's housekeeping sweep deletes them by the indexes below.
ALTER TABLE login_attempts ADD COLUMN attempt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
ALTER TABLE login_attempts ADD COLUMN client text NOT NULL DEFAULT '';
ALTER TABLE login_attempts ALTER COLUMN succeeded DROP NOT NULL;
DROP INDEX login_attempts_recent;
CREATE INDEX login_attempts_pair ON login_attempts (user_id, client, attempted_at);
CREATE INDEX login_attempts_client ON login_attempts (client, attempted_at);
CREATE INDEX login_attempts_age ON login_attempts (attempted_at);

CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The browser a user logged in from keeps a device cookie; its SHA-256 is kept with each attempt
-- it made. A device with a success for the user is limited on its own, apart from its address,
-- so strangers behind the same address (a hospital's shared NAT) cannot keep the user out.
ALTER TABLE login_attempts ADD COLUMN device text;
CREATE INDEX login_attempts_device ON login_attempts (user_id, device, attempted_at)
    WHERE device IS NOT NULL;
