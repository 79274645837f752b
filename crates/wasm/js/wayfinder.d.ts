// Types for Wayfinder's browser API (wayfinder.js). Every input and output is listed here.

export interface FileProgress {
  /** manifest.json, catalog.json, tensors.safetensors, model.onnx, tokenizer.json, ... */
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
}

export interface LoadOptions {
  /** The bundle directory (holding manifest.json). */
  bundleUrl: string;
  /** model.onnx; without it (and tokenizerUrl) goal text and search are unavailable. It
   *  loads after the bundle: `load` resolves without waiting for it. */
  modelUrl?: string;
  tokenizerUrl?: string;
  /** The bundle's files as they download (the model's go to `onModelState`). */
  onProgress?: (progress: FileProgress) => void;
  /** When the model loads: at once in the background after the bundle (default), or at the
   *  first call that needs it (goal text, search). Calls that need it wait for it. */
  loadModel?: 'background' | 'on-demand';
  /** Follows the model's loading (see `Recommender.modelState`). */
  onModelState?: (state: ModelState) => void;
  /** Keep the files in the Cache API (default true; a page whose service worker caches them can say false). */
  useCache?: boolean;
  /** Where worker.js is, when it is not beside wayfinder.js (bundlers find it without this). */
  workerUrl?: string | URL;
  /**
   * The engine's `.wasm` module (`wayfinder_wasm_bg.wasm`: the bundle's answers, no model), when
   * it is not beside worker.js (bundlers find it without this).
   */
  wasmUrl?: string | URL;
  /**
   * The embedder's `.wasm` module (the model's runtime, loaded with the model), when it is not
   * beside worker.js. By default the worker picks the relaxed-SIMD build
   * (`wayfinder_embed_relaxed_bg.wasm`) where the browser has relaxed SIMD, else the plain SIMD
   * build (`wayfinder_embed_bg.wasm`).
   */
  embedderWasmUrl?: string | URL;
}

/** The language model's loading, after the bundle's. */
export interface ModelState {
  state: 'loading' | 'preparing' | 'ready' | 'failed';
  /** While `loading`: the download of model.onnx or tokenizer.json. */
  progress?: FileProgress;
  /** When `failed`: why (`NETWORK`, `MODEL_MISMATCH`, `MODEL_INVALID`, ...). */
  code?: ErrorCode;
  message?: string;
}

/** Weights of the score parts, each finite and non-negative; any left out come from the
 * bundle's defaults (`manifest.ranking.weights`). */
export interface Weights {
  collaborative?: number;
  content?: number;
  goalText?: number;
  goalSkills?: number;
  unlocks?: number;
}

/** Skill name to level, from 0 to 1. */
export type SkillLevels = Record<string, number>;

export interface RecommendQuery {
  /** Completed course ids, oldest first. */
  completed?: string[];
  inProgress?: string[];
  /** Course id to rating (1 to 5). */
  ratings?: Record<string, number>;
  skills?: SkillLevels;
  goalText?: string;
  goalSkills?: SkillLevels;
  /** How many to return (1 to 1000, default 10). */
  k?: number;
  weights?: Weights;
  /** MMR lambda from 0 (most varied) to 1 (relevance only); default: the bundle's
   * (`manifest.ranking.diversity`, tuned on the site's data), else 0.9. */
  diversity?: number;
  /** Advising rules, each on unless set to false here. */
  rules?: Rules;
}

export interface Rules {
  /** Cross-listed or not-credited-together courses count as taken. */
  equivalents?: boolean;
  /** Alternatives at or below a completed member's level are not recommended. */
  outgrown?: boolean;
  /** At most one level above the highest completed (two with none); graduate only after upper-level work. */
  levels?: boolean;
  /** Topics, readings, independent study, theses, senior projects only after upper-level work. */
  standing?: boolean;
}

export interface ScoreParts {
  collaborative: number;
  content: number;
  goalText: number;
  goalSkills: number;
  unlocks: number;
}

