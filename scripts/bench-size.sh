#!/usr/bin/env bash
# First-load size of the app against a skeleton Leptos app built the same way.
#   bash scripts/bench-size.sh            # exits 1 if the first load, as served gzip, > 250 KB
#
# The budget is read off the built server (the bytes a phone downloads: hashed assets as
# their zopfli twins, the rest gzipped by the server); the gzip -9 / brotli 11 table of
# the files themselves is kept beside it, and for the skeleton, to compare builds.
# The skeleton (leptos csr + gloo-storage + serde + serde_json + chrono + wasm-bindgen,
# one counter view, the same release profile and wasm-opt -Oz) is generated below into
# target/size-skeleton, with its own [workspace] table, the workspace's Cargo.lock (same
# crate versions) and the shared target dir (dependencies are compiled once).
#
# Counted as first load: index.html, the css, every script the page loads (wasm-bindgen
# glue, boot.js, sw-register.js) and the wasm. The service worker, manifest and icons
# are fetched after load and listed for information only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

BUDGET=256000 # 250 KB of gzip, as the server sends the first load
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SKEL="$TARGET_DIR/size-skeleton"

# ---------------------------------------------------------------------------------------
echo "==> building the app (release)" >&2
bash "$ROOT/scripts/build-app.sh" >&2

# ---------------------------------------------------------------------------------------
echo "==> building the skeleton in $SKEL" >&2
mkdir -p "$SKEL/src" "$SKEL/style"
wbg_version="$(awk '
  /^\[\[package\]\]/ { name = "" }
  /^name = / { name = $3; gsub(/"/, "", name) }
  /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; exit }
' "$ROOT/Cargo.lock")"
leptos_req="$(sed -n 's/^leptos = { version = "\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml")"

cat >"$SKEL/Cargo.toml" <<EOF
[package]
name = "beatbook-size-skeleton"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
leptos = { version = "${leptos_req:-0.8}", features = ["csr"] }
gloo-storage = "0.4"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "alloc"] }
wasm-bindgen = "=${wbg_version}"
js-sys = "0.3"

# Its own workspace: never joins the Beatbook workspace.
[workspace]

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
EOF

cat >"$SKEL/src/main.rs" <<'EOF'
use chrono::{DateTime, Utc};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Default)]
struct Saved {
    count: i64,
    at: Option<DateTime<Utc>>,
}

