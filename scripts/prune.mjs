// Drop the wasm exports and JavaScript classes of web streams this page never builds, from a
// Trunk dist/ folder, before the JavaScript is minified.
//
// Leptos always depends on server_fn with its browser feature, which brings wasm-streams: three
// #[wasm_bindgen] classes (IntoUnderlyingSource, IntoUnderlyingByteSource, IntoUnderlyingSink)
// used only to stream server-function bodies. This page has no server functions, so nothing
// creates them; but as exports they are roots that no optimizer may remove. This script
// removes the exports with binaryen's wasm-metadce, optimizes again with the flags from
// index.html (one source of truth), and removes the classes from the wasm-bindgen JavaScript
// (parsed with acorn, so only those declarations go). Idempotent: a second run finds nothing.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parse } from 'acorn';
import { distAssets, exportNames } from './dist.mjs';

const dir = process.argv[2] ?? 'dist';
// The stream classes, and the marker export of Leptos' wasm-split (lazy modules, unused here).
const UNUSED = /intounderlying|^_WASM_SPLIT_MARKER_/i;
const CLASSES = /^IntoUnderlying(Source|ByteSource|Sink)$/;

const { wasmPath, jsPath } = distAssets(dir);

const wasm = readFileSync(wasmPath);
const exports = exportNames(wasm);
const dropped = exports.filter((e) => UNUSED.test(e));
if (dropped.length > 0) {
  const work = mkdtempSync(join(tmpdir(), 'okta-link-prune-'));
  try {
    const graph = [
      { name: 'js', root: true, reaches: exports.filter((e) => !UNUSED.test(e)).map((e) => `e:${e}`) },
      ...exports.map((e) => ({ name: `e:${e}`, export: e })),
    ];
    const graphPath = join(work, 'graph.json');
    writeFileSync(graphPath, JSON.stringify(graph));
    const html = readFileSync('index.html', 'utf8');
    const params = html.match(/data-wasm-opt-params="([^"]*)"/)?.[1]?.split(/\s+/).filter(Boolean);
    if (!params) {
      console.error('index.html has no data-wasm-opt-params');
      process.exit(1);
    }
    const features = params.filter((p) => p.startsWith('--enable-'));
    const bin = (name) => join('node_modules', '.bin', name);
    const mid = join(work, 'dce.wasm');
    execFileSync(bin('wasm-metadce'), [...features, '--graph-file', graphPath, wasmPath, '-o', mid], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync(bin('wasm-opt'), ['-Oz', ...params, mid, '-o', wasmPath], { stdio: 'inherit' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const after = readFileSync(wasmPath).length;
  console.log(`pruned ${dropped.length} unused exports: ${wasm.length} -> ${after} bytes`);
}

// The classes, their FinalizationRegistry constants and their Symbol.dispose lines.
const code = readFileSync(jsPath, 'utf8');
const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
const names = (node) => {
  const out = [];
  const walk = (n) => {
    if (n && typeof n === 'object') {
      if (n.type === 'Identifier') out.push(n.name);
      for (const v of Object.values(n)) if (v && typeof v === 'object') walk(v);
    }
  };
  walk(node);
  return out;
};
const cut = [];
for (const node of ast.body) {
  const decl = node.type === 'ExportNamedDeclaration' ? node.declaration : node;
  if (decl?.type === 'ClassDeclaration' && CLASSES.test(decl.id.name)) {
    cut.push(node);
  } else if (decl?.type === 'VariableDeclaration' && decl.declarations.every((d) => /^IntoUnderlying\w+Finalization$/.test(d.id.name))) {
    cut.push(node);
  } else if (node.type === 'IfStatement' && names(node.consequent).some((n) => CLASSES.test(n))) {
    cut.push(node);
  }
}
const left = names({ body: ast.body.filter((n) => !cut.includes(n)) }).filter((n) => CLASSES.test(n));
if (left.length > 0) {
  console.error(`the stream classes are still referenced after pruning: ${[...new Set(left)].join(', ')}`);
  process.exit(1);
}
if (cut.length > 0) {
  let out = '';
  let at = 0;
  for (const node of cut.sort((a, b) => a.start - b.start)) {
    out += code.slice(at, node.start);
    at = node.end;
  }
  out += code.slice(at);
  writeFileSync(jsPath, out);
  console.log(`removed ${cut.length} declarations of unused stream classes: ${code.length} -> ${out.length} bytes`);
}