export interface RecommendedCourse {
  id: string;
  title: string;
  credits: number;
  score: number;
  parts: ScoreParts;
  /** Plain-words reasons, strongest first; never empty. */
  explanation: string[];
  /** The same reasons as data, in the same order, for a site that words them itself. */
  reasons: Reason[];
}

/** A reason as data: a gap skill the course teaches, a completed course it resembles, the
 * learner's goal text, learners like them, courses it opens, or that it can be taken now. */
export type Reason =
  | { kind: 'gap_skill'; skills: string[] }
  | { kind: 'similar_to'; course: string }
  | { kind: 'goal_text' }
  | { kind: 'peers' }
  | { kind: 'unlocks'; courses: number }
  | { kind: 'ready'; prerequisites: boolean }
  /** Ranked down: everything it teaches, the completed course `from` already taught. */
  | { kind: 'already_have'; skills: string[]; from: string };

export interface RecommendAnswer {
  recommendations: RecommendedCourse[];
  /** Ids in the query that are not in the catalog (ignored). */
  unknownCourses: string[];
  /** How many courses were ready to take. */
  candidates: number;
}

export interface PathQuery {
  targetSkills: string[];
  completed?: string[];
  skills?: SkillLevels;
  maxCreditsPerTerm?: number;
  minimize?: 'courses' | 'credits';
}

export type PathReason =
  | { kind: 'teaches'; skills: string[] }
  | { kind: 'prerequisiteOf'; courses: string[] };

export interface PathStep {
  id: string;
  title: string;
  credits: number;
  /** Term from 0 when maxCreditsPerTerm was given. */
  term: number | null;
  /** Courses on the path this one comes after. */
  after: string[];
  reasons: PathReason[];
}

export interface PathAnswer {
  steps: PathStep[];
  terms: string[][];
  alreadyMet: string[];
  untaught: string[];
  unreachable: string[];
  totalCredits: number;
  unknownCourses: string[];
  /** Courses first chosen and then dropped as spare: their skills are taught on the path. */
  dropped: string[];
}

export interface GapParams {
  foundationalWeight?: number;
  minGap?: number;
  strengthLevel?: number;
  gainPerCourse?: number;
}

export interface GapsQuery {
  skills?: SkillLevels;
  /** Completed course ids: the skills they teach count as the learner's. */
  completed?: string[];
  goalProfile?: SkillLevels;
  params?: GapParams;
}

export interface SkillGap {
  skill: string;
  current: number;
  required: number;
  gap: number;
  priority: number;
  foundational: boolean;
}

export interface GapAnalysis {
  gaps: SkillGap[];
  strengths: { skill: string; level: number }[];
  readiness: number;
  estimatedCourses: number;
}

export interface ScoredCourse {
  id: string;
  title: string;
  score: number;
}

export interface PrerequisiteGroup {
  anyOf: string[];
  concurrent: boolean;
  /** Inferred (from skills or from the course texts) rather than listed by the school. */
  inferred: boolean;
  /** The skill a group was inferred from, for groups inferred from skills. */
  inferredFrom: string | null;
  /** Alternatives the school lists that this catalog does not hold; they never satisfy the group. */
  notInCatalog?: string[];
}

export interface CourseView {
  id: string;
  title: string;
  description: string;
  tags: string[];
  credits: number;
  level: number | null;
  teaches: string[];
  requires: string[];
  prerequisites: PrerequisiteGroup[];
  unlocks: string[];
}

export interface CourseSummary {
  id: string;
  title: string;
  credits: number;
  level: number | null;
  tags: string[];
  hasPrerequisites: boolean;
}

export interface Edge {
  course: string;
  prerequisite: string;
  group: number;
  inferred: boolean;
  skill: string | null;
  concurrent: boolean;
  score: number;
}

export interface GraphAnswer {
  edges: Edge[];
  cycles: string[][];
}

export interface FileEntry { sha256: string; bytes: number }

