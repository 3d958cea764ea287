// Precompress every first-load asset in a Trunk dist/ folder (gzip -9 and brotli q11 beside each
// file, as static hosts serve them), or with --report print the bytes per asset and in total.
// Uses only Node's built-in zlib.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const report = process.argv.includes('--report');
const EXT = new Set(['.html', '.js', '.wasm', '.css', '.json', '.svg']);
// Served beside the page but not loaded by it (the partner portal loads it): not first load.
const NOT_FIRST_LOAD = new Set(['okta-link.js']);

const gz = (b) => gzipSync(b, { level: 9 });
const br = (b) => brotliCompressSync(b, {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 11,
    [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
  },
});

const files = readdirSync(dir)
  .filter((f) => EXT.has(extname(f)) && statSync(join(dir, f)).isFile())
  .sort();

let total = { raw: 0, gzip: 0, brotli: 0 };
const rows = [];
for (const f of files) {
  const body = readFileSync(join(dir, f));
  const g = gz(body);
  const b = br(body);
  if (!report) {
    writeFileSync(join(dir, f + '.gz'), g);
    writeFileSync(join(dir, f + '.br'), b);
  }
  if (NOT_FIRST_LOAD.has(f)) continue;
  rows.push([f, body.length, g.length, b.length]);
  total.raw += body.length;
  total.gzip += g.length;
  total.brotli += b.length;
}

if (report) {
  const w = Math.max(5, ...rows.map((r) => r[0].length));
  console.log(`${'asset'.padEnd(w)}  ${'raw'.padStart(8)}  ${'gzip -9'.padStart(8)}  ${'brotli'.padStart(8)}`);
  for (const [f, r, g, b] of rows) {
    console.log(`${f.padEnd(w)}  ${String(r).padStart(8)}  ${String(g).padStart(8)}  ${String(b).padStart(8)}`);
  }
  console.log(`${'total'.padEnd(w)}  ${String(total.raw).padStart(8)}  ${String(total.gzip).padStart(8)}  ${String(total.brotli).padStart(8)}`);
  console.log(`total raw bytes: ${total.raw}`);
  console.log(`total gzip bytes: ${total.gzip}`);
  console.log(`total brotli bytes: ${total.brotli}`);
} else {
  console.log(`precompressed ${files.length} assets in ${dir}`);
}
