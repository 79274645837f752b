// Parity: for a dozen fixed learners, the browser module's recommendations for the demo
// bundle equal the native `wayfinder recommend` answers (same ids in the same order, scores
// within 1e-4, or 5e-4 with goal text: the browser's kernel rounds the model's activations
// to 16 bits, crates/kernels/src/wasm.rs, and its goal embedding is at cosine 0.9999998 or
// more to the native one, which moves a goal similarity by up to 6e-4 and by 1.2e-4 here). Needs pkg/ (make wasm), the model (make model), a bundle built by the CLI
// (WAYFINDER_BUNDLE) and the CLI (WAYFINDER_BIN); the Makefile's test-browser sets them up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, symlinkSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { startServer, launch } from './support.mjs';

const root = resolve(import.meta.dirname, '../..');
const bin = process.env.WAYFINDER_BIN ?? resolve(root, 'target/debug/wayfinder');
const bundle = process.env.WAYFINDER_BUNDLE ?? resolve(root, 'tests/browser/.bundle');
const learners = JSON.parse(readFileSync(resolve(import.meta.dirname, 'learners.json'), 'utf8'));

let server, browser, page, site;
before(async () => {
  // A throwaway site: the harness page beside links to pkg/, the model and the bundle.
  site = mkdtempSync(join(tmpdir(), 'wayfinder-parity-'));
  symlinkSync(resolve(root, 'pkg'), join(site, 'pkg'));
  symlinkSync(resolve(root, 'model'), join(site, 'model'));
  symlinkSync(bundle, join(site, 'bundle'));
  copyFileSync(resolve(import.meta.dirname, 'harness.html'), join(site, 'index.html'));
  copyFileSync(resolve(import.meta.dirname, 'harness.js'), join(site, 'harness.js'));
  copyFileSync(resolve(import.meta.dirname, 'trap-worker.js'), join(site, 'trap-worker.js'));
  server = await startServer(site);
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}index.html?bundle=/bundle/`);
  await page.evaluate(() => window.ready);
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (site) rmSync(site, { recursive: true });
});

const pairs = (o = {}) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(',');

function native(q) {
  const args = ['recommend', '--bundle', bundle, '--json', '--model', resolve(root, 'model'), '-k', String(q.k ?? 10)];
  if (q.completed) args.push('--completed', q.completed.join(','));
  if (q.inProgress) args.push('--in-progress', q.inProgress.join(','));
  if (q.ratings) args.push('--ratings', pairs(q.ratings));
  if (q.skills) args.push('--skills', pairs(q.skills));
  if (q.goalSkills) args.push('--goal-skills', pairs(q.goalSkills));
  if (q.goalText) args.push('--goal', q.goalText);
  if (q.diversity !== undefined) args.push('--lambda', String(q.diversity));
  if (q.weights) args.push('--weights', pairs(q.weights));
  const out = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(out.status, 0, `wayfinder ${args.join(' ')}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

for (const [i, q] of learners.entries()) {
  test(`learner ${i} gets the same recommendations in the browser as natively`, async () => {
    const expected = native(q);
    const got = await page.evaluate((query) => window.rec.recommend(query), q);
    assert.deepEqual(got.recommendations.map((r) => r.id), expected.recommendations.map((r) => r.id), JSON.stringify(q));
    const tolerance = q.goalText ? 5e-4 : 1e-4;
    for (const [a, b] of got.recommendations.map((r, j) => [r, expected.recommendations[j]])) {
      assert.ok(Math.abs(a.score - b.score) <= tolerance, `${a.id}: ${a.score} vs ${b.score}`);
      assert.deepEqual(a.explanation, b.explanation);
      assert.deepEqual(a.reasons, b.reasons);
      assert.equal(a.reasons.length, a.explanation.length);
    }
    assert.deepEqual(got.unknownCourses, expected.unknownCourses);
    assert.ok(got.recommendations.length > 0);
  });
}

test('bad arguments are typed errors that name the field', async () => {
  // Each rejection as `name code: message`, so one match checks the class, the code and the words.
  const failure = (call, ...args) => page.evaluate(([c, a]) => window.rec[c](...a).then(() => 'ok', (e) => `${e.name} ${e.code}: ${e.message}`), [call, args]);
  const message = (q) => failure('recommend', q);
  assert.match(await message({ k: 0 }), /^WayfinderError INVALID_PARAMETER: .*\bk\b/);
  assert.match(await message({ k: 'ten' }), /^WayfinderError INVALID_PARAMETER: .*recommend\.k/);
  assert.match(await message({ diversity: 3 }), /^WayfinderError INVALID_PARAMETER: .*diversity/);
  assert.match(await message({ weights: { content: -1 } }), /^WayfinderError INVALID_PARAMETER: .*weights\.content/);
  assert.match(await message({ skills: { sql: 7 } }), /^WayfinderError INVALID_PARAMETER: .*skills/);
  assert.match(await message({ colour: 'red' }), /^WayfinderError INVALID_PARAMETER: .*colour/);
  const unknown = await page.evaluate(() => window.rec.recommend({ completed: ['NOPE 1'] }));
  assert.deepEqual(unknown.unknownCourses, ['NOPE 1']);
  assert.match(await failure('course', 'NOPE 1'), /^WayfinderError UNKNOWN_COURSE: .*NOPE 1/);
  assert.match(await failure('similar', 'CS 101', 0), /^WayfinderError INVALID_PARAMETER: .*\bk\b/);
});

test('paths, gaps, search, similar and course pages answer', async () => {
  const path = await page.evaluate(() => window.rec.learningPath({ targetSkills: ['machine learning'], maxCreditsPerTerm: 10 }));
  assert.ok(path.steps.length >= 2 && path.terms.length >= 2, JSON.stringify(path));
  const gaps = await page.evaluate(() => window.rec.gaps({ skills: { python: 0.8 }, goalProfile: { python: 0.6, sql: 0.7 } }));
  assert.equal(gaps.gaps[0].skill, 'sql');
  const found = await page.evaluate(() => window.rec.search('learn to build websites', 5));
  assert.ok(found.some((c) => c.id.startsWith('WEB')), JSON.stringify(found));
  const similar = await page.evaluate(() => window.rec.similar('CS 101', 3));
  assert.equal(similar.length, 3);
  const course = await page.evaluate(() => window.rec.course('CS 101'));
  assert.ok(course.unlocks.length > 0);
});

// The model loads after the bundle: the bundle answers first, goal text waits for the model,
// and with 'on-demand' nothing is fetched until a call needs it.
test('the bundle answers before the model; goal text waits for it and then ranks as with it loaded at once', async () => {
  const context = await browser.newContext();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked = 0;
  await context.route('**/model/model.onnx', async (route) => { asked += 1; await held; await route.continue(); });
  const p = await context.newPage();
  await p.goto(`${server.url}index.html?bundle=/bundle/&loadModel=on-demand&cache=0`);
  await p.evaluate(() => window.ready);
  const q = { completed: ['CS 101'], k: 5 };
  const first = await p.evaluate((query) => window.rec.recommend(query), q);
  assert.equal(first.recommendations.length, 5);
  assert.equal(await p.evaluate(() => window.rec.modelState), 'waiting');
  assert.equal(asked, 0, 'the model was fetched before any call needed it');
  // Goal text asks for the model and waits; other calls are answered meanwhile.
  const withGoal = { ...q, goalText: 'machine learning' };
  const waiting = p.evaluate((query) => window.rec.recommend(query), withGoal);
  await p.waitForFunction(() => window.rec.modelState === 'loading');
  const path = await p.evaluate(() => window.rec.learningPath({ targetSkills: ['machine learning'] }));
  assert.ok(path.steps.length > 0);
  release();
  const answer = await waiting;
  assert.equal(asked, 1);
  assert.deepEqual(await p.evaluate(() => window.modelStates.filter((s, i, all) => s !== all[i - 1])), ['loading', 'preparing', 'ready']);
  const loadedAtOnce = await page.evaluate((query) => window.rec.recommend(query), withGoal);
  assert.deepEqual(answer.recommendations.map((r) => r.id), loadedAtOnce.recommendations.map((r) => r.id));
  await context.close();
});

test('a model that is not the one that embedded the catalog fails goal text and search with why, not the bundle', async () => {
  const context = await browser.newContext();
  await context.route('**/model/model.onnx', (route) => route.fulfill({ status: 200, body: 'not a model' }));
  const p = await context.newPage();
  await p.goto(`${server.url}index.html?bundle=/bundle/&cache=0`);
  await p.evaluate(() => window.ready);
  assert.equal((await p.evaluate(() => window.rec.recommend({ completed: ['CS 101'], k: 3 }))).recommendations.length, 3);
  const failed = await p.evaluate(() => window.rec.search('machine learning', 3).then(() => null, (e) => ({ code: e.code, message: e.message })));
  assert.equal(failed.code, 'MODEL_MISMATCH');
  assert.match(failed.message, /^search: the language model could not be loaded \(.*model/);
  assert.equal(await p.evaluate(() => window.rec.modelState), 'failed');
  await context.close();
});

// The TypeScript types (crates/wasm/js/wayfinder.d.ts) against what the module really takes
// and returns. A query holding every field the types declare must be accepted (the module
// refuses unknown fields), and every answer, written out as an object literal of its declared
// type, must pass `tsc --strict`, which refuses a field the types lack, a missing field and a
// wrong type. So a field added, renamed or dropped on either side fails here.
test('the TypeScript types match what the module takes and returns', async () => {
  const queries = {
    recommend: {
      completed: ['CS 101'], inProgress: ['MATH 101'], ratings: { 'CS 101': 5 }, skills: { python: 0.6 },
      goalText: 'data engineering', goalSkills: { sql: 0.8 }, k: 5,
      weights: { collaborative: 1, content: 0.3, goalText: 0.4, goalSkills: 0.5, unlocks: 0.1 }, diversity: 0.7,
      rules: { equivalents: true, outgrown: true, levels: true, standing: true },
    },
    path: { targetSkills: ['sql'], completed: ['CS 101'], skills: { python: 0.6 }, maxCreditsPerTerm: 10, minimize: 'credits' },
    gaps: {
      skills: { python: 0.6 }, completed: ['CS 101'], goalProfile: { sql: 0.8 },
      params: { foundationalWeight: 1.5, minGap: 0.05, strengthLevel: 0.7, gainPerCourse: 0.3 },
    },
  };
  const answers = await page.evaluate(async (q) => ({
    recommend: await window.rec.recommend(q.recommend),
    path: await window.rec.learningPath(q.path),
    gaps: await window.rec.gaps(q.gaps),
    similar: await window.rec.similar('CS 101', 3),
    search: await window.rec.search('learn to build websites', 3),
    course: await window.rec.course('CS 101'),
    courses: await window.rec.courses(),
    graph: await window.rec.graph(),
    manifest: await window.rec.manifest(),
    embedding: await window.rec.embedText('sql'),
  }), queries);
  const literal = (value) => JSON.stringify(value, null, 1);
  const declared = {
    recommendQuery: ['Required<RecommendQuery> & { weights: Required<Weights>; rules: Required<Rules> }', queries.recommend],
    pathQuery: ['Required<PathQuery>', queries.path],
    gapsQuery: ['Required<GapsQuery> & { params: Required<GapParams> }', queries.gaps],
    recommendAnswer: ['RecommendAnswer', answers.recommend],
    pathAnswer: ['PathAnswer', answers.path],
    gapAnalysis: ['GapAnalysis', answers.gaps],
    similar: ['ScoredCourse[]', answers.similar],
    search: ['ScoredCourse[]', answers.search],
    course: ['CourseView', answers.course],
    courses: ['CourseSummary[]', answers.courses],
    graph: ['GraphAnswer', answers.graph],
    manifest: ['Manifest', answers.manifest],
    embedding: ['number[]', answers.embedding],
  };
  const source = [
    "import type { RecommendQuery, Weights, Rules, RecommendAnswer, PathQuery, PathAnswer, GapsQuery, GapParams, GapAnalysis,",
    "  ScoredCourse, CourseView, CourseSummary, GraphAnswer, Manifest } from '../../crates/wasm/js/wayfinder.js';",
    ...Object.entries(declared).map(([name, [type, value]]) => `export const ${name}: ${type} = ${literal(value)};`),
  ].join('\n');
  const dir = mkdtempSync(join(import.meta.dirname, '.types-'));
  try {
    const file = join(dir, 'answers.ts');
    writeFileSync(file, source.replaceAll('../../crates/', '../../../crates/'));
    const tsc = spawnSync('npx', ['tsc', '--strict', '--noEmit', '--target', 'es2022', '--module', 'es2022',
      '--moduleResolution', 'bundler', '--lib', 'es2022,dom', file], { cwd: root, encoding: 'utf8' });
    assert.equal(tsc.status, 0, `the answers do not match wayfinder.d.ts:\n${tsc.stdout}${tsc.stderr}`);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

/** Runs `session(query)` in a page whose Recommender uses tests/browser/trap-worker.js. */
async function withTrappingWorker(session, { model = false } = {}) {
  const trapping = await browser.newPage();
  try {
    await trapping.goto(`${server.url}index.html?bundle=/bundle/&model=${model ? 1 : 0}&worker=/trap-worker.js`);
    await trapping.evaluate(() => window.ready);
    return await trapping.evaluate(session, { completed: ['CS 101'], k: 5 });
  } finally {
    await trapping.close();
  }
}

test('a trapped module is replaced by a new worker, and the calls after it are answered', async () => {
  const got = await withTrappingWorker(async (q) => {
    const rec = window.rec;
    const restarts = [];
    rec.onRestart = (info) => restarts.push(info);
    const before = await rec.recommend(q);
    const failure = await rec.recommend({ ...q, k: 777 }).then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message, restarted: e.restarted }));
    // Made while the new worker loads: it waits for it, and is answered.
    const after = await rec.recommend(q);
    return { before, failure, after, restarts, count: rec.restarts };
  });
  assert.deepEqual(got.failure, { name: 'WayfinderError', code: 'INTERNAL', message: 'unreachable executed', restarted: true });
  assert.deepEqual(got.after.recommendations.map((r) => r.id), got.before.recommendations.map((r) => r.id));
  assert.equal(got.count, 1);
  assert.deepEqual(got.restarts, [{ code: 'INTERNAL', message: 'unreachable executed' }]);
});

// The embedder module traps inside the engine's call to its encoder: the engine reports an
// ordinary error, and the worker still reports the call as trapped, since the embedder's
// instance is dead; the new worker loads both modules again.
test('a trapped embedder module is replaced as the engine is, and goal text works after it', async () => {
  const got = await withTrappingWorker(async (q) => {
    const rec = window.rec;
    const restarts = [];
    rec.onRestart = (info) => restarts.push(info);
    const before = await rec.recommend({ ...q, goalText: 'statistics' });
    const failure = await rec.recommend({ ...q, goalText: 'trap the embedder' }).then(() => null, (e) => ({ code: e.code, message: e.message, restarted: e.restarted }));
    const after = await rec.recommend({ ...q, goalText: 'statistics' });
    return { before, failure, after, restarts, count: rec.restarts };
  }, { model: true });
  assert.deepEqual(got.failure, { code: 'INTERNAL', message: 'internal error in the embedder: unreachable executed', restarted: true });
  assert.deepEqual(got.after.recommendations.map((r) => r.id), got.before.recommendations.map((r) => r.id));
  assert.equal(got.count, 1);
  assert.deepEqual(got.restarts, [{ code: 'INTERNAL', message: 'internal error in the embedder: unreachable executed' }]);
});

test('a module that runs out of memory says so, and is replaced like any trapped one', async () => {
  const got = await withTrappingWorker(async (q) => {
    const rec = window.rec;
    // Many course ids: reading them needs more memory than the module has free.
    const completed = Array.from({ length: 200_000 }, (_, i) => `NOPE ${i}`);
    const failure = await rec.recommend({ ...q, completed, k: 778 }).then(() => null, (e) => ({ code: e.code, message: e.message, restarted: e.restarted }));
    const after = await rec.recommend(q);
    return { failure, after: after.recommendations.length, count: rec.restarts };
  });
  assert.equal(got.failure.code, 'OUT_OF_MEMORY', JSON.stringify(got.failure));
  assert.match(got.failure.message, /^out of memory: an allocation of \d+ bytes failed$/);
  assert.equal(got.failure.restarted, true);
  assert.equal(got.after, 5);
  assert.equal(got.count, 1);
});

// The model's products run on whichever of the two matrix-product kernels (Wayfinder's or
// tract's own) the module's probe timed faster on this CPU, and the module says which.
test('the model runs on the kernel its probe found faster here, and says which', async () => {
  const p = await browser.newPage();
  await p.goto(`${server.url}index.html?bundle=/bundle/`);
  const got = await p.evaluate(async () => {
    const { default: init, Engine } = await import('/pkg/wayfinder_wasm.js');
    const { default: initEmbedder, Embedder, matmulKernel } = await import('/pkg/wayfinder_embed.js');
    await import('/pkg/wasm-file.js');
    await init({ module_or_path: '/pkg/wayfinder_wasm_bg.wasm' });
    await initEmbedder({ module_or_path: `/pkg/${self.WAYFINDER_WASM}` });
    const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const manifest = await bytes('/bundle/manifest.json');
    const files = {};
    for (const name of Object.keys(JSON.parse(new TextDecoder().decode(manifest)).files)) files[name] = await bytes(`/bundle/${name}`);
    const before = matmulKernel();
    const engine = new Engine(manifest, files);
    const embedder = new Embedder(manifest, await bytes('/model/model.onnx'), await bytes('/model/tokenizer.json'));
    engine.attachEncoder((text) => embedder.embed(text), embedder.modelSha256(), embedder.tokenizerSha256());
    const vector = engine.embedText('linear algebra for machine learning');
    return { before, after: matmulKernel(), norm: Math.hypot(...vector) };
  });
  await p.close();
  assert.equal(got.before.wayfinderMs, null, 'no probe before a model loads');
  const { kernel, wayfinderMs, tractMs } = got.after;
  assert.ok(wayfinderMs > 0 && tractMs > 0, JSON.stringify(got.after));
  assert.equal(kernel, wayfinderMs <= tractMs ? 'wayfinder_wasm_f32_16x4' : null, JSON.stringify(got.after));
  assert.ok(Math.abs(got.norm - 1) < 1e-4, `embedding norm ${got.norm}`);
});
