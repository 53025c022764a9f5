#!/usr/bin/env bash
# Trunk post_build hook (see Trunk.toml): give the service worker this build's asset list.
#
# Runs in trunk's staging directory ($TRUNK_STAGING_DIR) after index.html is written and
# before the staging dir replaces dist/. It
#   * lists every staged file (html -> the shell URL, the hashed js + _bg.wasm pair, css,
#     icons, manifest, sw-register.js, boot.js, ...), except sw.js, precache.json and the
#     supervisor review bundle (review/: loaded from the network, only by supervisors);
#   * derives a cache version from the hash in the js/wasm names plus a digest of the
#     content of every asset (wasm-opt changes content but not trunk's names);
#   * writes precache.json and rewrites the PRECACHE block of sw.js, so sw.js changes
#     byte-for-byte whenever anything in the build changes (that is what makes browsers
#     install the new version).
# Fails the build if the staged output does not have exactly one js/wasm pair.
set -euo pipefail

: "${TRUNK_STAGING_DIR:?run this from trunk (post_build hook): TRUNK_STAGING_DIR is not set}"
export TRUNK_STAGING_DIR
export TRUNK_PUBLIC_URL="${TRUNK_PUBLIC_URL:-/}"
export TRUNK_HTML_OUTPUT="${TRUNK_HTML_OUTPUT:-index.html}"

exec node - <<'NODE'
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const stage = process.env.TRUNK_STAGING_DIR;
let base = process.env.TRUNK_PUBLIC_URL || '/';
if (!base.endsWith('/')) base += '/';
const htmlName = process.env.TRUNK_HTML_OUTPUT;

function die(msg) {
  console.error(`sw-precache: ${msg}`);
  process.exit(1);
}

const SKIP = new Set(['sw.js', 'precache.json', 'review']);
function walk(dir, rel = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name;
    if (name.startsWith('.')) continue; // .stage, .trunk-lock, editor files
    const relPath = rel ? `${rel}/${name}` : name;
    const full = path.join(dir, name);
    if (entry.isDirectory()) {
      if (!rel && SKIP.has(name)) continue;
      out.push(...walk(full, relPath));
    } else if (entry.isFile()) {
      if (!rel && SKIP.has(name)) continue;
      if (/\.(map|br|gz)$/.test(name)) continue; // source maps and precompressed twins
      out.push(relPath);
    }
  }
  return out;
}

const files = walk(stage).sort();
if (!files.includes(htmlName)) die(`${htmlName} not found in ${stage}`);
if (!fs.existsSync(path.join(stage, 'sw.js'))) die('sw.js not found in the staging dir (public/ not copied?)');

// The js/wasm pair is whatever index.html loads: trunk hashes the glue and the wasm
// separately (the js is also minified), so the two names do not share a hash.
const html = fs.readFileSync(path.join(stage, htmlName), 'utf8');
const attr = (re) => {
  const m = re.exec(html);
  return m ? m[1] : null;
};
const stripBase = (u) => (u && u.startsWith(base) ? u.slice(base.length) : u);
const js = stripBase(
  attr(/\bdata-js=["']?([^"'\s>]+)/) || attr(/<link\b[^>]*\bhref=["']?([^"'\s>]+\.js)["']?[^>]*\brel=["']?modulepreload/),
);
const wasm = stripBase(
  attr(/\bdata-wasm=["']?([^"'\s>]+)/) || attr(/<link\b[^>]*\bhref=["']?([^"'\s>]+_bg\.wasm)/),
);
if (!js || !wasm) die(`${htmlName} does not name the wasm-bindgen glue and wasm (data-js / data-wasm)`);
for (const f of [js, wasm]) {
  if (!files.includes(f)) die(`${htmlName} loads ${base}${f}, which is not in the build`);
}
const wasms = files.filter((f) => f.endsWith('.wasm'));
if (wasms.length !== 1) die(`expected exactly one .wasm in the build, found: ${wasms.join(', ') || 'none'}`);

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

// Content digest over every asset (paths and bytes).
const digest = crypto.createHash('sha256');
for (const f of files) {
  digest.update(`${f}\0${sha256(fs.readFileSync(path.join(stage, f)))}\n`);
}
const contentHash = digest.digest('hex').slice(0, 8);
// Version = the wasm's name hash, the glue's name hash, then the content digest (wasm-opt
// changes bytes without changing trunk's names), e.g. 6f893af027f1b01f-7b6c0db2-1a2b3c4d.
const nameHash = (f) => {
  const m = /-([0-9a-f]{8,})(?:_bg)?\.(?:js|wasm)$/.exec(f);
  return m ? m[1] : sha256(f).slice(0, 16);
};
const version = `${nameHash(wasm)}-${nameHash(js).slice(0, 8)}-${contentHash}`;

// URL list: the html is cached under the shell URL (base), the rest under their own paths.
const url = (f) => (f === htmlName ? base : base + f);
const rank = (f) => (f === htmlName ? 0 : f === js ? 1 : f === wasm ? 2 : f.endsWith('.css') ? 3 : 4);
const ordered = [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
const assets = ordered.map(url);
// Trunk-hashed names (name-<16 hex>[_bg].ext) never change content under the same name.
const immutable = ordered.filter((f) => /-[0-9a-f]{16}(_bg)?\.[a-z0-9]+$/.test(f)).map(url);

const precache = { version, shell: base, html: htmlName, js: base + js, wasm: base + wasm, assets, immutable };
fs.writeFileSync(path.join(stage, 'precache.json'), JSON.stringify(precache, null, 2) + '\n');

const swPath = path.join(stage, 'sw.js');
const sw = fs.readFileSync(swPath, 'utf8');
const block = /\/\* BEGIN PRECACHE[^\n]*\*\/\n[\s\S]*?\n\/\* END PRECACHE \*\//;
if (!block.test(sw)) die('sw.js has no /* BEGIN PRECACHE ... */ ... /* END PRECACHE */ block');
const generated =
  '/* BEGIN PRECACHE (generated by scripts/sw-precache.sh; do not edit by hand) */\n' +
  `const PRECACHE = ${JSON.stringify({ version, shell: base, assets, immutable }, null, 2)};\n` +
  '/* END PRECACHE */';
fs.writeFileSync(swPath, sw.replace(block, () => generated));

console.error(`sw-precache: version ${version}, ${assets.length} assets`);
NODE
