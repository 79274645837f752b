// Wayfinder's Web Worker: runs the wasm modules off the page's main thread: the engine, which
// answers from the bundle, and the embedder, which runs the embedding model and is loaded only
// with the model. Messages: {id, method, args} in; {id, result} or {id, error, code} out
// (`code` is one of the ErrorCode values in wayfinder.d.ts); progress while loading as
// {id, progress}; the model's loading, after the bundle's, as {model: {state, progress}}.
// The worker keeps no learner data: each call carries it.
import './wasm-file.js';
import init, { Engine, readManifest, lastPanic, lastRefusedAllocation } from './wayfinder_wasm.js';
import initEmbedder, {
  Embedder,
  lastPanic as embedderPanic,
  lastRefusedAllocation as embedderRefusedAllocation,
} from './wayfinder_embed.js';

let engine = null;

// The worker's network: its own origin and the origins of the files `load` is given, nothing
// else. Where the browser applies the worker script's Content-Security-Policy (connect-src),
// that policy says the same; Chromium 156 applied none to this module worker (a fetch to
// another origin went out: tests/e2e/privacy.test.js), so the worker keeps the rule itself.
// Each refused request, and each policy violation the browser reports here, goes to the page
// (`Recommender.onViolation`). `import()` is outside this guard; the policy covers it where
// the browser applies one.
const allowedOrigins = new Set([self.location.origin]);
function reportViolation(directive, blocked) {
  self.postMessage({ violation: { where: 'worker', directive, blocked } });
}
self.addEventListener('securitypolicyviolation', (e) => reportViolation(e.effectiveDirective || e.violatedDirective, e.blockedURI));
{
  const nativeFetch = self.fetch.bind(self);
  const fetch = (input, init) => {
    let url;
    try {
      url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
    } catch {
      return nativeFetch(input, init);
    }
    if (!allowedOrigins.has(url.origin)) {
      reportViolation('connect-src', url.origin);
      return Promise.reject(new TypeError(`the Wayfinder worker does not connect to ${url.origin}`));
    }
    return nativeFetch(input, init);
  };
  // The other ways to send a request, none of which the worker uses.
  const closed = ['XMLHttpRequest', 'WebSocket', 'EventSource', 'WebTransport', 'Worker', 'SharedWorker'];
  for (const holder of [self, ...['DedicatedWorkerGlobalScope', 'WorkerGlobalScope'].map((n) => self[n]?.prototype)]) {
    if (!holder) continue;
    if (Object.hasOwn(holder, 'fetch')) Object.defineProperty(holder, 'fetch', { value: fetch, writable: false, configurable: false });
    for (const name of closed) {
      if (Object.hasOwn(holder, name)) Object.defineProperty(holder, name, { value: undefined, writable: false, configurable: false });
    }
  }
}

// An Error carrying one of the stable codes the page branches on, and for a file the server
// answered with an HTTP error, its status.
function failure(code, message, cause, status) {
  const err = new Error(message, cause ? { cause } : undefined);
  err.code = code;
  if (status !== undefined) err.status = status;
  return err;
}
let ready = null;

// The worker's own caches (`wayfinder-v<format>-<hash>`, see Manifest::cache_key); the planner's
// service worker keeps `wayfinder-site-*`, which the worker never touches.
const OWN_CACHE = /^wayfinder-v\d+-[0-9a-f]+$/;

async function readBody(response, file, total, fromCache, progress) {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    progress({ file, loaded: bytes.length, total: bytes.length, fromCache });
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    progress({ file, loaded, total: Math.max(total, loaded), fromCache });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  progress({ file, loaded, total: loaded, fromCache });
  return bytes;
}

// Fetches a file with progress; with a cache, answers from it when it has the file and stores
// what the network sent. Integrity is checked by the engine against the manifest's sha256.
async function fetchFile(url, file, expected, cache, progress) {
  let response = cache ? await cache.match(url) : undefined;
  const fromCache = Boolean(response);
  if (!response) {
    try {
      response = await fetch(url);
    } catch (err) {
      throw failure('NETWORK', `${file}: cannot be fetched from ${url} (${err.message})`, err);
    }
    if (!response.ok) throw failure('NETWORK', `${file}: HTTP ${response.status} for ${url}`, undefined, response.status);
  }
  const total = Number(response.headers.get('content-length')) || expected || 0;
  const bytes = await readBody(response, file, total, fromCache, progress);
  if (cache && !fromCache) {
    await cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
  }
  return bytes;
}

// The Cache API, or null where the browser refuses it (a frame on another site when the
// browser blocks third-party storage, a private window): then every file comes from the network.
async function openCache(name) {
  if (!('caches' in self)) return null;
  try {
    return await caches.open(name);
  } catch {
    return null;
  }
}

