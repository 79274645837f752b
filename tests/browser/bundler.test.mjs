// The package under a bundler: a tiny app imports `wayfinder-recommender` (pkg/, installed
// into the app's node_modules as npm would, so its package.json `exports` are what resolves),
// Vite builds it in production mode with no Wayfinder-specific configuration, and the built
// app recommends in Chromium. The worker and the `.wasm` module must come from Vite's hashed
// assets, which shows that Vite followed the package's references to them. Needs pkg/
// (make wasm) and the demo bundle (make test-bundle).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { startServer, launch } from './support.mjs';

const root = resolve(import.meta.dirname, '../..');
const bundle = process.env.WAYFINDER_BUNDLE ?? resolve(root, 'tests/browser/.bundle');
const app = mkdtempSync(join(tmpdir(), 'wayfinder-vite-'));
let server;
let browser;

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(app, { recursive: true, force: true });
});

const MAIN = `import { Recommender, WayfinderError } from 'wayfinder-recommender';

(async () => {
  try {
    const rec = await Recommender.load({ bundleUrl: './bundle/' });
    const answer = await rec.recommend({ completed: ['CS 101'], k: 5 });
    document.body.dataset.result = JSON.stringify(answer.recommendations.map((r) => r.id));
    await rec.course('NOPE 999').catch((err) => { document.body.dataset.error = err instanceof WayfinderError ? err.code : String(err); });
  } catch (err) {
    document.body.dataset.failure = String(err?.message ?? err);
  }
})();
`;

test('a Vite production build of an app that imports the package recommends', { timeout: 300_000 }, async () => {
  // The package as npm installs it: the files package.json lists, and package.json itself.
  const pkg = JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8'));
  const installed = join(app, 'node_modules', pkg.name);
  mkdirSync(installed, { recursive: true });
  for (const file of [...pkg.files, 'package.json']) cpSync(join(root, 'pkg', file), join(installed, file));
  writeFileSync(join(app, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>Vite app</title><script type="module" src="/main.js"></script></head><body></body></html>');
  writeFileSync(join(app, 'main.js'), MAIN);

  await build({ root: app, logLevel: 'warn', configFile: false, build: { outDir: join(app, 'dist') } });
  cpSync(bundle, join(app, 'dist/bundle'), { recursive: true });

  server = await startServer(join(app, 'dist'));
  browser = await launch();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.result || document.body.dataset.failure, null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('body', 'data-failure'), null);
  const ids = JSON.parse(await page.getAttribute('body', 'data-result'));
  assert.equal(ids.length, 5);
  assert.ok(!ids.includes('CS 101'), `a completed course came back: ${ids}`);
  await page.waitForFunction(() => document.body.dataset.error);
  assert.equal(await page.getAttribute('body', 'data-error'), 'UNKNOWN_COURSE');
  assert.deepEqual(errors, []);

  // The worker and the module came from Vite's output, under hashed names.
  const served = server.log.filter((e) => e.status === 200).map((e) => e.target);
  assert.ok(served.some((t) => /^\/assets\/worker-[\w-]+\.js$/.test(t)), `no bundled worker in ${served}`);
  assert.ok(served.some((t) => /^\/assets\/wayfinder_wasm_bg-[\w-]+\.wasm$/.test(t)), `no bundled .wasm in ${served}`);
});

test("the package's version is the workspace's", () => {
  const pkg = JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8'));
  const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const version = cargo.match(/\[workspace\.package\][^[]*?\nversion = "([^"]+)"/)[1];
  assert.equal(pkg.version, version);
  for (const file of pkg.files) assert.ok(Object.values(pkg.exports).some((e) => e === `./${file}` || e?.import === `./${file}` || e?.types === `./${file}`) || file.endsWith('.d.ts'), `${file} is not exported`);
});
