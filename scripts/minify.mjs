// Minify the wasm-bindgen JavaScript in a Trunk dist/ folder with terser (Trunk's own JS
// minifier leaves this file as it is). Names the wasm module imports by are object keys and
// exports, which terser keeps; only local names and whitespace change. Idempotent.
// The host script okta-link.js is left readable: integrators read it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const dir = process.argv[2] ?? 'dist';
const glue = readdirSync(dir).filter((f) => /^okta-link-[0-9a-f]+\.js$/.test(f));
if (glue.length !== 1) {
  console.error(`expected one wasm-bindgen script in ${dir}, found ${glue.length}`);
  process.exit(1);
}
const path = join(dir, glue[0]);
const code = readFileSync(path, 'utf8');
const out = await minify(code, { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } });
writeFileSync(path, out.code);
console.log(`minified ${glue[0]}: ${code.length} -> ${out.code.length} bytes`);
