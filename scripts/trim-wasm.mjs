// Trims what the officer wasm and its wasm-bindgen glue carry for nothing, in place:
//   node scripts/trim-wasm.mjs GLUE.js MODULE_bg.wasm
// (scripts/post-build.sh runs this on the files trunk staged, then wasm-opt again so the
// code only the dropped exports reached goes too).
//
// 1. Short import names. wasm-bindgen names each import after the function and a 16-digit
//    hash (`__wbg_appendChild_7465eba84213c75f`), and every name is written twice, in the
//    wasm's import section and as a key of the glue's import object. Hex digits barely
//    compress: short names (`a`, `b`, ... `aB`) do the same job. Only the imports of the
//    glue's own module (`./<name>_bg.js`) are renamed, and each old name must occur exactly
//    once in the glue (its key), otherwise nothing is written and the script fails, so a
//    glue of another shape breaks the build rather than the app. Measured: 3.0 KB gzip off
//    the wasm, 2.4 KB off the glue.
// 2. The exports of wasm-streams (`IntoUnderlyingSource`, `...Sink`, `...ByteSource`):
//    Leptos always enables server_fn's browser client, which brings them, and every
//    `#[wasm_bindgen]` export is kept by the linker. Nothing calls them: the glue's classes
//    for them are exported from the glue module, which only boot.js imports, for its
//    default `init`. Measured: 1.8 KB gzip off the wasm (with the wasm-opt run after).
import fs from 'node:fs';
import path from 'node:path';

const die = (msg) => {
  console.error(`trim-wasm: ${msg}`);
  process.exit(1);
};
const [jsPath, wasmPath] = process.argv.slice(2);
if (!jsPath || !wasmPath) die('usage: node scripts/trim-wasm.mjs GLUE.js MODULE_bg.wasm');

const wasm = fs.readFileSync(wasmPath);
let js = fs.readFileSync(jsPath, 'utf8');

// --- the wasm binary: LEB128 and the import section ------------------------------------
function readU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) die('truncated wasm');
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result >>> 0, pos];
    shift += 7;
  }
}
function u32(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return Buffer.from(out);
}
const name = (s) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
function readName(buf, pos) {
  const [len, start] = readU32(buf, pos);
  return [buf.toString('utf8', start, start + len), start + len];
}
function skipLimits(buf, pos) {
  const flags = buf[pos++];
  [, pos] = readU32(buf, pos);
  if (flags & 1) [, pos] = readU32(buf, pos);
  return pos;
}
// Skips an import's description (function, table, memory, global, tag).
function skipDesc(buf, pos) {
  const kind = buf[pos++];
  switch (kind) {
    case 0: // function: type index
    case 4: // tag: attribute, type index
      if (kind === 4) pos++;
      return readU32(buf, pos)[1];
    case 1: {
      const ref = buf[pos++];
      if (ref === 0x63 || ref === 0x64) [, pos] = readU32(buf, pos); // (ref null? heaptype)
      return skipLimits(buf, pos);
    }
    case 2:
      return skipLimits(buf, pos);
    case 3: {
      const ty = buf[pos++];
      if (ty === 0x63 || ty === 0x64) [, pos] = readU32(buf, pos);
      return pos + 1; // mutability
    }
    default:
      return die(`unknown import kind ${kind}`);
  }
}

if (wasm.readUInt32LE(0) !== 0x6d736100) die(`${wasmPath} is not a wasm module`);
const glueModule = /\.\/[^"]+_bg\.js/;

// Short, valid identifiers that are not reserved words, in order: a..z A..Z, then two
// characters (a letter, then a letter or digit).
const RESERVED = new Set(['do', 'if', 'in']);
const FIRST = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const REST = FIRST + '0123456789';
function* shortNames() {
  yield* FIRST;
  for (const a of FIRST) for (const b of REST) if (!RESERVED.has(a + b)) yield a + b;
  for (const a of FIRST) for (const b of REST) for (const c of REST) yield a + b + c;
}

// wasm-streams' exported classes (see 2. above): their methods and `__wbg_*_free`.
const UNUSED_EXPORT = /^(__wbg_)?intounderlying(bytesource|source|sink)_/;
let dropped = 0;

const renamed = new Map();
const names = shortNames();
const parts = [wasm.subarray(0, 8)];
let pos = 8;
let found = false;
while (pos < wasm.length) {
  const id = wasm[pos];
  const [size, start] = readU32(wasm, pos + 1);
  const end = start + size;
  if (id === 7) {
    let p = start;
    let count;
    [count, p] = readU32(wasm, p);
    const kept = [];
    for (let i = 0; i < count; i++) {
      const entryStart = p;
      let field;
      [field, p] = readName(wasm, p);
      p = readU32(wasm, p + 1)[1]; // kind, index
      if (UNUSED_EXPORT.test(field)) dropped++;
      else kept.push(wasm.subarray(entryStart, p));
    }
    if (p !== end) die('export section length mismatch');
    const body = Buffer.concat([u32(kept.length), ...kept]);
    parts.push(Buffer.from([7]), u32(body.length), body);
    pos = end;
    continue;
  }
  if (id !== 2) {
    parts.push(wasm.subarray(pos, end));
    pos = end;
    continue;
  }
  found = true;
  let p = start;
  let count;
  [count, p] = readU32(wasm, p);
  const entries = [u32(count)];
  for (let i = 0; i < count; i++) {
    let module, field;
    [module, p] = readName(wasm, p);
    [field, p] = readName(wasm, p);
    const descStart = p;
    p = skipDesc(wasm, p);
    if (glueModule.test(module)) {
      if (!renamed.has(field)) renamed.set(field, names.next().value);
      field = renamed.get(field);
    }
    entries.push(name(module), name(field), wasm.subarray(descStart, p));
  }
  if (p !== end) die('import section length mismatch');
  const body = Buffer.concat(entries);
  parts.push(Buffer.from([2]), u32(body.length), body);
  pos = end;
}
if (!found) die(`${wasmPath} has no import section`);

// --- the glue: each old name is one key of the import object ----------------------------
for (const [old, short] of renamed) {
  const re = new RegExp(`(?<![\\w$])${old.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  const hits = js.match(re)?.length ?? 0;
  if (hits !== 1) die(`${old} occurs ${hits} times in ${jsPath} (expected once, as a key)`);
  js = js.replace(re, short);
}
fs.writeFileSync(wasmPath, Buffer.concat(parts));
fs.writeFileSync(jsPath, js);
console.error(
  `trim-wasm: ${renamed.size} imports renamed, ${dropped} unused exports dropped in ${path.basename(wasmPath)}`,
);
