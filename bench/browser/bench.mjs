// Browser benchmark: `make bench-browser` (or `node bench/browser/bench.mjs` once pkg/, model/
// and www/bundle/ are built). It drives Debian's Chromium headless through playwright-core
// (never a downloaded browser) against a throwaway site served by scripts/serve.py on
// 127.0.0.1, prints a table (median, min, p90 in ms) and writes target/bench/browser.json.
//
// What it measures:
// - Cold start: a new browser context (empty HTTP cache and Cache API) loads bench.html, which
//   calls Recommender.load on the demo bundle, model and tokenizer and asks for one
//   recommendation without the goal text (which needs no model: `total` is navigation to that
//   answer), then the same with the goal text, which waits for the model loading in the
//   background (`goal answer`, since navigation). Split: page scripts, worker + wasm
//   (download, compile, instantiate), bundle files (network and Cache API writes), Engine
//   construction (bundle check), first answer. The split comes from probes wrapped around the worker's globals
//   (probe.js); the library is unchanged.
// - Warm start: the same, in a second page of that context (files come from the Cache API).
// - Query embedding on the page's main thread: tract (Engine.embedText: tokenize, model, pool)
//   against onnxruntime-web (wasm backend, one thread, SIMD, no proxy) on the same
//   model/model.onnx. Only session.run is timed for ort: its tokenization and pooling are left
//   out, which favours ort. Token ids come from Python `tokenizers` (truncation and padding
//   off). The two alternate per repetition. Engine and session creation are timed too.
// - recommend() on an Engine on the page (compute only) for a learner with 5 completed courses
//   and a goal text (embedded on every call), k=10, default diversity, over the demo bundle
//   and the UIUC bundle (UIUC_BUNDLE, default target/bench/uiuc-bundle) and the synthetic
//   100,000-course bundle (SCALE_BUNDLE, default target/bench/scale-bundle; make bench-scale),
//   each skipped when absent; and through the library's worker for the round trip, with and
//   without the goal text, after timing each bundle's load through the worker.
// - The embedding comparison again with Chromium's CPU throttled (THROTTLE, default 4, as
//   DevTools' "4x slowdown", a phone-class CPU; THROTTLED_REPS, default 10), rows marked
//   "(CPU 4x slower)". Chromium throttles a page's main thread only, not its workers, which is
//   why these rows run on the page.
//
// Settings (environment): PYTHON (with `tokenizers`, default python3), START_REPS (7),
// REPS (30), WARMUP (3), ENGINE_REPS (3), CHROMIUM (/usr/bin/chromium), PARTS (which
// measurements to run, default `start,embed,recommend`; `embed` alone is the quick loop for
// kernel work), WASM (the module to measure on the page, e.g. `wayfinder_embed_bg.wasm` for the
// plain-SIMD build; default: the one pkg/wasm-file.js picks for this browser). performance.now() is
// coarsened to 0.1 ms on a page that is not cross-origin isolated; every timed step is longer.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startServer, launch } from '../../tests/browser/support.mjs';

const root = resolve(import.meta.dirname, '../..');
const env = (name, fallback) => process.env[name] ?? fallback;
const PARTS = new Set(env('PARTS', 'start,embed,recommend').split(','));
const START_REPS = PARTS.has('start') ? Number(env('START_REPS', 7)) : 0;
// CPU throttling for the second embedding pass (DevTools' "4x slowdown"; 1 turns it off).
const THROTTLE = Number(env('THROTTLE', 4));
const THROTTLED_REPS = Number(env('THROTTLED_REPS', 10));
const settings = {
  reps: Number(env('REPS', 30)),
  warmup: Number(env('WARMUP', 3)),
  engineReps: Number(env('ENGINE_REPS', 3)),
  embed: PARTS.has('embed'),
  recommend: PARTS.has('recommend'),
  wasm: env('WASM', undefined),
};
const uiuc = resolve(root, env('UIUC_BUNDLE', 'target/bench/uiuc-bundle'));
const scale = resolve(root, env('SCALE_BUNDLE', 'target/bench/scale-bundle'));
const outFile = resolve(root, 'target/bench/browser.json');

