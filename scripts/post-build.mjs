// Trunk's post_build hook (Trunk.toml): in a release build, minify the wasm-bindgen JavaScript
// (terser) and precompress every asset (.br, .gz) in Trunk's staging folder, before Trunk moves
// it to dist/. So `trunk build --release` alone produces what CI tests and what is deployed.
// Debug builds (`trunk serve`) are left as they are.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('post-build: TRUNK_STAGING_DIR is not set (run through `trunk build`)');
  process.exit(1);
}
if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const here = dirname(fileURLToPath(import.meta.url));
for (const script of ['minify.mjs', 'precompress.mjs']) {
  execFileSync(process.execPath, [join(here, script), staging], { stdio: 'inherit' });
}
