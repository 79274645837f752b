// Wayfinder's page-side API: a promise-based client of the Web Worker in worker.js, so the
// page's main thread never runs the model. Learner data is passed to each call and never
// stored here or in the worker.

// An error from any Recommender call: `code` is stable (see ErrorCode in wayfinder.d.ts);
// the message names the course, file or field for people; `status` is the HTTP status of a
// NETWORK error the server answered.
export class WayfinderError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'WayfinderError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

// WebAssembly fixed-width SIMD, which both builds of the module need: a module of one SIMD
// instruction (i8x16.popcnt), the probe wasm-feature-detect uses.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Why this browser cannot run the module, or null when it can. */
export function unsupportedReason() {
  if (typeof WebAssembly !== 'object') return 'this browser has no WebAssembly';
  if (typeof Worker !== 'function') return 'this browser has no Web Workers';
  if (!WebAssembly.validate(SIMD_PROBE)) return 'this browser has no WebAssembly SIMD (Chrome 91, Firefox 89, Safari 16.4 and later have it)';
  return null;
}

function startWorker(workerUrl) {
  // The literal form is what bundlers recognise as a worker entry point.
  return workerUrl
    ? new Worker(workerUrl, { type: 'module' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

export class Recommender {
  #worker;
  #next = 0;
  #pending = new Map();
  /** What `load` was given, to start a new worker with after a trap. */
  #options;
  /** While a new worker loads after a trap: the calls made meanwhile wait for it. */
  #restarting = null;
  /** How many times the worker was restarted after a trap or running out of memory. */
  restarts = 0;
  /** Called with `{code, message}` once a new worker has replaced one that trapped. */
  onRestart = null;
  /** Called with `{where, directive, blocked}` when the worker refused a request (to an origin
   *  `load` did not name) or broke its Content-Security-Policy; unset, it is a console error. */
  onViolation = null;
  /** The language model (goal text and search), which loads after the bundle: 'none' (no
   *  model was given, or the bundle has no embeddings), 'waiting' (loadModel 'on-demand', not
   *  asked for yet), 'loading', 'preparing', 'ready' or 'failed'. */
  modelState = 'none';
  /** Called with `{state, progress, code, message}` as the model loads: `progress` is a
   *  FileProgress while downloading, `code` and `message` say why it failed. */
  onModelState = null;

  constructor(worker, options) {
    this.#options = options;
    this.#attach(worker);
  }

  #attach(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      if (data.violation) {
        if (this.onViolation) this.onViolation(data.violation);
        else console.error(`Wayfinder worker: refused ${data.violation.directive} to ${data.violation.blocked}`);
        return;
      }
      if (data.model) {
        this.modelState = data.model.state;
        this.onModelState?.(data.model);
        return;
      }
      const call = this.#pending.get(data.id);
      if (!call) return;
      if (data.progress) {
        call.onProgress?.(data.progress);
        return;
      }
      this.#pending.delete(data.id);
      if (!('error' in data)) {
        call.resolve(data.result);
        return;
      }
      const err = new WayfinderError(data.code ?? 'INTERNAL', data.error, data.status);
      // A trapped WebAssembly instance (a panic, or memory run out) cannot be trusted again:
      // the worker is replaced by a new one, loaded from the same files (from the cache).
      if (data.trapped && this.#options) {
        err.restarted = true;
        this.#restart(err);
      }
      call.reject(err);
    };
    worker.onerror = (event) => {
      for (const call of this.#pending.values()) call.reject(new WayfinderError('INTERNAL', event.message || 'worker failed'));
      this.#pending.clear();
    };
  }

  #restart(cause) {
    this.#worker.terminate();
    for (const call of this.#pending.values()) {
      call.reject(Object.assign(new WayfinderError(cause.code, cause.message), { restarted: true }));
    }
    this.#pending.clear();
    const { workerUrl, files, useCache, loadModel } = this.#options;
    this.#attach(startWorker(workerUrl));
    const reload = this.#send('load', [{ ...files, useCache, loadModel }]);
    this.#restarting = reload.then(
      (info) => {
        this.#loaded(info);
        this.restarts += 1;
        this.#restarting = null;
        this.onRestart?.({ code: cause.code, message: cause.message });
      },
      (err) => {
        // The files no longer load (the network is gone and nothing is cached): later calls
        // reject with why.
        this.#restarting = null;
        this.terminate();
        throw err;
      },
    );
    this.#restarting.catch(() => {}); // each waiting call reports it
  }

  /**
   * Starts the worker and loads the bundle (from the Cache API when present), and resolves
   * as soon as the bundle answers: recommendations, paths, gaps, courses and the graph need
   * no model. The model and tokenizer (goal text and search) load after it: at once in the
   * background (`loadModel: 'background'`, the default) or at the first call that needs them
   * (`'on-demand'`); such a call waits for them. `onModelState` follows their loading. URLs
   * are resolved against the page. `wasmUrl`, `embedderWasmUrl` and `workerUrl` override where
   * the two modules and the worker are; bundlers (Vite, webpack) find them without these,
   * since each is named by a literal `new URL('./file', import.meta.url)`.
   */
  static async load({ bundleUrl, modelUrl, tokenizerUrl, onProgress, onModelState, loadModel = 'background', useCache = true, workerUrl, wasmUrl, embedderWasmUrl } = {}) {
    if (!bundleUrl) throw new WayfinderError('INVALID_PARAMETER', 'bundleUrl: required');
    const unsupported = unsupportedReason();
    if (unsupported) throw new WayfinderError('UNSUPPORTED_BROWSER', `Wayfinder cannot run here: ${unsupported}`);
    const abs = (u) => (u ? new URL(u, globalThis.location?.href).href : undefined);
    const files = { bundleUrl: abs(bundleUrl), modelUrl: abs(modelUrl), tokenizerUrl: abs(tokenizerUrl), wasmUrl: abs(wasmUrl), embedderWasmUrl: abs(embedderWasmUrl) };
    const rec = new Recommender(startWorker(workerUrl), { workerUrl, files, useCache, loadModel });
    rec.onModelState = onModelState ?? null;
    try {
      rec.#loaded(await rec.#send('load', [{ ...files, useCache, loadModel }], onProgress));
    } catch (err) {
      rec.terminate();
      throw err;
    }
    return rec;
  }

  #loaded({ model, ...info }) {
    this.manifestInfo = info;
    this.modelState = { none: 'none', 'on-demand': 'waiting', background: 'loading' }[model];
  }

  /** Loads the model now (with 'on-demand'); resolves once goal text and search can be answered. */
  loadModel() { return this.#call('loadModel', []); }

  #call(method, args) {
    if (this.#restarting) {
      const after = this.#restarting.then(() => this.#send(method, args));
      return after.catch((err) => Promise.reject(new WayfinderError(err.code ?? 'INTERNAL', `${method}: the recommender could not be restarted (${err.message})`)));
    }
    return this.#send(method, args);
  }

  #send(method, args, onProgress) {
    if (!this.#worker) return Promise.reject(new WayfinderError('NOT_LOADED', `${method}: the recommender was terminated`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, method, args });
    });
  }

  recommend(query = {}) { return this.#call('recommend', [query]); }
  learningPath(query = {}) { return this.#call('learningPath', [query]); }
  gaps(query = {}) { return this.#call('gaps', [query]); }
  similar(courseId, k = 10) { return this.#call('similar', [courseId, k]); }
  search(text, k = 10) { return this.#call('search', [text, k]); }
  course(id) { return this.#call('course', [id]); }
  courses() { return this.#call('courses', []); }
  graph() { return this.#call('graph', []); }
  manifest() { return this.#call('manifest', []); }
  embedText(text) { return this.#call('embedText', [text]); }
  terminate() {
    this.#worker?.terminate();
    this.#worker = null;
    for (const call of this.#pending.values()) call.reject(new WayfinderError('NOT_LOADED', 'the recommender was terminated'));
    this.#pending.clear();
  }
}