// About 12, 16 and 128 tokens with [CLS] and [SEP]; the counts printed are Python's.
const TEXTS = [
  'I want to learn machine learning with Python and statistics',
  'Prepare me for a career in data science, databases and cloud computing work',
  'I am a second-year student who enjoys programming and mathematics. I would like to work on ' +
    'machine learning systems after graduating, so I want courses on probability, statistics, linear ' +
    'algebra and optimisation, and on how to build reliable software: data structures, algorithms, ' +
    'databases and distributed systems. I also care about the ethics of automated decisions and would ' +
    'like at least one course on fairness or privacy. Evening sections suit me best because I work ' +
    'part time, and I learn better from projects than from exams, so project-based courses are preferred. ' +
    'A seminar where I could present my own research ideas to other students would be welcome.',
];
const GOAL = TEXTS[0];

function tokenize(texts) {
  const script = `import json, sys
from tokenizers import Tokenizer
t = Tokenizer.from_file(sys.argv[1])
t.no_truncation()
t.no_padding()
print(json.dumps([t.encode(s).ids for s in json.load(sys.stdin)]))`;
  const python = env('PYTHON', 'python3');
  try {
    return JSON.parse(execFileSync(python, ['-c', script, join(root, 'model/tokenizer.json')], { input: JSON.stringify(texts), encoding: 'utf8' }));
  } catch (err) {
    throw new Error(`${python} could not tokenize (it needs \`pip install tokenizers\`; set PYTHON to choose the interpreter): ${err.message}`);
  }
}

// A learner with 5 completed courses spread over the catalog, and a goal.
function learner(bundleDir) {
  // A large catalog may be stored compressed (wayfinder build --compress-catalog).
  const plain = join(bundleDir, 'catalog.json');
  const json = existsSync(plain) ? readFileSync(plain, 'utf8') : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  const ids = JSON.parse(json).courses.map((c) => c.id);
  return { completed: [0, 1, 2, 3, 4].map((i) => ids[Math.floor((i * ids.length) / 5)]), goalText: GOAL, k: 10 };
}

// The page and everything it loads, as links in one folder for serve.py.
function makeSite(bundles) {
  const site = mkdtempSync(join(tmpdir(), 'wayfinder-bench-'));
  const links = { pkg: 'pkg', model: 'model', bench: 'bench/browser', ort: 'node_modules/onnxruntime-web/dist', 'index.html': 'bench/browser/bench.html' };
  for (const [name, target] of Object.entries(links)) symlinkSync(resolve(root, target), join(site, name));
  for (const b of bundles) symlinkSync(b.dir, join(site, b.url.slice(1, -1)));
  return site;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], p90: s[Math.ceil(0.9 * s.length) - 1], n: s.length, samples };
}

async function startRuns(browser, url, reps) {
  const runs = { cold: [], warm: [] };
  for (let i = 0; i < reps; i++) {
    const context = await browser.newContext();
    for (const kind of ['cold', 'warm']) {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('page error:', e.message));
      await page.goto(url);
      runs[kind].push(await page.evaluate(() => window.started));
      await page.close();
    }
    await context.close();
  }
  return runs;
}

