// The page side of the browser benchmark; bench.mjs drives it. With ?start=<query> the page
// loads the demo bundle through the library's worker as soon as it runs and answers the query
// (window.started). Otherwise bench.mjs calls window.compute, which times embedding (tract
// and onnxruntime-web) and recommend() on this page's main thread.
import { Recommender } from '/pkg/wayfinder.js';

const MODEL = '/model/model.onnx';
const TOKENIZER = '/model/tokenizer.json';

const load = (bundleUrl, options) => Recommender.load({ bundleUrl, modelUrl: MODEL, tokenizerUrl: TOKENIZER, ...options });

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function repeat(n, fn) {
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(await time(fn));
  return samples;
}

// Runs the functions in turn, in reverse order every other repetition, so that background
// load and cache state hit them alike. Samples by name.
async function interleaved(reps, fns) {
  const names = Object.keys(fns);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < reps; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) samples[name].push(await time(fns[name]));
  }
  return samples;
}

// Phases in ms; they add up to the total but for a few message hops.
async function start(query) {
  const loadCall = performance.now(); // since navigation start: HTML, bench.js, wayfinder.js
  const cached = new Set();
  const rec = await load('/bundle/', {
    workerUrl: '/bench/timed-worker.js',
    onProgress: (p) => p.fromCache && cached.add(p.file),
    onModelState: (m) => m.progress?.fromCache && cached.add(m.progress.file),
  });
  const loaded = performance.now();
  // The first answer needs no model (the learner has typed no goal yet); the model loads in
  // the background after it, and the goal's answer waits for it.
  const { goalText, ...withoutGoal } = query;
  await rec.recommend(withoutGoal);
  const total = performance.now();
  await rec.recommend({ ...withoutGoal, goalText });
  const goal = performance.now();
  rec.terminate();
  const w = rec.manifestInfo.timings;
  return {
    total,
    page: loadCall,
    'worker + wasm': w.wasmReady - performance.timeOrigin - loadCall,
    files: w.ioEnd - w.filesStart,
    engine: w.reply - w.ioEnd,
    'first answer': total - loaded,
    'goal answer (model loaded)': goal,
    cached: [...cached],
  };
}

const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());

async function bundleFiles(url) {
  const manifest = await bytes(`${url}manifest.json`);
  const files = {};
  for (const name of Object.keys(JSON.parse(new TextDecoder().decode(manifest)).files)) files[name] = await bytes(url + name);
  return { manifest, files };
}

// Cosine of tract's embedding and the mean of ort's token states: both ran the same model.
function agreement(vector, states) {
  const [, n, dim] = states.dims;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n * dim; i++) mean[i % dim] += states.data[i];
  const dot = mean.reduce((s, x, j) => s + x * vector[j], 0);
  return dot / Math.hypot(...mean) / Math.hypot(...vector);
}

// texts: [{text, ids}] with ids from Python tokenizers; bundles: [{name, url, query}], demo first.
// suffix: appended to every sample's name (bench.mjs runs a second pass with the CPU throttled).
async function compute({ texts, bundles, reps, warmup, engineReps, embed = true, recommend = true, wasm, suffix = '' }) {
  const { samples, checks } = await measure({ texts, bundles, reps, warmup, engineReps, embed, recommend, wasm });
  return { samples: Object.fromEntries(Object.entries(samples).map(([name, s]) => [name + suffix, s])), checks };
}