#[component]
fn Counter() -> impl IntoView {
    let saved: Saved = LocalStorage::get("count").unwrap_or_default();
    let (state, set_state) = signal(saved);
    let bump = move |_| {
        set_state.update(|s| {
            s.count += 1;
            s.at = DateTime::from_timestamp_millis(js_sys::Date::now() as i64);
        });
        let _ = LocalStorage::set("count", state.get_untracked());
    };
    let json = move || serde_json::to_string(&state.get()).unwrap_or_default();
    view! {
        <main>
            <h1>"Skeleton"</h1>
            <button on:click=bump>"Count: " {move || state.get().count}</button>
            <pre>{json}</pre>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(Counter);
}
EOF

cat >"$SKEL/style/main.css" <<'EOF'
body{font-family:system-ui}
EOF

cat >"$SKEL/index.html" <<'EOF'
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Skeleton</title>
  <link data-trunk rel="css" href="style/main.css">
  <link data-trunk rel="rust" data-wasm-opt="z" data-bin="beatbook-size-skeleton">
</head>
<body></body>
</html>
EOF

cat >"$SKEL/Trunk.toml" <<EOF
[build]
target = "index.html"
dist = "dist"
release = true
filehash = true
minify = "on_release"
offline = true

[tools]
wasm_bindgen = "${wbg_version}"
wasm_opt = "version_132"
EOF

# Same crate versions as the app: start from the workspace's lockfile (cargo drops the
# entries the skeleton does not use).
cp "$ROOT/Cargo.lock" "$SKEL/Cargo.lock"
(cd "$SKEL" && CARGO_TARGET_DIR="$TARGET_DIR" trunk build --release >&2)

# ---------------------------------------------------------------------------------------
gz() { gzip -9 -n -c "$1" | wc -c; }
br() { if command -v brotli >/dev/null 2>&1; then brotli -q 11 -c "$1" | wc -c; else echo 0; fi; }

# measure DIR -> sets M_html M_css M_js M_wasm M_total (gzip) and B_* (brotli)
measure() {
  local dir="$1" f base kind
  M_html=0 M_css=0 M_js=0 M_wasm=0 B_html=0 B_css=0 B_js=0 B_wasm=0 R_wasm=0 M_other=0
  shopt -s nullglob
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    base="$(basename "$f")"
    case "$base" in
      *.gz | *.br) continue ;; # precompressed twins: measured as served, below
      index.html) kind=html ;;
      *.css) kind=css ;;
      sw.js | precache.json | *.webmanifest) kind=other ;;
      *.js) kind=js ;;
      *.wasm) kind=wasm; R_wasm=$((R_wasm + $(stat -c %s "$f"))) ;;
      *) kind=other ;;
    esac
    if [ "$kind" = other ]; then
      M_other=$((M_other + $(gz "$f")))
      continue
    fi
    eval "M_$kind=\$((M_$kind + $(gz "$f")))"
    eval "B_$kind=\$((B_$kind + $(br "$f")))"
  done
  for f in "$dir"/icons/*; do M_other=$((M_other + $(gz "$f"))); done
  shopt -u nullglob
  M_total=$((M_html + M_css + M_js + M_wasm))
  B_total=$((B_html + B_css + B_js + B_wasm))
}

measure "$ROOT/dist"
A=("$M_html" "$M_css" "$M_js" "$M_wasm" "$M_total") AB=("$B_html" "$B_css" "$B_js" "$B_wasm" "$B_total")
A_raw_wasm=$R_wasm A_other=$M_other
measure "$SKEL/dist"
S=("$M_html" "$M_css" "$M_js" "$M_wasm" "$M_total") SB=("$B_html" "$B_css" "$B_js" "$B_wasm" "$B_total")
S_raw_wasm=$R_wasm

row() { printf '%-22s %9s %9s %9s %9s %10s\n' "$@"; }
echo
echo "First-load size in bytes (js = wasm-bindgen glue + the page's other scripts)"
row "" html css js wasm total
row "app      gzip -9" "${A[@]}"
row "skeleton gzip -9" "${S[@]}"
if command -v brotli >/dev/null 2>&1; then
  row "app      brotli 11" "${AB[@]}"
  row "skeleton brotli 11" "${SB[@]}"
fi
echo
echo "wasm uncompressed: app $A_raw_wasm, skeleton $S_raw_wasm"
echo "after load (sw.js, precache.json, manifest, icons; gzip, not counted): app $A_other"
# ---------------------------------------------------------------------------------------
# What the server really sends: the first-load files fetched from the built server with
# Accept-Encoding gzip (then br). Hashed assets go as their precompressed twins
# (scripts/precompress.sh: zopfli, brotli 11); index.html and the unhashed scripts are
# compressed by the server as it sends them.
SERVER_BIN="$TARGET_DIR/server/beatbook-server"
echo "==> building the server (--profile server)" >&2
cargo build --profile server -p beatbook-server >&2
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$SERVER_BIN" serve --listen "127.0.0.1:$port" --db "$work/size.db" --dist "$ROOT/dist" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
first_load=(index.html)
for f in "$ROOT"/dist/*; do
  base="$(basename "$f")"
  case "$base" in
    *.gz | *.br | sw.js | precache.json | *.webmanifest) ;;
    *.css | *.js | *.wasm) first_load+=("$base") ;;
  esac
done
sent() { # ENCODING -> total bytes on the wire (bodies) for the first load
  local enc="$1" total=0 n f
  for f in "${first_load[@]}"; do
    n="$(curl -fsS -H "Accept-Encoding: $enc" -o - "http://127.0.0.1:$port/$f" | wc -c)"
    total=$((total + n))
  done
  echo "$total"
}
SENT_GZ="$(sent gzip)"
SENT_BR="$(sent br)"
echo "as served by beatbook-server (${#first_load[@]} files): gzip $SENT_GZ, br $SENT_BR"

ratio="$(awk -v a="${A[4]}" -v s="${S[4]}" 'BEGIN { printf "%.2f", (s > 0 ? a / s : 0) }')"
pct="$(awk -v a="$SENT_GZ" -v b="$BUDGET" 'BEGIN { printf "%.1f", 100 * a / b }')"
echo "budget (gzip first load, as served): $BUDGET bytes; app uses $SENT_GZ (${pct}%)"
echo "ratio app/skeleton (gzip -9 total): $ratio"
if [ "$SENT_GZ" -gt "$BUDGET" ]; then
  echo "FAIL: the app's first load is over budget by $((SENT_GZ - BUDGET)) bytes" >&2
  exit 1
fi
echo "OK: within budget"
