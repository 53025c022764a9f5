#!/usr/bin/env bash
# Idempotent tool setup for Beatbook on Debian with rustup. Fast (a second or two) when
# everything is already installed; quiet unless it has to install something.
#
#   bash scripts/setup.sh          install what is missing
#   source scripts/setup.sh        same, and leave PATH set up in the calling shell
#                                  (node_modules/.bin first, so trunk uses wasm-opt 132)
#
# Installs, each only when missing or at the wrong version:
#   rustup target wasm32-unknown-unknown
#   apt: chromium chromium-driver brotli zopfli haproxy postgresql postgresql-client
#        (apt-get update only when installing)
#   trunk 0.22.1                                (cargo install --locked --ignore-rust-version)
#   wasm-bindgen-cli = wasm-bindgen in Cargo.lock (cargo install, NOT --locked)
#   npm devDependencies (binaryen 132, playwright-core, axe-core) via npm ci
set -euo pipefail

beatbook_setup() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  local log_prefix="setup:"
  say() { printf '%s %s\n' "$log_prefix" "$*" >&2; }

  # --- PATH: cargo bin and the repo's npm tools (wasm-opt 132) first ---------------------
  case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) [ -d "$HOME/.cargo/bin" ] && PATH="$HOME/.cargo/bin:$PATH" ;; esac
  case ":$PATH:" in *":$root/node_modules/.bin:"*) ;; *) PATH="$root/node_modules/.bin:$PATH" ;; esac
  export PATH

  # --- Rust target -------------------------------------------------------------------------
  if ! rustup target list --installed 2>/dev/null | grep -qx 'wasm32-unknown-unknown'; then
    say "adding rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >&2
  fi

  # --- Debian packages -------------------------------------------------------------------------
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v brotli >/dev/null 2>&1 || missing+=(brotli)
  command -v zopfli >/dev/null 2>&1 || missing+=(zopfli)
  # The load balancer of the several-instances test (scripts/instances.sh).
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  # The PostgreSQL backend's tests and benchmarks (scripts/postgres.sh).
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  if [ "${#missing[@]}" -gt 0 ]; then
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    say "apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
  fi

  # --- trunk 0.22.1 ------------------------------------------------------------------------
  local trunk_version="0.22.1"
  if [ "$(trunk --version 2>/dev/null || true)" != "trunk $trunk_version" ]; then
    say "cargo install trunk $trunk_version (about 12 min on 2 cores)"
    # trunk 0.22.x declares rustc >= 1.96.1 but builds and works on 1.95.
    cargo install --locked trunk --version "$trunk_version" --ignore-rust-version >&2
  fi

  # --- wasm-bindgen-cli = the wasm-bindgen crate in Cargo.lock -----------------------------
  if [ ! -f "$root/Cargo.lock" ]; then
    say "generating Cargo.lock"
    (cd "$root" && cargo generate-lockfile --quiet)
  fi
  local wbg_version
  wbg_version="$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = / { name = $3; gsub(/"/, "", name) }
    /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; exit }
  ' "$root/Cargo.lock")"
  if [ -z "$wbg_version" ]; then
    say "ERROR: no wasm-bindgen package in Cargo.lock"
    return 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wbg_version" ] ||
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != "wasm-bindgen-test-runner $wbg_version" ]; then
    say "cargo install wasm-bindgen-cli $wbg_version (about 3 min)"
    # Not --locked: the CLI's lockfile pins a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$wbg_version" --force >&2
  fi

  # --- npm devDependencies ---------------------------------------------------------------------
  local stamp="$root/node_modules/.beatbook-setup-stamp"
  local lock_id
  if [ -f "$root/package-lock.json" ]; then
    lock_id="$(cksum <"$root/package-lock.json")"
  else
    lock_id="$(cksum <"$root/package.json")"
  fi
  if [ ! -x "$root/node_modules/.bin/wasm-opt" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_id" ]; then
    say "installing npm devDependencies"
    if [ -f "$root/package-lock.json" ]; then
      (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
    else
      (cd "$root" && npm install --no-audit --no-fund --loglevel=error >&2)
      lock_id="$(cksum <"$root/package-lock.json")"
    fi
    printf '%s\n' "$lock_id" >"$stamp"
  fi

  # --- sanity: trunk must find binaryen 132, not Debian's wasm-opt ---------------------------
  local wasm_opt
  wasm_opt="$(command -v wasm-opt || true)"
  if [ "$wasm_opt" != "$root/node_modules/.bin/wasm-opt" ]; then
    say "WARNING: wasm-opt on PATH is '${wasm_opt:-none}', not $root/node_modules/.bin/wasm-opt"
  elif ! wasm-opt --version 2>/dev/null | grep -q 'version_132'; then
    say "WARNING: $wasm_opt is not binaryen version_132 (Trunk.toml pins version_132)"
  fi
  unset -f say
}

beatbook_setup
unset -f beatbook_setup