// Every module file named literally, so that a bundler copies them and rewrites the URLs: the
// engine's, and the embedder's two builds, of which the one this browser runs is picked at run
// time (wasm-file.js).
const ENGINE_WASM = new URL('./wayfinder_wasm_bg.wasm', import.meta.url);
const EMBEDDER_WASM = {
  'wayfinder_embed_bg.wasm': new URL('./wayfinder_embed_bg.wasm', import.meta.url),
  'wayfinder_embed_relaxed_bg.wasm': new URL('./wayfinder_embed_relaxed_bg.wasm', import.meta.url),
};
let embedderReady = null;
// Set when the embedder module trapped inside a call (a panic, or memory ran out): its
// instance is dead, so the worker reports the call as trapped and the page starts a new one.
let embedderTrap = null;

// What a module's trap says: out of memory when its allocator noted a refused allocation (Rust
// answers one with an abort that never reaches the panic hook; lib.rs, `recording`), else its
// panic, else `otherwise`.
function trapReport(refused, panic, prefix, otherwise) {
  if (refused) return { code: 'OUT_OF_MEMORY', message: `out of memory: an allocation of ${refused} bytes failed` };
  return { code: 'INTERNAL', message: panic ? `${prefix}: ${panic}` : otherwise };
}

// The engine's encoder: the embedder module's `embed`, noting a trap for the message handler.
function encoderOf(embedder) {
  return (text) => {
    try {
      return embedder.embed(text);
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) {
        embedderTrap = trapReport(embedderRefusedAllocation(), embedderPanic(), 'internal error in the embedder', `internal error in the embedder: ${err.message}`);
        throw failure('INTERNAL', embedderTrap.message);
      }
      throw err;
    }
  };
}

// The model and tokenizer: fetched and attached after the bundle, so that everything but goal
// text and search answers without them. `model` is null until they are asked for; then the
// promise of their loading, which the page hears of as {model: {state, ...}} messages.
let modelSource = null;
let model = null;
// Parsing the model holds the worker for about a second. Loaded in the background, it waits
// until the page's calls have paused (the first answers come first), unless a call needs it.
let lastCall = 0;
let modelWanted = false;
const IDLE_MS = 150;

async function pageIsIdle() {
  while (!modelWanted && performance.now() - lastCall < IDLE_MS) await new Promise((r) => setTimeout(r, IDLE_MS));
}

function loadModel() {
  if (model) return model;
  const { modelUrl, tokenizerUrl, cache, manifestBytes, embedderWasmUrl } = modelSource;
  const tell = (state) => self.postMessage({ model: state });
  const progress = (p) => tell({ state: 'loading', progress: p });
  tell({ state: 'loading' });
  model = (async () => {
    // The embedder module compiles while the model's files arrive.
    if (!embedderReady) {
      embedderReady = initEmbedder({ module_or_path: embedderWasmUrl ?? EMBEDDER_WASM[self.WAYFINDER_WASM] });
      embedderReady.catch(() => {}); // awaited below, after the files
    }
    const bytes = await fetchFile(modelUrl, 'model.onnx', 0, cache, progress);
    const tokenizer = await fetchFile(tokenizerUrl, 'tokenizer.json', 0, cache, progress);
    await embedderReady;
    await pageIsIdle();
    tell({ state: 'preparing' });
    const embedder = new Embedder(manifestBytes, bytes, tokenizer);
    engine.attachEncoder(encoderOf(embedder), embedder.modelSha256(), embedder.tokenizerSha256());
  })().then(
    () => tell({ state: 'ready' }),
    (err) => {
      tell({ state: 'failed', code: err?.code ?? 'INTERNAL', message: err?.message ?? String(err) });
      throw err;
    },
  );
  model.catch(() => {}); // each call that needs the model reports the failure
  return model;
}

