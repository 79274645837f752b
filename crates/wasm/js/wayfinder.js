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

export class Recommender {
  #worker;
  #next = 0;
  #pending = new Map();

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      const call = this.#pending.get(data.id);
      if (!call) return;
      if (data.progress) {
        call.onProgress?.(data.progress);
        return;
      }
      this.#pending.delete(data.id);
      if ('error' in data) call.reject(new WayfinderError(data.code ?? 'INTERNAL', data.error, data.status));
      else call.resolve(data.result);
    };
    worker.onerror = (event) => {
      for (const call of this.#pending.values()) call.reject(new WayfinderError('INTERNAL', event.message || 'worker failed'));
      this.#pending.clear();
    };
  }

  /**
   * Starts the worker and loads the bundle, model and tokenizer (from the Cache API when
   * present). URLs are resolved against the page. `wasmUrl` and `workerUrl` override where
   * the module and the worker are; bundlers (Vite, webpack) find both without them, since
   * each is named by a literal `new URL('./file', import.meta.url)`.
   */
  static async load({ bundleUrl, modelUrl, tokenizerUrl, onProgress, useCache = true, workerUrl, wasmUrl } = {}) {
    if (!bundleUrl) throw new WayfinderError('INVALID_PARAMETER', 'bundleUrl: required');
    // The literal form is what bundlers recognise as a worker entry point.
    const worker = workerUrl
      ? new Worker(workerUrl, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const rec = new Recommender(worker);
    const abs = (u) => (u ? new URL(u, globalThis.location?.href).href : undefined);
    const files = { bundleUrl: abs(bundleUrl), modelUrl: abs(modelUrl), tokenizerUrl: abs(tokenizerUrl), wasmUrl: abs(wasmUrl) };
    const info = await rec.#call('load', [{ ...files, useCache }], onProgress);
    rec.manifestInfo = info;
    return rec;
  }

  #call(method, args, onProgress) {
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
