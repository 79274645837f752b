// The learner's profile: its shape, its checks (an imported file is checked field by field
// before it replaces anything), and the queries it becomes for the recommender.

export const EXPORT_FORMAT = 'wayfinder-profile';
export const EXPORT_VERSION = 1;
/** The level a target skill asks for, on the 0-1 scale of skill levels. */
export const TARGET_LEVEL = 0.8;

export function emptyProfile() {
  return { completed: [], ratings: {}, skills: {}, goalText: '', targetSkills: [], creditsPerTerm: 12 };
}

function fail(field, message) {
  throw new Error(`${field}: ${message}`);
}

/** Bounds on what a profile may hold: far above a learner's (a degree is 40 courses), small
 *  enough that a hostile import cannot fill the storage or stall the page. */
export const LIMITS = { importBytes: 1 << 20, entries: 5000, name: 200 };

function name(value, field) {
  if (value.length > LIMITS.name) fail(field, `longer than ${LIMITS.name} characters`);
  return value;
}

function strings(value, field) {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(field, 'expected a list of strings');
  if (value.length > LIMITS.entries) fail(field, `more than ${LIMITS.entries} entries`);
  return [...new Set(value.map((v, i) => name(v.trim(), `${field}[${i}]`)).filter(Boolean))];
}

function numbers(value, field, min, max) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'expected an object of numbers');
  const entries = Object.entries(value);
  if (entries.length > LIMITS.entries) fail(field, `more than ${LIMITS.entries} entries`);
  const out = {};
  for (const [key, n] of entries) {
    name(key, `${field} key`);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) fail(`${field}.${key}`, `expected a number from ${min} to ${max}`);
    out[key] = n;
  }
  return out;
}

/** Checks a profile and returns a clean copy; the error names the first bad field. */
export function checkProfile(raw) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('profile', 'expected an object');
  const base = emptyProfile();
  const p = { ...base, ...raw };
  const credits = p.creditsPerTerm;
  if (credits !== null && (typeof credits !== 'number' || !(credits > 0) || credits > 60)) fail('creditsPerTerm', 'expected null or a number from 1 to 60');
  if (typeof p.goalText !== 'string') fail('goalText', 'expected text');
  return {
    completed: strings(p.completed, 'completed'),
    ratings: numbers(p.ratings, 'ratings', 1, 5),
    skills: numbers(p.skills, 'skills', 0, 1),
    goalText: p.goalText.slice(0, 500),
    targetSkills: strings(p.targetSkills, 'targetSkills'),
    creditsPerTerm: credits,
  };
}

/** The file a learner downloads: the profile and a header saying what it is. */
export function exportFile(profile) {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exported: new Date().toISOString(), profile: checkProfile(profile) };
}

/** Reads an exported file's text back into a profile, or throws a readable error. */
export function importFile(text) {
  if (text.length > LIMITS.importBytes) throw new Error(`the file is larger than ${LIMITS.importBytes / 1024} KB, more than a profile can be`);
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  if (data?.format !== EXPORT_FORMAT) throw new Error(`the file is not a Wayfinder profile (format ${JSON.stringify(data?.format)})`);
  if (data.version !== EXPORT_VERSION) throw new Error(`profile version ${JSON.stringify(data.version)} is not supported (this page reads version ${EXPORT_VERSION})`);
  return checkProfile(data.profile);
}

/** Skill levels the goal asks for: every target skill at TARGET_LEVEL. */
export function goalProfile(profile) {
  return Object.fromEntries(profile.targetSkills.map((s) => [s, TARGET_LEVEL]));
}

/** The `recommend` query for a profile; goal text only when the model is loaded. */
export function recommendQuery(profile, { k = 10, withText = true } = {}) {
  const goalText = withText ? profile.goalText.trim() : '';
  return {
    completed: profile.completed,
    ratings: profile.ratings,
    skills: profile.skills,
    goalSkills: goalProfile(profile),
    ...(goalText ? { goalText } : {}),
    k,
  };
}

export function isEmpty(profile) {
  return !profile.completed.length && !Object.keys(profile.skills).length && !profile.goalText.trim() && !profile.targetSkills.length;
}
