// Minify the wasm-bindgen JavaScript in a Trunk dist/ folder with terser (Trunk's own JS
// minifier leaves this file as it is). Names the wasm module imports by are object keys and
// exports, which terser keeps; only local names and whitespace change. Idempotent.
// The host script okta-link.js is left readable: integrators read it.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { minify } from 'terser';
import { distAssets } from './dist.mjs';

const dir = process.argv[2] ?? 'dist';
const { jsPath: path } = distAssets(dir);
const code = readFileSync(path, 'utf8');
const out = await minify(code, { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } });
writeFileSync(path, out.code);
console.log(`minified ${basename(path)}: ${code.length} -> ${out.code.length} bytes`);
