#!/bin/sh
# First start of the PostgreSQL volume only: a role of its own for each user of the server, so
# neither Temporal nor the application ever connects as the superuser (whose password stays
# with the postgres service alone).
#   temporal     owns `temporal` and `temporal_visibility` (its schema tool fills them)
#   hverdagsbro  owns `hverdagsbro` (our migrations)
# Neither may create roles or databases, and neither may connect to the other's databases.
set -eu

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is required}"

# The passwords travel as psql variables and are quoted by psql (:'...'), never spliced in.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
REVOKE ALL ON DATABASE temporal, temporal_visibility FROM PUBLIC;

-- Temporal's visibility schema starts with CREATE EXTENSION IF NOT EXISTS btree_gin: made here,
-- so the schema tool needs no more than ownership of its database.
\connect temporal_visibility
CREATE EXTENSION IF NOT EXISTS btree_gin;
\connect postgres

CREATE ROLE hverdagsbro LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'app_password';
CREATE DATABASE hverdagsbro OWNER hverdagsbro;
REVOKE ALL ON DATABASE hverdagsbro FROM PUBLIC;
SQL
