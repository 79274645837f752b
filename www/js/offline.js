// The page's side of offline use: registers the service worker (sw.js, scoped to the app's
// folder) and waits until it controls the page, so the worker's downloads pass through it and
// are kept; tells the learner when every file is saved and whether the network is there; and
// offers a new version once the service worker has saved all of it.

const CACHE_PREFIX = 'wayfinder-site-';

let swRegistration = null;

const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms));

/**
 * Resolves true once a service worker controls the page, false if none will: the browser has
 * no service workers, registration fails or hangs for 5 s, the install fails, or it takes
 * more than 30 s (the first install saves the site's files). A page loaded with a forced
 * reload is not controlled by an active worker; it runs from the network.
 */
export async function startServiceWorker() {
  if (!('serviceWorker' in navigator)) return false;
  // A policy violation in the service worker, which it reports here (sw.js).
  navigator.serviceWorker.addEventListener('message', ({ data }) => {
    if (data?.type === 'wayfinder-violation') console.error(`Wayfinder service worker: refused ${data.violation.directive} to ${data.violation.blocked}`);
    if (data?.type === 'wayfinder-saved' && data.error && watched) watched.target.textContent = `Not saved for offline use: ${data.error}`;
  });
  const registration = await Promise.race([navigator.serviceWorker.register(new URL('../sw.js', import.meta.url)), timeout(5000)]).catch(() => null);
  if (!registration) return false;
  swRegistration = registration;
  if (navigator.serviceWorker.controller) return true;
  const installing = registration.installing ?? registration.waiting;
  if (!installing) return false;
  const outcome = new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true), { once: true });
    installing.addEventListener('statechange', () => { if (installing.state === 'redundant') resolve(false); });
  });
  return Boolean(await Promise.race([outcome, timeout(30_000)]));
}

async function allCached(urls) {
  if (!('caches' in globalThis)) return false;
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const cache = await caches.open(name);
    const hits = await Promise.all(urls.map((u) => cache.match(u)));
    if (hits.every(Boolean)) return true;
  }
  return false;
}

let watched = null;

/**
 * Shows "saved for offline use" once every file in `urls` and the planner's page are in the
 * service worker's cache; `offlineCopyErased` starts over after an erase deleted them.
 */
export async function watchOfflineReady(urls, target) {
  const round = { urls, target };
  watched = round;
  const all = [...urls, new URL('../index.html', import.meta.url).href];
  for (let tries = 0; tries < 120 && watched === round; tries += 1) {
    if (await allCached(all)) {
      if (watched !== round) return false;
      target.textContent = 'Saved on this device: works offline.';
      target.dataset.ready = 'true';
      return true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

/** After an erase: the offline copy is gone until the service worker has saved it again. */
export function offlineCopyErased() {
  if (!watched) return;
  const { urls, target } = watched;
  target.textContent = 'Saving the planner on this device again for offline use…';
  target.dataset.ready = 'false';
  watchOfflineReady(urls, target);
}

export function watchNetwork(target) {
  const render = () => {
    target.textContent = navigator.onLine ? 'Runs on your device' : 'Offline: still working on your device';
    target.classList.toggle('offline', !navigator.onLine);
  };
  addEventListener('online', render);
  addEventListener('offline', render);
  render();
}

/**
 * Calls `onReady(accept)` when a new version of the app is saved and waiting; `accept()`
 * switches to it. Every open page of the planner then reloads on the new version, so none
 * keeps running the old module against the new bundle.
 */
export function watchForUpdate(onReady) {
  const registration = swRegistration;
  if (!registration || !navigator.serviceWorker.controller) return;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  const offer = (worker) => onReady(() => worker.postMessage({ type: 'wayfinder-activate' }));
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'installed') offer(installing);
    });
  });
}
