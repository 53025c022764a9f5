#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml). Trunk runs a stage's hooks concurrently, so the
# steps that depend on each other are one hook: the review bundle first, then the officer
# wasm is trimmed (scripts/trim-wasm.mjs, then wasm-opt once more in release) and, in
# release, the page's scripts are minified (the bytes change, so both before the precache
# digest), then the service worker's precache list (which leaves the bundle out: officers
# never download it).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$DIR/build-review.sh"
STAGE="${TRUNK_STAGING_DIR:?run from trunk (post_build hook)}"
# The glue's and the wasm's names, as index.html loads them (data-js, data-wasm; quoted
# or not, with the leading / of public_url).
named() { sed -n "s/.*$1=[\"']\\?\\/\\?\\([^ >\"']*\\).*/\\1/p" "$STAGE/index.html"; }
glue="$(named data-js)"
wasm="$(named data-wasm)"
[ -n "$glue" ] && [ -n "$wasm" ] || { echo "post-build: index.html names no data-js / data-wasm" >&2; exit 1; }
node "$DIR/trim-wasm.mjs" "$STAGE/$glue" "$STAGE/$wasm"
if [ "${TRUNK_PROFILE:-release}" = "release" ]; then
  # Removes the code only the dropped exports reached. The flags are index.html's
  # data-wasm-opt-params (see the comment there); npm's binaryen 132 (scripts/setup.sh).
  # Flattening and re-looping the control flow first, then -Oz twice, lets the size
  # passes find more to fold: 1.75 KB less as served (zopfli), measured on the same
  # build; a second such round finds about 0.8 KB more (a third adds bytes); other
  # passes tried (converge, gufa, merge-similar-functions, type refining) changed
  # under 100 B.
  for _ in 1 2; do
    wasm-opt --flatten --rereloop -Oz -Oz --low-memory-unused --strip-producers "$STAGE/$wasm" -o "$STAGE/$wasm.opt"
    mv "$STAGE/$wasm.opt" "$STAGE/$wasm"
  done
  # The scripts of the first load, with terser (npm, package.json): trunk copies public/ as
  # it is, and its own minifier leaves the glue's module-level names long. Measured: boot.js
  # 1,510 -> 860 B gzip, sw-register.js 1,288 -> 606, the glue about 350 B less.
  terser="$DIR/../node_modules/.bin/terser"
  for f in "$glue" boot.js sw-register.js; do
    module=()
    [ "$f" = "$glue" ] && module=(--module)
    "$terser" "$STAGE/$f" "${module[@]}" --compress --mangle -o "$STAGE/$f.min"
    mv "$STAGE/$f.min" "$STAGE/$f"
  done
fi
bash "$DIR/sw-precache.sh"
# Last, once every file is final (sw-precache rewrites sw.js; twins are never precached).
if [ "${TRUNK_PROFILE:-release}" = "release" ]; then
  bash "$DIR/precompress.sh" "$STAGE" "$STAGE/review"
fi