async function measure({ texts, bundles, reps, warmup, engineReps, embed, recommend, wasm }) {
  const { default: init, Engine } = await import('/pkg/wayfinder_wasm.js');
  const { default: initEmbedder, Embedder, matmulKernel } = await import('/pkg/wayfinder_embed.js');
  const ort = await import('/ort/ort.wasm.min.mjs');
  Object.assign(ort.env.wasm, { numThreads: 1, simd: true, proxy: false, wasmPaths: '/ort/' });
  const out = {};
  const checks = { cosine: {}, recommendations: {} };
  const [model, tokenizer, demo] = await Promise.all([bytes(MODEL), bytes(TOKENIZER), bundleFiles(bundles[0].url)]);

  // The embedder build the library's worker would pick in this browser (pkg/wasm-file.js).
  await import('/pkg/wasm-file.js');
  if (wasm) self.WAYFINDER_WASM = wasm;
  checks.module = self.WAYFINDER_WASM;
  out['engine: wasm init (once)'] = [await time(() => init({ module_or_path: '/pkg/wayfinder_wasm_bg.wasm' }))];
  out['tract: wasm init (once)'] = [await time(() => initEmbedder({ module_or_path: `/pkg/${self.WAYFINDER_WASM}` }))];
  out['tract: Engine, bundle only'] = await repeat(engineReps, () => new Engine(demo.manifest, demo.files).free());
  // The engine with the embedder attached, as the worker does once the model's files are here.
  const withModel = (b) => {
    const engine = new Engine(b.manifest, b.files);
    const embedder = new Embedder(b.manifest, model, tokenizer);
    engine.attachEncoder((text) => embedder.embed(text), embedder.modelSha256(), embedder.tokenizerSha256());
    return { engine, free: () => { engine.free(); embedder.free(); } };
  };
  out['tract: Engine, bundle + model'] = await repeat(engineReps, () => withModel(demo).free());
  const create = () => ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  let session;
  out['ort: first session (with wasm init, once)'] = [await time(async () => { session = await create(); })];
  out['ort: session creation'] = await repeat(engineReps, async () => (await create()).release());

  const demoEngine = withModel(demo);
  const { engine } = demoEngine;
  // The kernel the module's probe chose on this CPU, with its times (null: tract's own).
  checks.kernel = matmulKernel();
  const embedders = {};
  for (const { text, ids } of embed ? texts : []) {
    const tensor = (values) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, ids.length]);
    const feeds = { input_ids: tensor(ids), attention_mask: tensor(ids.map(() => 1)), token_type_ids: tensor(ids.map(() => 0)) };
    const tract = () => engine.embedText(text);
    const run = () => session.run(feeds);
    for (let i = 0; i < warmup; i++) {
      tract();
      await run();
    }
    checks.cosine[ids.length] = agreement(tract(), (await run())[session.outputNames[0]]);
    embedders[`embed ${ids.length} tokens: tract`] = tract;
    embedders[`embed ${ids.length} tokens: ort session.run`] = run;
  }
  Object.assign(out, await interleaved(reps, embedders));
  await session.release();

  if (!recommend) return { samples: out, checks };
  // The worker adds postMessage both ways and structured cloning to the same call: what a
  // page using the library waits for. Each bundle gets its own worker, loaded with the model
  // at once (the goal text needs it) and timed from the call to the answer.
  for (const [i, { name, url, query }] of bundles.entries()) {
    let rec;
    out[`load ${name} via worker (bundle + model, no cache)`] = [await time(async () => {
      rec = await load(url, { useCache: false });
      await rec.loadModel();
    })];
    const b = i === 0 ? demo : await bundleFiles(url);
    const loaded = i === 0 ? demoEngine : withModel(b);
    const e = loaded.engine;
    const { goalText, ...noGoal } = query;
    const calls = {
      [`recommend ${name}`]: () => e.recommend(query),
      [`recommend ${name}, no goal text`]: () => e.recommend(noGoal),
      [`recommend ${name} via worker`]: () => rec.recommend(query),
      [`recommend ${name} via worker, no goal text`]: () => rec.recommend(noGoal),
    };
    for (const call of Object.values(calls)) for (let j = 0; j < warmup; j++) await call();
    checks.recommendations[name] = e.recommend(query).recommendations.length;
    Object.assign(out, await interleaved(reps, calls));
    loaded.free();
    rec.terminate();
  }
  return { samples: out, checks };
}

const query = new URLSearchParams(location.search).get('start');
if (query) window.started = start(JSON.parse(query));
window.compute = compute;
