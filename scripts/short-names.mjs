// Give the wasm module's imports and exports short names, in a Trunk dist/ folder, before the
// JavaScript is minified.
//
// wasm-bindgen names each import after the JavaScript it calls plus a 16-digit hash
// (`__wbg_createElement_3ba3f6d1f1d4a0ee`), and every name is written twice: in the wasm import
// section and as a key of the imports object in the JavaScript. The hashes do not compress, so
// they cost a few kB of every first load. This renames each import of wasm-bindgen's module to
// a short name (`a`, `b`, … `ab`, …) in both files, and the module to `a`; shims the wasm does
// not import are dropped. Exports are renamed the same way
// (`wasm.__wbindgen_malloc` becomes `wasm.a`), where the JavaScript reads them. The JavaScript
// is parsed with acorn, and every import and every use of an export must be found in it, or
// nothing is written. Run once per build (the names it writes are not wasm-bindgen's, so a
// second run finds no module to rename and stops). Custom sections, which only build tools
// read, are dropped.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'acorn';
import { distAssets, reader, sections } from './dist.mjs';

const dir = process.argv[2] ?? 'dist';
const { wasmPath, jsPath } = distAssets(dir);
const MODULE = './okta-link_bg.js';
const SHORT_MODULE = 'a';
const fail = (msg) => {
  console.error(`short-names: ${msg}`);
  process.exit(1);
};

// --- the wasm import section -------------------------------------------------------------
const wasm = readFileSync(wasmPath);
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const name = (s) => {
  const b = Buffer.from(s, 'utf8');
  return [...leb(b.length), ...b];
};

const all = sections(wasm);
const section = all.find((x) => x.id === 2);
const exportSection = all.find((x) => x.id === 7);
if (!section) fail('the wasm module has no import section');
if (!exportSection) fail('the wasm module has no export section');

const entries = [];
{
  const r = reader(wasm, section.body);
  const count = r.leb();
  for (let n = 0; n < count; n++) {
    const module = r.name();
    const field = r.name();
    const descStart = r.at;
    const kind = r.byte();
    const limits = () => {
      const flags = r.byte();
      r.leb();
      if (flags & 1) r.leb();
    };
    if (kind === 0) r.leb();
    else if (kind === 1) { r.byte(); limits(); }
    else if (kind === 2) limits();
    else if (kind === 3) { r.byte(); r.byte(); }
    else if (kind === 4) { r.byte(); r.leb(); }
    else fail(`unknown import kind ${kind}`);
    entries.push({ module, field, desc: wasm.subarray(descStart, r.at) });
  }
  if (r.at !== section.end) fail('the import section was not read to its end');
}
const exportEntries = [];
{
  const r = reader(wasm, exportSection.body);
  const count = r.leb();
  for (let n = 0; n < count; n++) {
    const field = r.name();
    const descStart = r.at;
    r.byte();
    r.leb();
    exportEntries.push({ field, desc: wasm.subarray(descStart, r.at) });
  }
  if (r.at !== exportSection.end) fail('the export section was not read to its end');
}
const ours = entries.filter((e) => e.module === MODULE);
if (ours.length === 0) {
  console.log(`short-names: no imports from ${MODULE} (already renamed?); nothing to do`);
  process.exit(0);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$';
const shortName = (n) => {
  let s = '';
  do {
    s += ALPHABET[n % ALPHABET.length];
    n = Math.floor(n / ALPHABET.length);
  } while (n > 0);
  return s;
};
const renamed = new Map();
ours.forEach((e) => {
  if (!renamed.has(e.field)) renamed.set(e.field, shortName(renamed.size));
});

const renamedExports = new Map(exportEntries.map((e, i) => [e.field, shortName(i)]));

// --- the JavaScript imports object -------------------------------------------------------
const code = readFileSync(jsPath, 'utf8');
const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
const getImports = ast.body.find((n) => n.type === 'FunctionDeclaration' && n.id.name === '__wbg_get_imports');
if (!getImports) fail('no __wbg_get_imports in the JavaScript');
const keyOf = (p) => (p.key.type === 'Identifier' ? p.key.name : p.key.value);
let importsObject = null;
let moduleProperty = null;
for (const stmt of getImports.body.body) {
  if (stmt.type === 'VariableDeclaration') {
    for (const d of stmt.declarations) {
      if (d.init?.type === 'ObjectExpression' && d.init.properties.some((p) => p.type === 'Property' && renamed.has(keyOf(p)))) {
        if (importsObject) fail('two objects hold the imports');
        importsObject = d.init;
      }
    }
  }
  if (stmt.type === 'ReturnStatement' && stmt.argument?.type === 'ObjectExpression') {
    moduleProperty = stmt.argument.properties.find((p) => p.type === 'Property' && keyOf(p) === MODULE);
  }
}
if (!importsObject) fail('the imports object was not found');
if (!moduleProperty) fail(`the imports are not returned under "${MODULE}"`);

const edits = []; // [start, end, text]
const found = new Set();
for (const p of importsObject.properties) {
  if (p.type !== 'Property' || p.computed) continue;
  const key = keyOf(p);
  if (key === '__proto__') continue;
  if (renamed.has(key)) {
    edits.push([p.key.start, p.key.end, renamed.get(key)]);
    found.add(key);
  } else if (/^__wb(g|indgen)_/.test(key)) {
    // A shim the wasm no longer imports: drop it with the comma after it.
    let end = p.end;
    while (/[\s,]/.test(code[end]) && code[end] !== '\n') end++;
    edits.push([p.start, end, '']);
  }
}
const missing = [...renamed.keys()].filter((k) => !found.has(k));
if (missing.length > 0) fail(`imports missing from the JavaScript: ${missing.join(', ')}`);
edits.push([moduleProperty.key.start, moduleProperty.key.end, SHORT_MODULE]);

// Every `wasm.<export>`; then no other mention of an export's name may be left.
const renamedAt = new Set();
const visit = (n) => {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) return n.forEach(visit);
  if (
    n.type === 'MemberExpression' && !n.computed && n.object.type === 'Identifier' &&
    n.object.name === 'wasm' && n.property.type === 'Identifier' && renamedExports.has(n.property.name)
  ) {
    edits.push([n.property.start, n.property.end, renamedExports.get(n.property.name)]);
    renamedAt.add(n.property.start);
  }
  for (const [k, v] of Object.entries(n)) if (k !== 'loc' && v && typeof v === 'object') visit(v);
};
visit(ast);
const strays = [];
const look = (n) => {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) return n.forEach(look);
  // A property read by name (`x.name`, `x['name']`); plain identifiers are local bindings,
  // such as the JavaScript functions wasm-bindgen names after the exports they call.
  const prop = n.type === 'MemberExpression' ? n.property : null;
  const named = !prop ? null : !n.computed ? prop.name : typeof prop.value === 'string' ? prop.value : null;
  if (named && renamedExports.has(named) && !renamedAt.has(prop.start)) strays.push(named);
  if (n.type === 'Literal' && renamedExports.has(n.value) && !renamedAt.has(n.start)) strays.push(n.value);
  for (const v of Object.values(n)) if (v && typeof v === 'object') look(v);
};
look(ast);
if (strays.length > 0) fail(`exports used other than as wasm.<name>: ${[...new Set(strays)].join(', ')}`);

