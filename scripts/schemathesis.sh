#!/usr/bin/env bash
# The API against its own description: schemathesis (PyPI, pinned) runs on a
# live server with an officer's and then a supervisor's token, reading the
# document the server serves (GET /api/v1/openapi.json).
#
#   bash scripts/schemathesis.sh SERVER_BINARY TOOLS_BINARY
#
# (TOOLS_BINARY is `beatbook-tools`, which seeds the demo data read.)
#
# Checks: no 5xx (not_a_server_error), every status, content type and body
# as documented (status_code_conformance, content_type_conformance,
# response_schema_conformance). Positive and negative data, in the examples,
# coverage and fuzzing phases, a few examples per operation, so the whole
# run stays within about 3 minutes. POST /api/v1/auth/sign-out ends the
# session it is sent with, so it runs last, alone, on a session of its own.
# Knobs: SCHEMATHESIS_MAX_EXAMPLES (default 50), SCHEMATHESIS_SEED (default:
# a random seed, printed by schemathesis).
# Exits non-zero on any failure; the server is stopped either way.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCHEMATHESIS_VERSION=4.32.5
VENV="$ROOT/.tools/schemathesis"

if [[ $# -ne 2 || ! -x "$1" || ! -x "$2" ]]; then
  echo "usage: $0 SERVER_BINARY TOOLS_BINARY (executable beatbook-server and beatbook-tools)" >&2
  exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
TOOLS="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"

if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

DB="$TMP/s.db"
mkdir -p "$TMP/dist"
printf '<!doctype html><title>Beatbook</title>\n' >"$TMP/dist/index.html"

# Something to read: a demo team (North Hotspot: a supervisor, two officers,
# a month of entries), and in it the officer and the supervisor this run
# signs in as.
TEAM="North Hotspot"
PASSWORD="schemathesis password 1"
"$TOOLS" seed --db "$DB" --officers 2 --teams 1 --months 1 --seed 1 >/dev/null
"$BIN" team add --db "$DB" "$TEAM" >/dev/null 2>&1 || true # exists already: fine
for who in "SPC1 officer" "SSGT1 supervisor"; do
  read -r id role <<<"$who"
  printf '%s\n' "$PASSWORD" | "$BIN" user add --db "$DB" --officer-id "$id" --name "$id" \
    --role "$role" --team "$TEAM" --password-stdin >/dev/null
done

RUST_LOG="${RUST_LOG:-warn}" "$BIN" serve --listen 127.0.0.1:0 --db "$DB" --dist "$TMP/dist" \
  >"$TMP/out.log" 2>"$TMP/err.log" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 100); do
  BASE="$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$TMP/out.log" | head -n 1)"
  [[ -n "$BASE" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server did not start:" >&2
    cat "$TMP/err.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$BASE" ]]; then
  echo "the server did not say where it listens" >&2
  exit 1
fi
echo "server at $BASE"

# Both sessions on one device ID, so the document's push body can name it.
DEVICE=schemathesis
sign_in() { # OFFICER_ID [DEVICE_ID]
  local body
  body="$(printf '{"officer_id":"%s","password":"%s","device_id":"%s"}' "$1" "$PASSWORD" "${2:-$DEVICE}")"
  curl -fsS -H 'content-type: application/json' -d "$body" "$BASE/api/v1/auth/sign-in" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
OFFICER_TOKEN="$(sign_in SPC1)"
SUPERVISOR_TOKEN="$(sign_in SSGT1)"
# For sign-out, tested last, on its own: it ends this session. Signed in
# now, before the generated sign-ins fill the per-address failure limit, on
# another device (signing in again on one device ends its session).
LAST_TOKEN="$(sign_in SPC1 schemathesis-sign-out)"

# The officer's own shift, with a note in it: what /shifts/{shift_id} and
# its review are tested on (the supervisor reviews it).
SHIFT_ID=5c4e0000-0000-4000-8000-000000000001
python3 - "$SHIFT_ID" "$DEVICE" >"$TMP/push.json" <<'PY'
import json, sys
from datetime import datetime, timedelta, timezone
shift, device = sys.argv[1], sys.argv[2]
t = lambda minutes: (datetime.now(timezone.utc) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
def rev(rid, entry, record, occurred, shift_id=None):
    return {"id": rid, "entry_id": entry, "seq": 1, "officer_id": "SPC1", "captured_at": t(occurred),
            "occurred_at": t(occurred), "shift_id": shift_id, "patrol_id": None, "location": None,
            "notes": "", "change": {"type": "created"}, "record": record}
changes = [
    rev("5c4e0000-0000-4000-8000-0000000000a1", shift,
        {"shift": {"role": "police", "callsign": "Alpha 1", "team": "North Hotspot", "ended_at": None}}, 90),
    rev("5c4e0000-0000-4000-8000-0000000000a2", "5c4e0000-0000-4000-8000-000000000002",
        {"note": {"category": "engagement", "text": "Spoke to the shop owner"}}, 60, shift),
]
print(json.dumps({"protocol": 1, "device_id": device, "changes": changes}))
PY
curl -fsS -H 'content-type: application/json' -H "Authorization: Bearer $OFFICER_TOKEN" \
  -d @"$TMP/push.json" "$BASE/api/v1/sync/push" >"$TMP/pushed.json"
if [[ "$(grep -o '"outcome":"stored"' "$TMP/pushed.json" | wc -l)" -ne 2 ]]; then
  echo "the fixture push was not stored: $(cat "$TMP/pushed.json")" >&2
  exit 1
fi

# Parameters the generator cannot guess: a shift that exists, the session's
# device (any other is 403 device_mismatch before anything else runs).
cat >"$TMP/schemathesis.toml" <<TOML
# A document that cannot be tested in full is a failure too.
[warnings]
fail-on = ["unresolvable_reference", "unsupported_regex", "missing_deserializer"]

[[operations]]
include-path-regex = "^/api/v1/shifts/[{]shift_id[}]"
parameters = { "path.shift_id" = "$SHIFT_ID" }

[[operations]]
include-path = "/api/v1/sync/push"
parameters = { "body.device_id" = "$DEVICE" }
TOML

run() { # LABEL TOKEN ARGS...: one schemathesis run
  local label=$1 token=$2
  shift 2
  echo "==> schemathesis: $label"
  # From inside $TMP: schemathesis keeps a cache in its working directory.
  (cd "$TMP" && "$VENV/bin/schemathesis" --config-file "$TMP/schemathesis.toml" \
    run "$BASE/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    ${SCHEMATHESIS_SEED:+--seed "$SCHEMATHESIS_SEED"} \
    --request-timeout 10 \
    --max-failures 20 \
    --no-color \
    --generation-database none \
    --report junit --report-dir "$TMP/report-${label// /-}" \
    "$@")
}

status=0
# Sign-in is in both runs: the run's own sessions exist already, so the
# limits' 429 (documented) cannot get in the way.
run "as the officer" "$OFFICER_TOKEN" --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
  --exclude-path /api/v1/auth/sign-out || status=1
run "as the supervisor" "$SUPERVISOR_TOKEN" --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
  --exclude-path /api/v1/auth/sign-out || status=1
run "sign-out" "$LAST_TOKEN" --max-examples 5 --include-path /api/v1/auth/sign-out || status=1

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "the server died during the run:" >&2
  tail -n 50 "$TMP/err.log" >&2
  status=1
fi
if [[ $status -ne 0 ]]; then
  echo "schemathesis found failures (server log tail below)" >&2
  tail -n 30 "$TMP/err.log" >&2
fi
exit $status
