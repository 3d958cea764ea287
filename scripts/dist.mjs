// What the build steps after Trunk share: finding the one wasm module and wasm-bindgen script
// in a dist/ folder, and reading the wasm binary format (enough of it for sections, names and
// LEB128 numbers).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The one file in `dir` whose name matches `re`; exits with a message otherwise. */
export function onlyFile(dir, re, what) {
  const found = readdirSync(dir).filter((f) => re.test(f));
  if (found.length !== 1) {
    console.error(`expected one ${what} in ${dir}, found ${found.length}`);
    process.exit(1);
  }
  return join(dir, found[0]);
}

/** The wasm module and the wasm-bindgen script Trunk wrote into `dir`. */
export function distAssets(dir) {
  return {
    wasmPath: onlyFile(dir, /^okta-link-[0-9a-f]+_bg\.wasm$/, 'wasm module'),
    jsPath: onlyFile(dir, /^okta-link-[0-9a-f]+\.js$/, 'wasm-bindgen script'),
  };
}

const utf8 = new TextDecoder();

/** A cursor over wasm bytes from `at`. */
export function reader(bytes, at) {
  let i = at;
  return {
    get at() { return i; },
    skip(n) { i += n; },
    byte: () => bytes[i++],
    leb() {
      let r = 0, s = 0, b;
      do { b = bytes[i++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80);
      return r;
    },
    name() {
      const len = this.leb();
      const s = utf8.decode(bytes.subarray(i, i + len));
      i += len;
      return s;
    },
  };
}

/** The module's sections: `{ id, start, body, end }` (start: the id byte; body: after the size). */
export function sections(bytes) {
  const out = [];
  const r = reader(bytes, 8);
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.leb();
    out.push({ id, start, body: r.at, end: r.at + size });
    r.skip(size);
  }
  return out;
}

/** The names of the module's exports. */
export function exportNames(bytes) {
  const section = sections(bytes).find((s) => s.id === 7);
  if (!section) return [];
  const r = reader(bytes, section.body);
  const names = [];
  for (let n = r.leb(); n > 0; n--) {
    names.push(r.name());
    r.byte(); // kind
    r.leb(); // index
  }
  return names;
}
