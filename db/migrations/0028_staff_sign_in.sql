-- Single sign-on (README "Sign-in through an identity provider"): staff sign in through their
-- organisation's OpenID Connect provider. Each provider and how its claims map to roles are
-- data here; the client secret is never stored, only the name of the environment variable
-- that holds it.
CREATE TABLE identity_providers (
    provider_id       text PRIMARY KEY CHECK (provider_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    organisation_id   text NOT NULL REFERENCES organisations,
    display_name      text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    issuer            text NOT NULL CHECK (issuer ~ '^https?://'),
    client_id         text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 200),
    client_secret_env text NOT NULL CHECK (client_secret_env ~ '^[A-Z][A-Z0-9_]{0,99}$'),
    scopes            text NOT NULL DEFAULT 'openid profile',
    -- The ID token claim whose values (a string or a list: roles or groups) the mapping reads.
    role_claim        text NOT NULL DEFAULT 'groups',
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- A value of the provider's role claim grants a role with its row scope. When several values
-- match, the mapping with the lowest rank wins.
CREATE TABLE identity_role_mappings (
    provider_id       text NOT NULL REFERENCES identity_providers ON DELETE CASCADE,
    claim_value       text NOT NULL CHECK (length(claim_value) BETWEEN 1 AND 200),
    rank              integer NOT NULL DEFAULT 100,
    role              text NOT NULL CHECK (role IN ('ward', 'coordinator', 'caseworker', 'operator')),
    ward_id           text REFERENCES wards,
    municipality_code text REFERENCES municipalities,
    service           text CHECK (service IN ('social_services', 'jobcenter', 'education')),
    PRIMARY KEY (provider_id, claim_value),
    CHECK (role <> 'ward' OR ward_id IS NOT NULL),
    CHECK (role <> 'caseworker' OR municipality_code IS NOT NULL)
);

-- Which local user a provider's subject is (the subject itself may be an e-mail address, so
-- only its SHA-256 is kept).
CREATE TABLE identity_links (
    provider_id  text NOT NULL REFERENCES identity_providers ON DELETE CASCADE,
    subject_hash text NOT NULL,
    user_id      text NOT NULL REFERENCES users,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_id, subject_hash)
);

-- A sign-in under way: the browser went to the provider and has not come back yet. Keyed by
-- the digest of the state; the nonce and PKCE verifier are single-use with it.
CREATE TABLE identity_sign_ins (
    state_hash    text PRIMARY KEY,
    provider_id   text NOT NULL REFERENCES identity_providers ON DELETE CASCADE,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    next_path     text NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX identity_sign_ins_expiry ON identity_sign_ins (expires_at);

-- An organisation may switch password log-in off for its users (then only its provider).
ALTER TABLE organisations ADD COLUMN password_login boolean NOT NULL DEFAULT true;

-- The provider a session was signed in through (sign-out also ends it there).
ALTER TABLE sessions ADD COLUMN provider_id text REFERENCES identity_providers ON DELETE SET NULL;