async function load({ bundleUrl, modelUrl, tokenizerUrl, wasmUrl, embedderWasmUrl, useCache = true, loadModel: when = 'background' }, progress) {
  if (!['background', 'on-demand'].includes(when)) throw failure('INVALID_PARAMETER', `loadModel: expected 'background' or 'on-demand', got ${JSON.stringify(when)}`);
  if (Boolean(modelUrl) !== Boolean(tokenizerUrl)) throw failure('INVALID_PARAMETER', 'modelUrl and tokenizerUrl: give both or neither');
  // The files' origins are the site's choice (a CDN, say): the only others the worker may reach.
  for (const url of [bundleUrl, modelUrl, tokenizerUrl, wasmUrl, embedderWasmUrl]) {
    if (url) allowedOrigins.add(new URL(String(url), self.location.href).origin);
  }
  await (ready ??= init({ module_or_path: wasmUrl ?? ENGINE_WASM }));
  const base = bundleUrl.endsWith('/') ? bundleUrl : `${bundleUrl}/`;
  // The manifest itself comes from the network when it can (it names the current version),
  // and from any Wayfinder cache when offline.
  let manifestBytes;
  try {
    manifestBytes = await fetchFile(`${base}manifest.json`, 'manifest.json', 0, null, progress);
  } catch (err) {
    const cached = useCache && 'caches' in self ? await caches.match(`${base}manifest.json`).catch(() => undefined) : undefined;
    if (!cached) throw err;
    manifestBytes = new Uint8Array(await cached.arrayBuffer());
  }
  const { manifest, cacheKey } = readManifest(manifestBytes);
  const cache = useCache ? await openCache(cacheKey) : null;
  if (cache) {
    await cache.put(`${base}manifest.json`, new Response(manifestBytes));
    for (const name of await caches.keys()) {
      if (OWN_CACHE.test(name) && name !== cacheKey) await caches.delete(name);
    }
  }
  const files = {};
  for (const [name, entry] of Object.entries(manifest.files)) {
    files[name] = await fetchFile(`${base}${name}`, name, entry.bytes, cache, progress);
  }
  try {
    engine = new Engine(manifestBytes, files);
  } catch (err) {
    // A corrupt or mismatched file must not be served from the cache next time.
    if (cache) await caches.delete(cacheKey);
    throw err;
  }
  // A bundle without embeddings has no use for the model.
  modelSource = modelUrl && manifest.embedder ? { modelUrl, tokenizerUrl, cache, manifestBytes, embedderWasmUrl } : null;
  model = null;
  modelWanted = false;
  if (modelSource && when === 'background') setTimeout(loadModel, 0);
  return { manifest, cacheKey, model: modelSource ? when : 'none' };
}

// A call that needs the model (goal text, search) while it is not attached yet waits for it,
// then runs again; which calls need it is the engine's rule (MODEL_REQUIRED), not this file's.
async function run(method, args) {
  try {
    return await methods[method](...args);
  } catch (err) {
    if (err?.code !== 'MODEL_REQUIRED' || !modelSource || method === 'loadModel') throw err;
    modelWanted = true;
    try {
      await loadModel();
    } catch (cause) {
      throw failure(cause?.code ?? 'INTERNAL', `${method}: the language model could not be loaded (${cause?.message ?? cause})`, cause, cause?.status);
    }
    return methods[method](...args);
  }
}

const methods = {
  recommend: (q) => engine.recommend(q),
  learningPath: (q) => engine.learningPath(q),
  gaps: (q) => engine.gaps(q),
  similar: (id, k) => engine.similar(id, k),
  search: (text, k) => engine.search(text, k),
  course: (id) => engine.course(id),
  courses: () => engine.courses(),
  graph: () => engine.graph(),
  manifest: () => engine.manifest(),
  embedText: (text) => Array.from(engine.embedText(text)),
  loadModel: async () => {
    if (!modelSource) throw failure('MODEL_REQUIRED', 'loadModel: this recommender was loaded without a model, or its bundle has no embeddings');
    modelWanted = true;
    await loadModel();
  },
};

self.onmessage = async ({ data: { id, method, args } }) => {
  lastCall = performance.now();
  try {
    let result;
    if (method === 'load') {
      result = await load(args[0], (progress) => self.postMessage({ id, progress }));
    } else if (!engine) {
      throw failure('NOT_LOADED', `${method}: the recommender is not loaded`);
    } else if (!(method in methods)) {
      throw failure('INVALID_PARAMETER', `unknown method ${method}`);
    } else {
      result = await run(method, args);
    }
    self.postMessage({ id, result });
  } catch (err) {
    // A Rust panic aborts as a WebAssembly trap; report its message and drop the engine,
    // whose memory can no longer be trusted. A trap of the embedder module reaches here as the engine's ordinary error (its encoder
    // failed); `embedderTrap` says the embedder instance is dead all the same.
    const engineTrap = err instanceof WebAssembly.RuntimeError;
    const trap = engineTrap || Boolean(embedderTrap);
    if (trap) engine = null;
    const report = embedderTrap ?? (engineTrap ? trapReport(lastRefusedAllocation(), lastPanic(), 'internal error', err.message || String(err)) : null);
    const message = report?.message ?? ((err && err.message) || String(err));
    // Memory runs out as a RangeError from the JS side, or as a trap after Rust's allocator
    // gave up (noted above, or a panic naming the allocation or capacity).
    const outOfMemory = report?.code === 'OUT_OF_MEMORY' || err instanceof RangeError || /memory allocation|capacity overflow|out of memory/i.test(message);
    const code = embedderTrap?.code ?? err?.code ?? (outOfMemory ? 'OUT_OF_MEMORY' : 'INTERNAL');
    // `trapped`: this instance is dead; the page starts a new worker (wayfinder.js).
    self.postMessage({ id, error: message, code, status: err?.status, trapped: trap || undefined });
  }
};
