#!/usr/bin/env bash
# Build the web app (release) into dist/ with trunk, then check the output.
#   bash scripts/build-app.sh            # extra args go to `trunk build`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

trunk build --release "$@"

# Verify dist/: one hashed js + _bg.wasm pair, and the PWA files.
fail() { echo "build-app: $*" >&2; exit 1; }
shopt -s nullglob
wasm=(dist/*_bg.wasm)
js=()
for f in dist/*.js; do
  case "$(basename "$f")" in sw.js | sw-register.js | boot.js) ;; *) js+=("$f") ;; esac
done
[ -f dist/index.html ] || fail "dist/index.html missing"
[ "${#wasm[@]}" -eq 1 ] || fail "expected one dist/*_bg.wasm, found ${#wasm[@]}"
[ "${#js[@]}" -eq 1 ] || fail "expected one wasm-bindgen glue .js in dist/, found: ${js[*]:-none}"
grep -q "data-js=[\"']\\?/$(basename "${js[0]}")" dist/index.html || fail "index.html does not load ${js[0]}"
grep -q "data-wasm=[\"']\\?/$(basename "${wasm[0]}")" dist/index.html || fail "index.html does not load ${wasm[0]}"
for f in sw.js sw-register.js boot.js manifest.webmanifest precache.json review/bundle.json icons/icon-192.png icons/icon-512.png icons/icon-maskable-512.png; do
  [ -f "dist/$f" ] || fail "dist/$f missing"
done
if ! grep -q 'BEGIN PRECACHE' dist/sw.js || grep -q "version: 'unbuilt'" dist/sw.js; then
  fail "dist/sw.js was not rewritten by scripts/sw-precache.sh"
fi
if grep -q '<script[^>]*>[^<]' dist/index.html; then
  fail "dist/index.html contains an inline script (breaks the strict CSP)"
fi
echo "build-app: dist/ ok ($(basename "${js[0]}"), $(basename "${wasm[0]}"), $(stat -c %s "${wasm[0]}") bytes wasm)"
