// A small typed use of the browser API; `tsc --noEmit` checks it against pkg/wayfinder.d.ts
// (copied there from crates/wasm/js by `make wasm`).
import { Recommender, WayfinderError, type ErrorCode, type RecommendQuery, type RecommendAnswer, type PathAnswer, type FileProgress, type ModelState } from '../../crates/wasm/js/wayfinder.js';

export async function example(): Promise<string[]> {
  const rec: Recommender = await Recommender.load({
    bundleUrl: 'bundle/',
    modelUrl: 'model/model.onnx',
    tokenizerUrl: 'model/tokenizer.json',
    onProgress: (p: FileProgress) => console.log(p.file, p.loaded, p.total, p.fromCache),
    loadModel: 'on-demand',
    onModelState: (m: ModelState) => console.log(m.state, m.progress?.loaded, m.code, m.message),
  });
  if (rec.modelState === 'waiting') await rec.loadModel();
  const query: RecommendQuery = {
    completed: ['CS 101'],
    ratings: { 'CS 101': 5 },
    skills: { python: 0.6 },
    goalText: 'I want to become a data engineer',
    goalSkills: { sql: 0.8 },
    k: 5,
    weights: { content: 0.3, goalText: 0.4 },
    diversity: 0.7,
  };
  const answer: RecommendAnswer = await rec.recommend(query);
  const path: PathAnswer = await rec.learningPath({ targetSkills: ['sql'], maxCreditsPerTerm: 10, minimize: 'credits' });
  const gaps = await rec.gaps({ skills: { python: 0.6 }, goalProfile: { sql: 0.8 } });
  const found = await rec.search('learn to build websites', 5);
  const course = await rec.course(answer.recommendations[0].id);
  rec.terminate();
  return [...answer.recommendations.map((r) => `${r.id}: ${r.explanation.join('; ')}`), ...path.steps.map((s) => s.id), String(gaps.readiness), ...found.map((c) => c.title), ...course.unlocks];
}

// A site branches on the error's code, never on its wording.
export async function searchOrNothing(rec: Recommender, text: string): Promise<string[]> {
  try {
    return (await rec.search(text, 5)).map((c) => c.id);
  } catch (err) {
    if (err instanceof WayfinderError && err.code === 'MODEL_REQUIRED') return [];
    throw err;
  }
}

export const retryable = (code: ErrorCode): boolean => code === 'NETWORK' || code === 'OUT_OF_MEMORY';

// @ts-expect-error: a Recommender comes from Recommender.load, never from `new`.
export const notAllowed = (): Recommender => new Recommender(new Worker('worker.js'));
