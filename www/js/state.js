// The page's one copy of the learner's profile: every change is checked, saved to IndexedDB
// and announced to the views that listen.

import { checkProfile, emptyProfile } from './profile.js';
import { eraseProfile, readProfile, writeProfile } from './store.js';

const listeners = new Set();
let current = emptyProfile();
let saveError = null;

export function profile() {
  return current;
}

/** The last error from saving, if saving failed (for example in a storage-less private window). */
export function lastSaveError() {
  return saveError;
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish() {
  for (const listener of listeners) listener(current);
}

export async function restore() {
  try {
    const stored = await readProfile();
    current = stored ? checkProfile(stored) : emptyProfile();
  } catch (err) {
    saveError = err;
    current = emptyProfile();
  }
  return current;
}

/** Applies `change` to a copy of the profile, then saves and publishes the result. */
export async function update(change) {
  const draft = structuredClone(current);
  change(draft);
  return replace(draft);
}

export async function replace(next) {
  current = checkProfile(next);
  publish();
  try {
    await writeProfile(current);
    saveError = null;
  } catch (err) {
    saveError = err;
  }
  return current;
}

export async function erase() {
  current = emptyProfile();
  publish();
  await eraseProfile();
}

export const actions = {
  toggleCompleted: (id) => update((p) => {
    if (p.completed.includes(id)) {
      p.completed = p.completed.filter((c) => c !== id);
      delete p.ratings[id];
    } else {
      p.completed.push(id);
    }
  }),
  setRating: (id, rating) => update((p) => {
    if (rating) p.ratings[id] = rating;
    else delete p.ratings[id];
  }),
  setSkill: (skill, level) => update((p) => { p.skills[skill] = level; }),
  removeSkill: (skill) => update((p) => { delete p.skills[skill]; }),
  setGoal: (text) => update((p) => { p.goalText = text; }),
  setTargets: (skills) => update((p) => { p.targetSkills = skills; }),
  setCreditsPerTerm: (credits) => update((p) => { p.creditsPerTerm = credits; }),
};
