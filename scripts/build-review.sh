#!/usr/bin/env bash
# Build the supervisor review bundle (the crate review/, package beatbook-review) into DIR/review/:
#   review-<hash>.js, review-<hash>_bg.wasm, review-<hash>.css and bundle.json (their names).
# Run by scripts/post-build.sh inside trunk's staging directory, so dist/ always holds an
# officer app and a review bundle of the same commit. public/boot.js reads bundle.json
# when a supervisor opens the review screens; officers never download the bundle.
#   bash scripts/build-review.sh DIR     # or, from trunk: DIR defaults to $TRUNK_STAGING_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-${TRUNK_STAGING_DIR:?usage: build-review.sh DIR}}"
BASE="${TRUNK_PUBLIC_URL:-/}"
case "$BASE" in */) ;; *) BASE="$BASE/" ;; esac
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

release=1
[ "${TRUNK_PROFILE:-release}" = "release" ] || release=0
profile_dir=debug
cargo_flags=(--target wasm32-unknown-unknown -p beatbook-review --bin beatbook-review --manifest-path "$ROOT/Cargo.toml")
if [ "$release" = 1 ]; then
  cargo_flags+=(--release)
  profile_dir=release
fi
cargo build "${cargo_flags[@]}" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name review \
  "$TARGET_DIR/wasm32-unknown-unknown/$profile_dir/beatbook-review.wasm"
if [ "$release" = 1 ]; then
  # npm's binaryen 132 (scripts/setup.sh puts it first on PATH); the same -Oz as the app.
  wasm-opt -Oz "$work/review_bg.wasm" -o "$work/review_bg.opt.wasm"
  mv "$work/review_bg.opt.wasm" "$work/review_bg.wasm"
fi
cat "$ROOT"/style/review*.css >"$work/review.css"

hash() { sha256sum "$@" | sha256sum | cut -c1-16; }
h="$(hash "$work/review.js" "$work/review_bg.wasm")"
hc="$(hash "$work/review.css")"
mkdir -p "$OUT/review"
rm -f "$OUT"/review/review-*
cp "$work/review.js" "$OUT/review/review-$h.js"
cp "$work/review_bg.wasm" "$OUT/review/review-${h}_bg.wasm"
cp "$work/review.css" "$OUT/review/review-$hc.css"
printf '{"js":"%s","wasm":"%s","css":"%s"}\n' \
  "${BASE}review/review-$h.js" "${BASE}review/review-${h}_bg.wasm" "${BASE}review/review-$hc.css" \
  >"$OUT/review/bundle.json"
echo "build-review: review-$h ($(stat -c %s "$work/review_bg.wasm") bytes wasm, $(gzip -9 -n -c "$work/review_bg.wasm" | wc -c) gzip)" >&2
