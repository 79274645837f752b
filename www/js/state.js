// The page's copy of the learner's profile. Every change is applied to the stored profile in
// one IndexedDB transaction (store.js), then published to the views; changes and erasures
// made in other tabs arrive through the store's channel and are published the same way.

import { checkProfile, emptyProfile } from './profile.js';
import { eraseAll, onProfileChange, readRecord, update as updateStored } from './store.js';

const listeners = new Set();
let current = emptyProfile();
let saveError = null;
/** Why a stored profile was put aside instead of loaded, when one was. */
let setAside = null;

export function profile() {
  return current;
}

/** The last error from saving, if saving failed (for example in a storage-less private window). */
export function lastSaveError() {
  return saveError;
}

/** The reason the stored profile failed its checks and was kept aside, or null. */
export function profileSetAside() {
  return setAside;
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const erasedListeners = new Set();

/** Calls `listener()` after an erase, in this tab or another. */
export function onErased(listener) {
  erasedListeners.add(listener);
}

function publish() {
  for (const listener of listeners) listener(current);
}

/**
 * The stored record's profile, checked. One that fails its checks is put aside (kept as it
 * was, with the reason) and replaced by an empty profile: never overwritten, never lost.
 */
function checked(record, putAside) {
  if (record === undefined) return emptyProfile();
  try {
    return checkProfile(record.profile);
  } catch (err) {
    putAside(record, err.message);
    setAside = err.message;
    return emptyProfile();
  }
}

/** The stored record's profile, checked (throws on one that fails its checks). */
function fromRecord(record) {
  return record === undefined ? emptyProfile() : checkProfile(record.profile);
}

export async function restore() {
  try {
    const record = await readRecord();
    try {
      current = fromRecord(record);
    } catch {
      // Put it aside now, in a transaction of its own, so the next edit starts clean.
      await updateStored((stored, putAside) => {
        checked(stored, putAside);
        return undefined;
      });
      current = emptyProfile();
    }
  } catch (err) {
    saveError = err;
    current = emptyProfile();
  }
  return current;
}

/**
 * Applies `change` to a copy of the stored profile (the latest, whichever tab wrote it),
 * saves and publishes the result. Without storage, to the page's copy only.
 */
export async function update(change) {
  // A change that makes the profile invalid throws here, to the caller, before anything is saved.
  const probe = structuredClone(current);
  change(probe);
  checkProfile(probe);
  try {
    const record = await updateStored((stored, putAside) => {
      const draft = structuredClone(checked(stored, putAside));
      change(draft);
      return { rev: (stored?.rev ?? 0) + 1, profile: checkProfile(draft) };
    });
    current = record.profile;
    saveError = null;
  } catch (err) {
    saveError = err;
    const draft = structuredClone(current);
    change(draft);
    current = checkProfile(draft);
  }
  publish();
  return current;
}

/** Replaces the whole profile (an import); `next` is checked first and a bad one throws. */
export async function replace(next) {
  const clean = checkProfile(next);
  return update((draft) => Object.assign(draft, structuredClone(clean)));
}

/** Erases the profile, the database and Wayfinder's caches, here and in every other tab. */
export async function erase() {
  current = emptyProfile();
  setAside = null;
  publish();
  await eraseAll();
  for (const listener of erasedListeners) listener();
}

onProfileChange(async ({ type }) => {
  if (type === 'erased') {
    current = emptyProfile();
    setAside = null;
    publish();
    for (const listener of erasedListeners) listener();
    return;
  }
  try {
    current = fromRecord(await readRecord());
    publish();
  } catch {
    // Another page stored what this one cannot read; it kept it aside itself.
  }
});

const addTo = (list, value) => (list.includes(value) ? list : [...list, value]);

export const actions = {
  // Toggling means what the learner saw: add when this page shows it absent, remove when it
  // shows it present, whatever another tab did meanwhile.
  toggleCompleted: (id) => (current.completed.includes(id) ? actions.removeCompleted(id) : actions.addCompleted(id)),
  addCompleted: (id) => update((p) => { p.completed = addTo(p.completed, id); }),
  removeCompleted: (id) => update((p) => {
    p.completed = p.completed.filter((c) => c !== id);
    delete p.ratings[id];
  }),
  setRating: (id, rating) => update((p) => {
    if (rating) p.ratings[id] = rating;
    else delete p.ratings[id];
  }),
  setSkill: (skill, level) => update((p) => { p.skills[skill] = level; }),
  removeSkill: (skill) => update((p) => { delete p.skills[skill]; }),
  setGoal: (text) => update((p) => { p.goalText = text; }),
  setTargets: (skills) => update((p) => { p.targetSkills = skills; }),
  addTarget: (skill) => update((p) => { p.targetSkills = addTo(p.targetSkills, skill); }),
  removeTarget: (skill) => update((p) => { p.targetSkills = p.targetSkills.filter((t) => t !== skill); }),
  setCreditsPerTerm: (credits) => update((p) => { p.creditsPerTerm = credits; }),
};
