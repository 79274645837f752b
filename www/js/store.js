// The learner's profile in IndexedDB, the only place Wayfinder keeps it. The study planner
// and the <wayfinder-next> element share this database (same origin), and a
// BroadcastChannel tells other open pages when the profile changes.

const DB_NAME = 'wayfinder';
const STORE = 'learner';
const KEY = 'profile';
const channel = 'BroadcastChannel' in globalThis ? new BroadcastChannel('wayfinder-profile') : null;

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the profile database is blocked by another tab'));
  });
  return opening;
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the profile could not be saved'));
  });
}

/** The stored profile, or undefined when there is none. */
export function readProfile() {
  return run('readonly', (store) => store.get(KEY));
}

export async function writeProfile(profile) {
  await run('readwrite', (store) => store.put(profile, KEY));
  channel?.postMessage('changed');
}

export async function eraseProfile() {
  await run('readwrite', (store) => store.delete(KEY));
  channel?.postMessage('changed');
}

/** Calls `listener` when another page of this site changes the profile. */
export function onProfileChange(listener) {
  channel?.addEventListener('message', () => listener());
}
