// The learner's profile in IndexedDB, the only place Wayfinder keeps it. The study planner
// and the <wayfinder-next> element share this database (same origin), and a
// BroadcastChannel tells other open pages when the profile changes or is erased.
//
// Every edit is applied to the stored profile inside one readwrite transaction (`update`),
// never by writing a page's in-memory copy over it: IndexedDB runs readwrite transactions on
// a store one at a time, so two tabs editing at once keep both edits, and an edit after an
// erase in another tab starts from the erased (empty) profile instead of restoring it.

const DB_NAME = 'wayfinder';
const STORE = 'learner';
const KEY = 'profile';
/** Stored profiles that failed their checks, kept as they were with the reason. */
const ASIDE = 'aside';
const CHANNEL = 'wayfinder-profile';

/**
 * The schema version, and how to reach it from each older one (run in order inside the
 * upgrade transaction). 1: the bare profile under `profile`. 2: `{rev, profile}`, `rev`
 * counting the writes, and the `aside` store.
 */
export const DB_VERSION = 2;
const MIGRATIONS = {
  1: (db) => db.createObjectStore(STORE),
  2: (db, tx) => {
    db.createObjectStore(ASIDE, { autoIncrement: true });
    const store = tx.objectStore(STORE);
    const get = store.get(KEY);
    get.onsuccess = () => {
      if (get.result !== undefined) store.put({ rev: 1, profile: get.result }, KEY);
    };
  },
};

const channel = 'BroadcastChannel' in globalThis ? new BroadcastChannel(CHANNEL) : null;

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      for (let v = event.oldVersion + 1; v <= DB_VERSION; v += 1) MIGRATIONS[v](request.result, request.transaction);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another page deletes the database (erase) or a newer version upgrades it: let it,
      // and open again at the next use.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    request.onerror = () => {
      opening = null;
      reject(request.error);
    };
    request.onblocked = () => {
      opening = null;
      reject(new Error('the profile database is held by an older Wayfinder page in another tab; close it and reload'));
    };
  });
  return opening;
}

function transaction(db, stores, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    // `work` may return a request, whose result the promise resolves with.
    let result;
    try {
      result = work(tx);
    } catch (err) {
      tx.abort();
      reject(err);
      return;
    }
    tx.oncomplete = () => resolve(result?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the profile could not be saved'));
  });
}

/** The stored record `{rev, profile}` (the profile unchecked), or undefined. */
export async function readRecord() {
  const db = await open();
  return transaction(db, STORE, 'readonly', (tx) => tx.objectStore(STORE).get(KEY));
}

/** The stored profile (unchecked), or undefined when there is none. */
export async function readProfile() {
  return (await readRecord())?.profile;
}

/**
 * Applies `change(record, putAside)` to the stored record in one readwrite transaction and
 * stores what it returns (`undefined` deletes the record). `putAside(value, reason)` keeps a
 * stored value that failed its checks in the `aside` store, in the same transaction, so it
 * is never overwritten. Resolves with the new record, and tells the other pages.
 */
export async function update(change) {
  const db = await open();
  let next;
  const failures = [];
  await transaction(db, [STORE, ASIDE], 'readwrite', (tx) => {
    const store = tx.objectStore(STORE);
    const get = store.get(KEY);
    get.onsuccess = () => {
      const putAside = (value, reason) => tx.objectStore(ASIDE).add({ at: new Date().toISOString(), reason, value });
      try {
        next = change(get.result, putAside);
      } catch (err) {
        failures.push(err);
        tx.abort();
        return;
      }
      if (next === undefined) store.delete(KEY);
      else store.put(next, KEY);
    };
  }).catch((err) => {
    throw failures[0] ?? err;
  });
  channel?.postMessage({ type: 'changed', rev: next?.rev ?? 0 });
  return next;
}

/** The values put aside, oldest first: `{at, reason, value}`. */
export async function readAside() {
  const db = await open();
  return transaction(db, ASIDE, 'readonly', (tx) => tx.objectStore(ASIDE).getAll());
}

/**
 * Erases everything Wayfinder keeps in this browser: the whole database (other pages close
 * their connections when asked, see `open`) and every Cache Storage cache of Wayfinder's
 * (the course data, the model and the app's offline copy); then tells the other pages.
 */
export async function eraseAll() {
  const db = await opening?.catch(() => null);
  db?.close();
  opening = null;
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
  if ('caches' in globalThis) {
    for (const name of await caches.keys()) {
      if (name.startsWith('wayfinder')) await caches.delete(name);
    }
  }
  channel?.postMessage({ type: 'erased' });
  // The planner's files are public, not the learner's, but they went with the caches: the
  // service worker saves them again so the planner still opens offline (sw.js).
  globalThis.navigator?.serviceWorker?.controller?.postMessage({ type: 'wayfinder-save' });
}

/** Calls `listener({type: 'changed' | 'erased'})` when another page changes or erases the profile. */
export function onProfileChange(listener) {
  channel?.addEventListener('message', (event) => listener(event.data ?? {}));
}
