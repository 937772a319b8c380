#!/bin/sh
# One-shot: create the namespace and register the custom search attributes; safe to re-run.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port of the frontend)}"
: "${NAMESPACE:?NAMESPACE is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required (Name=Type pairs separated by spaces)}"
RETENTION="${NAMESPACE_RETENTION:-720h}"
ATTEMPTS="${SETUP_ATTEMPTS:-60}"

retry() {
  what="$1"
  shift
  attempt=1
  until "$@" >/dev/null 2>&1; do
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
      echo "gave up waiting for $what after $ATTEMPTS attempts" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

serving() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING
}

retry "Temporal at $TEMPORAL_ADDRESS" serving

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" \
  --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" \
    --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "namespace $NAMESPACE created (retention $RETENTION)"
fi

# A new namespace takes a moment to reach the frontend's cache.
retry "namespace $NAMESPACE" temporal operator search-attribute list \
  --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE"
existing="$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" \
  --namespace "$NAMESPACE")"

for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  kind="${pair#*=}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" \
      --namespace "$NAMESPACE" --name "$name" --type "$kind"
    echo "search attribute $name=$kind registered"
  fi
done
