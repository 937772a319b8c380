-- Citizen sign-in through an OpenID Connect broker (the MitID route; README "Sign-in through
-- an identity provider"). A provider row is either for staff (its role claim maps to roles) or
-- a citizens' broker (its CPR claim signs a citizen in to their own episodes). The CPR itself
-- is never stored here: it is only looked up in `citizens`.
ALTER TABLE identity_providers
    ADD COLUMN kind text NOT NULL DEFAULT 'staff' CHECK (kind IN ('staff', 'citizen')),
    ADD COLUMN cpr_claim text NOT NULL DEFAULT 'dk:gov:cpr'
        CHECK (length(cpr_claim) BETWEEN 1 AND 100);

-- A claim value may grant the peer role, but only to someone the roster already has as a peer
-- (linked by `hverdagsbro sign-in link`): a peer needs the roster's row (capacity, training).
ALTER TABLE identity_role_mappings DROP CONSTRAINT identity_role_mappings_role_check;
ALTER TABLE identity_role_mappings ADD CONSTRAINT identity_role_mappings_role_check
    CHECK (role IN ('ward', 'peer', 'coordinator', 'caseworker', 'operator'));