const bundles = [{ name: 'demo', dir: join(root, 'www/bundle'), url: '/bundle/' }];
if (existsSync(join(uiuc, 'manifest.json'))) bundles.push({ name: 'UIUC', dir: uiuc, url: '/uiuc/' });
else console.log(`No UIUC bundle at ${uiuc} (set UIUC_BUNDLE): its recommend() measurement is skipped.`);
if (existsSync(join(scale, 'manifest.json'))) bundles.push({ name: '100k', dir: scale, url: '/scale/' });
else console.log(`No scale bundle at ${scale} (make bench-scale, or set SCALE_BUNDLE): its measurement is skipped.`);
for (const b of bundles) b.query = learner(b.dir);
const texts = tokenize(TEXTS).map((ids, i) => ({ text: TEXTS[i], ids }));
console.log(`Texts of ${texts.map((t) => t.ids.length).join(', ')} tokens; ${START_REPS} cold/warm starts, ${settings.reps} repetitions otherwise.`);

const site = makeSite(bundles);
const server = await startServer(site);
const browser = await launch();
let results, checks, chromium;
try {
  chromium = browser.version();
  const page = `${server.url}bench/bench.html`;
  const starts = await startRuns(browser, `${page}?start=${encodeURIComponent(JSON.stringify(bundles[0].query))}`, START_REPS);
  const context = await browser.newContext();
  const computePage = await context.newPage();
  computePage.on('pageerror', (e) => console.error('page error:', e.message));
  computePage.on('console', (m) => m.type() === 'error' && console.error('page console:', m.text()));
  await computePage.goto(page);
  const computed = await computePage.evaluate((args) => window.compute(args), { texts, bundles, ...settings });
  // A phone-class CPU: the same embedding comparison with Chromium's CPU throttled through
  // the DevTools protocol. Both run on this page's main thread: Chromium refuses to throttle
  // a worker ("Operation is only supported for pages, not workers").
  if (settings.embed && THROTTLE > 1) {
    const cdp = await context.newCDPSession(computePage);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
    const slow = await computePage.evaluate((args) => window.compute(args), {
      texts,
      bundles,
      ...settings,
      reps: THROTTLED_REPS,
      recommend: false,
      suffix: ` (CPU ${THROTTLE}x slower)`,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    Object.assign(computed.samples, slow.samples);
  }
  checks = { ...computed.checks, cachedFiles: { cold: starts.cold[0]?.cached, warm: starts.warm[0]?.cached } };
  results = {};
  for (const kind of START_REPS ? ['cold', 'warm'] : []) {
    for (const phase of Object.keys(starts[kind][0]).filter((p) => p !== 'cached')) {
      results[`${kind} start: ${phase}`] = stats(starts[kind].map((r) => r[phase]));
    }
  }
  for (const [label, samples] of Object.entries(computed.samples)) results[label] = stats(samples);
} finally {
  await browser.close();
  server.stop();
  rmSync(site, { recursive: true });
}

const ms = (x) => x.toFixed(1).padStart(9);
const width = Math.max(...Object.keys(results).map((l) => l.length));
console.log(`\n${'ms'.padEnd(width)}    median       min       p90    n`);
for (const [label, r] of Object.entries(results)) console.log(`${label.padEnd(width)} ${ms(r.median)} ${ms(r.min)} ${ms(r.p90)} ${String(r.n).padStart(4)}`);
console.log(`\nwasm module: ${checks.module}; matrix-product kernel: ${JSON.stringify(checks.kernel)}`);
console.log(`\ntract vs ort embedding cosine: ${JSON.stringify(checks.cosine)}; recommendations returned: ${JSON.stringify(checks.recommendations)}`);
console.log(`files from the Cache API: cold ${JSON.stringify(checks.cachedFiles.cold)}, warm ${JSON.stringify(checks.cachedFiles.warm)}`);

mkdirSync(resolve(outFile, '..'), { recursive: true });
const meta = { date: new Date().toISOString(), chromium, cpus: cpus().length, loadavg: loadavg(), ...settings, startReps: START_REPS };
writeFileSync(outFile, `${JSON.stringify({ meta, texts: texts.map((t) => ({ tokens: t.ids.length, text: t.text })), queries: Object.fromEntries(bundles.map((b) => [b.name, b.query])), checks, results }, null, 2)}\n`);
console.log(`wrote ${outFile}`);
