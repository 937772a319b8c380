#!/bin/sh
# First start of the PostgreSQL volume only: the application's own role and database, so the
# application never connects as the superuser that Temporal uses.
set -eu

: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is required}"

# The password travels as a psql variable and is quoted by psql (:'...'), never spliced in.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE hverdagsbro LOGIN PASSWORD :'app_password';
CREATE DATABASE hverdagsbro OWNER hverdagsbro;
REVOKE ALL ON DATABASE hverdagsbro FROM PUBLIC;
SQL