let js = '';
let at = 0;
for (const [start, end, text] of edits.sort((a, b) => a[0] - b[0])) {
  js += code.slice(at, start) + text;
  at = end;
}
js += code.slice(at);
parse(js, { ecmaVersion: 'latest', sourceType: 'module' }); // still JavaScript

// --- write both ----------------------------------------------------------------------------
const body = [...leb(entries.length)];
for (const e of entries) {
  const mine = e.module === MODULE;
  body.push(...name(mine ? SHORT_MODULE : e.module), ...name(mine ? renamed.get(e.field) : e.field), ...e.desc);
}
const newSection = Buffer.from([2, ...leb(body.length), ...body]);
const exportBody = [...leb(exportEntries.length)];
for (const e of exportEntries) exportBody.push(...name(renamedExports.get(e.field)), ...e.desc);
const newExports = Buffer.from([7, ...leb(exportBody.length), ...exportBody]);
if (section.end > exportSection.start) fail('the import section does not come before the exports');
const renamedModule = Buffer.concat([
  wasm.subarray(0, section.start),
  newSection,
  wasm.subarray(section.end, exportSection.start),
  newExports,
  wasm.subarray(exportSection.end),
]);
// Custom sections (target features, Leptos' wasm-split marker) are read by build tools only.
const kept = [renamedModule.subarray(0, 8)];
for (const x of sections(renamedModule)) {
  if (x.id !== 0 || process.env.KEEP_NAMES) kept.push(renamedModule.subarray(x.start, x.end));
}
const out = Buffer.concat(kept);
if (!WebAssembly.validate(out)) fail('the renamed module does not validate');
writeFileSync(wasmPath, out);
writeFileSync(jsPath, js);
console.log(
  `short-names: ${renamed.size} imports and ${renamedExports.size} exports renamed; wasm ${wasm.length} -> ${out.length} bytes, ` +
    `JavaScript ${code.length} -> ${js.length} bytes`,
);