export interface Manifest {
  format: string;
  version: number;
  created: string;
  counts: Record<string, number>;
  files: Record<string, FileEntry>;
  embedder: { name: string; model_sha256: string; tokenizer_sha256: string } | null;
  embedding_storage: 'f32' | 'f16' | 'int8';
  model: Record<string, unknown> | null;
  evaluation: unknown;
  /** Ranking defaults the pipeline chose on validation data (absent: built-in fallback). */
  ranking?: RankDefaults;
  /** The Wayfinder version that wrote the bundle; a module of another series, or older than
   *  this, refuses it with `BUNDLE_VERSION` (absent in bundles written before it was recorded). */
  module_version?: string;
  /** The minimum cohort: courses that fewer learners took ship no collaborative data
   *  (docs/privacy.md); their ids are listed when there are at most 1,000. */
  privacy?: { min_cohort: number; courses_below_min_cohort: number; below_min_cohort?: string[] };
}

export interface RankDefaults {
  weights: Required<Weights>;
  diversity: number;
  /** The MF model's share of the collaborative part when the bundle also has item neighbours. */
  mfShare: number;
  /** How much a course teaching only what completed courses taught is ranked down (0 to 1). */
  redundancy: number;
}

/** What went wrong, stable across versions (new codes may be added; none changes meaning).
 * - `CATALOG_INVALID`: the bundle's catalog breaks a rule (duplicate id, unknown prerequisite, cycle).
 * - `UNKNOWN_COURSE`: a course id the catalog does not hold (the message names it).
 * - `INVALID_PARAMETER`: a query field out of range or of the wrong type, or an unknown field (named).
 * - `DATA_INVALID`: a line of an input file that cannot be read.
 * - `NO_DATA`: nothing to work on.
 * - `MODEL_INVALID`: the model or tokenizer file cannot be read.
 * - `MODEL_MISMATCH`: the model is not the one that embedded this bundle's catalog.
 * - `MODEL_REQUIRED`: goal text or search asked of a recommender loaded without the model.
 * - `BUNDLE_CORRUPT`: a bundle file is missing, truncated, replaced or malformed.
 * - `BUNDLE_VERSION`: the bundle was written for another version of Wayfinder.
 * - `NOT_LOADED`: a call before the bundle finished loading, or after a crash.
 * - `NETWORK`: a file could not be fetched (offline, or an HTTP error).
 * - `OUT_OF_MEMORY`: the device ran out of memory. After a call (not `load`), the
 *   Recommender replaces its worker by itself (`restarted` on the error, then `onRestart`).
 * - `INTERNAL`: a bug in Wayfinder; after a trap the worker is replaced the same way. */
export type ErrorCode =
  | 'CATALOG_INVALID'
  | 'UNKNOWN_COURSE'
  | 'INVALID_PARAMETER'
  | 'DATA_INVALID'
  | 'NO_DATA'
  | 'MODEL_INVALID'
  | 'MODEL_MISMATCH'
  | 'BUNDLE_CORRUPT'
  | 'BUNDLE_VERSION'
  | 'INTERNAL'
  | 'MODEL_REQUIRED'
  | 'NOT_LOADED'
  | 'NETWORK'
  | 'OUT_OF_MEMORY'
  /** `load` in a browser without WebAssembly SIMD, which the module needs (the message names it). */
  | 'UNSUPPORTED_BROWSER';

/** Every promise of a Recommender rejects with this: branch on `code`, show `message`. */
export declare class WayfinderError extends Error {
  readonly name: 'WayfinderError';
  readonly code: ErrorCode;
  /** For `NETWORK`, the HTTP status when the server answered with an error (404: a file is
   *  missing on the server); absent when the request itself failed (offline). */
  readonly status?: number;
  /** True when the worker's WebAssembly instance trapped (an internal error, or memory run
   *  out) on this call: the Recommender is starting a new worker, and later calls wait for it. */
  readonly restarted?: boolean;
  constructor(code: ErrorCode, message: string, status?: number);
}

/** The recommender, running in a Web Worker. Make one with `Recommender.load`; every call
 * takes the learner's state as an argument and nothing is kept between calls. Every method
 * returns a promise that rejects with a `WayfinderError`. */
