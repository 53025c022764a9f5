#!/usr/bin/env bash
# Precompressed twins of the build's hashed assets, for the server to send as they are
# (tower-http's ServeDir `precompressed_gzip` / `precompressed_br`, server/src/http/static_files.rs):
#   NAME.gz   zopfli (gzip format, about 4% smaller than gzip -9; any browser)
#   NAME.br   brotli -q 11 (what a phone on HTTPS asks for)
# Only names with a content hash (NAME-<hex>.js / .css / _bg.wasm): such a file never
# changes under its name, so its twin can never go stale. index.html, boot.js,
# sw-register.js and sw.js keep their names across builds (and tests rewrite sw.js), so
# the server compresses them as it sends them.
#
#   bash scripts/precompress.sh DIR...
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: precompress.sh DIR..." >&2; exit 2; }
for tool in zopfli brotli; do
  command -v "$tool" >/dev/null 2>&1 || { echo "precompress: $tool not found (bash scripts/setup.sh installs it)" >&2; exit 1; }
done
count=0
for dir in "$@"; do
  while IFS= read -r -d '' f; do
    # The officer's wasm is most of the first load: 100 iterations (about 10 s)
    # find about 0.4 KB more than zopfli's default 15; the rest keep the default.
    iterations=15
    case "${f##*/}" in beatbook-[0-9a-f]*_bg.wasm) iterations=100 ;; esac
    zopfli --i"$iterations" -c "$f" >"$f.gz.tmp" && mv "$f.gz.tmp" "$f.gz"
    brotli -q 11 -f -c "$f" >"$f.br.tmp" && mv "$f.br.tmp" "$f.br"
    count=$((count + 1))
  done < <(find "$dir" -maxdepth 1 -type f -regextype posix-extended \
    -regex '.*-[0-9a-f]{10,}(_bg)?\.(js|css|wasm)' -print0)
done
echo "precompress: $count files, each with .gz (zopfli) and .br (brotli -q 11)" >&2
