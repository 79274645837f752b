// Loads the recommender (the wasm module in its worker, the bundle and the model) and builds
// the page's index of the catalog: every course's details and the skill names to choose from.

export const SITE = new URL('../', import.meta.url);
export const FILES = {
  module: new URL('pkg/wayfinder.js', SITE).href,
  bundle: new URL('bundle/', SITE).href,
  model: new URL('model/model.onnx', SITE).href,
  tokenizer: new URL('model/tokenizer.json', SITE).href,
};

/**
 * Loads the bundle; `onProgress` gets the worker's {file, loaded, total, fromCache}. The
 * language model (goal text, search) loads after it, in the background: `model.subscribe`
 * follows it ({state, progress, message}), `model.ready()` says whether goal text counts yet.
 */
export async function loadEngine(onProgress) {
  let Recommender;
  try {
    ({ Recommender } = await import(FILES.module));
  } catch (err) {
    throw Object.assign(new Error(`pkg/wayfinder.js: the browser module could not be loaded (${err.message})`), {
      hint: 'Build it with `make wasm` (or run `make demo`, which builds everything).',
    });
  }
  // The service worker keeps the files offline, so the worker's own cache would be a second copy.
  const listeners = new Set();
  let last = null;
  const rec = await Recommender.load({
    bundleUrl: FILES.bundle,
    modelUrl: FILES.model,
    tokenizerUrl: FILES.tokenizer,
    useCache: false,
    onProgress,
    onModelState: (state) => {
      last = state;
      for (const listener of listeners) listener(state);
    },
  });
  const index = await buildIndex(rec);
  const model = {
    ready: () => rec.modelState === 'ready',
    /** The latest state ({state, progress, message}), then each change. */
    subscribe: (listener) => {
      listeners.add(listener);
      listener(last ?? { state: rec.modelState });
    },
  };
  return { rec, index, model };
}

async function buildIndex(rec) {
  const summaries = await rec.courses();
  const details = await Promise.all(summaries.map((c) => rec.course(c.id)));
  const byId = new Map(details.map((c) => [c.id, c]));
  const skills = new Set();
  for (const c of details) for (const s of [...c.teaches, ...c.requires]) skills.add(s);
  const taxonomy = await readTaxonomy(rec.manifestInfo.manifest);
  for (const list of Object.values(taxonomy.areas ?? {})) for (const s of list) skills.add(s);
  return {
    courses: details,
    byId,
    skills: [...skills].sort(),
    areas: taxonomy.areas ?? {},
    subjects: [...new Set(details.map((c) => c.id.split(/\s+/)[0]))].sort(),
    manifest: rec.manifestInfo.manifest,
    hasModel: Boolean(rec.manifestInfo.manifest.embedder),
  };
}

// The taxonomy is an optional bundle file; it names skill areas ("data engineering") whose
// skills a learner can adopt as targets.
async function readTaxonomy(manifest) {
  if (!manifest.files['taxonomy.json']) return {};
  try {
    const response = await fetch(new URL('taxonomy.json', FILES.bundle));
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

/** The skills a goal needs: those taught by the courses closest in meaning to its text. */
export async function skillsForGoal(rec, index, goalText, { courses = 4, max = 6 } = {}) {
  const hits = await rec.search(goalText, courses);
  const counts = new Map();
  hits.forEach((hit, rank) => {
    for (const skill of index.byId.get(hit.id)?.teaches ?? []) {
      counts.set(skill, (counts.get(skill) ?? 0) + hit.score / (rank + 1));
    }
  });
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, max).map(([s]) => s);
}