export declare class Recommender {
  /** Use `Recommender.load`. */
  private constructor(worker: Worker);
  /** Starts the worker, fetches the bundle and checks every file against the manifest's
   * sha256, and resolves as soon as the bundle answers. Rejects with `NETWORK`,
   * `BUNDLE_CORRUPT`, `BUNDLE_VERSION` or `CATALOG_INVALID`. The model and tokenizer, when
   * given, load after it (`loadModel`); a model that is not the one that embedded the catalog
   * fails them (`MODEL_MISMATCH`, `MODEL_INVALID`), not the bundle. */
  static load(options: LoadOptions): Promise<Recommender>;
  /** The model: 'none' (not given, or a bundle without embeddings), 'waiting' (on-demand and
   *  not asked for yet), then as `ModelState.state`. */
  readonly modelState: 'none' | 'waiting' | ModelState['state'];
  /** Called as the model loads. */
  onModelState: ((state: ModelState) => void) | null;
  /** Loads the model now (with `loadModel: 'on-demand'`); resolves once goal text and search
   *  can be answered. Rejects with why it could not load, or `MODEL_REQUIRED` without one. */
  loadModel(): Promise<void>;
  /** The loaded bundle's manifest, and the name its files are cached under (the format
   * version and a hash of every file's sha256), set before `load` resolves. */
  readonly manifestInfo: { manifest: Manifest; cacheKey: string };
  /** How many times a new worker replaced one whose WebAssembly instance trapped. */
  readonly restarts: number;
  /** Called once a new worker has replaced one that trapped, with the failure's code and
   *  message, so the page can say so. Calls made meanwhile waited for it. */
  onRestart: ((info: { code: ErrorCode; message: string }) => void) | null;
  /**
   * Called when the worker refused a request to an origin `load` did not name, or broke its
   * Content-Security-Policy: `directive` is the rule (`connect-src`), `blocked` the origin or
   * URL. Unset, each is a `console.error`.
   */
  onViolation: ((violation: { where: 'worker'; directive: string; blocked: string }) => void) | null;
  /** The next courses for a learner, ranked, diversified and explained. `k` 1 to 1000,
   * weights finite and non-negative, `diversity` 0 to 1, skill levels 0 to 1, ratings 1 to
   * 5. Unknown course ids are reported in `unknownCourses`, not thrown. Goal text waits for
   * the model while it loads. Rejects with `INVALID_PARAMETER`, `MODEL_REQUIRED` for goal text
   * without a model, or why the model could not load. */
  recommend(query?: RecommendQuery): Promise<RecommendAnswer>;
  /** The courses, in order (and in terms with `maxCreditsPerTerm` > 0), that teach the target
   * skills from what the learner has. Rejects with `INVALID_PARAMETER` (no targets, a
   * course above the term's credit limit). */
  learningPath(query: PathQuery): Promise<PathAnswer>;
  /** The learner's skill gaps against a goal profile (levels 0 to 1). Rejects with
   * `INVALID_PARAMETER`. */
  gaps(query: GapsQuery): Promise<GapAnalysis>;
  /** The `k` (1 to 1000) courses closest in content to one course. Rejects with
   * `UNKNOWN_COURSE` or `INVALID_PARAMETER`. */
  similar(courseId: string, k?: number): Promise<ScoredCourse[]>;
  /** The `k` (1 to 1000) courses closest in meaning to a text. Rejects with `MODEL_REQUIRED`
   * when loaded without the model, or `INVALID_PARAMETER`. */
  search(text: string, k?: number): Promise<ScoredCourse[]>;
  /** One course with its prerequisite groups and what it unlocks. Rejects with
   * `UNKNOWN_COURSE`. */
  course(id: string): Promise<CourseView>;
  /** Every course, in catalog order. */
  courses(): Promise<CourseSummary[]>;
  /** The prerequisite graph: listed and inferred edges, and cycles. */
  graph(): Promise<GraphAnswer>;
  /** The bundle's manifest (versions, files, the tuned ranking defaults). */
  manifest(): Promise<Manifest>;
  /** One text's embedding (384 numbers); for tests and benchmarks. Rejects with
   * `MODEL_REQUIRED`. */
  embedText(text: string): Promise<number[]>;
  /** Stops the worker; calls still waiting and any later call reject with `NOT_LOADED`. */
  terminate(): void;
}
