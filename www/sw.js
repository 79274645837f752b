// Wayfinder's service worker: keeps the planner's own files (pages, scripts, the browser
// module, the bundle and the model) on the device, so that after one visit it works offline.
// It minds only those files: any other URL of the origin (the catalog that hosts the widget,
// say) goes to the network untouched and is never cached, and no page outside the app is ever
// answered with the planner's index.html.
//
// `make site` (scripts/build-site.py) writes BUILD below: the app's files with their sha256,
// and a version derived from them, so a change to any file makes a new worker. One cache per
// version, `wayfinder-site-<version>`, holds the whole set. An update installs the complete new set
// (each file checked against its hash; files whose hash did not change are copied from the
// old cache, not downloaded again) while the open pages keep the old one; the new set takes
// over when the planner's pages close or the learner accepts the update, every open page then
// reloads, and only then is the old cache deleted. So a page never runs one version's module
// against another version's bundle. The unbuilt www/ has no BUILD: there the worker refuses
// to install and the planner runs online only.

// The embedder module comes in two builds; keep the one this browser runs (see wasm-file.js).
importScripts('pkg/wasm-file.js');

const BUILD = null; // written by scripts/build-site.py

const PREFIX = 'wayfinder-site-';
const SCOPE = new URL(self.registration.scope);
const at = (path) => new URL(path, SCOPE).href;
const CACHE = BUILD && `${PREFIX}${BUILD.version}`;
const INDEX = at('index.html');
/** The URL of every file this browser keeps, with its expected sha256. */
const FILES = new Map();
for (const [path, sha256] of Object.entries(BUILD?.files ?? {})) {
  if (BUILD.wasm.includes(path) && path !== `pkg/${self.WAYFINDER_WASM}`) continue;
  FILES.set(at(path), sha256);
}

const isData = (url) => url.startsWith(at('bundle/')) || url.startsWith(at('model/'));

async function hex(bytes) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A stored copy of `url` whose bytes have hash `sha256`, from any of our caches. */
async function storedCopy(url, sha256) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    const hit = await (await caches.open(name)).match(url);
    if (hit?.headers.get('x-wayfinder-sha256') === sha256) return hit;
  }
  return null;
}

async function download(url, sha256) {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  if ((await hex(bytes)) !== sha256) throw new Error(`${url}: the server's copy does not match this version (a deploy in progress?)`);
  const headers = { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', 'x-wayfinder-sha256': sha256 };
  return new Response(bytes, { headers });
}

/** Puts every file of this version not yet in its cache there; `withData` false leaves out the bundle and the model. */
async function saveFiles(withData) {
  const cache = await caches.open(CACHE);
  for (const [url, sha256] of FILES) {
    if ((!withData && isData(url)) || (await cache.match(url))) continue;
    await cache.put(url, (await storedCopy(url, sha256)) ?? (await download(url, sha256)));
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    if (!BUILD) throw new Error('sw.js was not built: serve the output of `make site`');
    // The first install takes the shell and the module only, so the page can start at once:
    // the bundle and the model are kept as the recommender downloads them, with the page's
    // progress display. An update takes the whole set before it may replace the old one.
    const first = !self.registration.active;
    await saveFiles(!first);
    // The first install has no old pages to protect: take over at once, so the first visit's
    // downloads are kept. An update waits (see the message handler).
    if (first) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      // Ours (this worker's older versions, and the caches of the worker before `make site`).
      if ((name.startsWith(PREFIX) && name !== CACHE) || name.startsWith('wf-shell-') || name.startsWith('wf-data-')) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// A request or script this worker's policy refused: the planner's pages are told, and log it
// (offline.js), so that a violation here is as visible as one on a page.
self.addEventListener('securitypolicyviolation', (e) => {
  const violation = { where: 'service worker', directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI };
  self.clients.matchAll({ includeUncontrolled: true }).then((clients) => {
    for (const client of clients) client.postMessage({ type: 'wayfinder-violation', violation });
  });
});

// The planner asks for the waiting version when the learner accepts the update, and for the
// whole set again after an erase deleted it (store.js), so the planner still opens offline;
// the pages are told once it is saved, or why not.
self.addEventListener('message', (event) => {
  if (event.data?.type === 'wayfinder-activate') self.skipWaiting();
  if (event.data?.type === 'wayfinder-save' && BUILD) {
    event.waitUntil(saveFiles(true).then(() => null, (err) => String(err?.message ?? err)).then(async (error) => {
      for (const client of await self.clients.matchAll()) client.postMessage({ type: 'wayfinder-saved', error });
    }));
  }
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !BUILD) return;
  const url = request.url.split(/[?#]/)[0];
  const navigation = request.mode === 'navigate';
  if (navigation && (url === SCOPE.href || url === INDEX)) event.respondWith(fromCache(event, request, INDEX));
  else if (!navigation && FILES.has(url)) event.respondWith(fromCache(event, request, url));
  // Anything else is not ours: no respondWith, so the browser fetches it as if we were absent.
});

// The version's copy; a file not kept yet (the first visit's bundle and model) comes from the
// network and is kept once its bytes match this version's hash.
async function fromCache(event, request, url) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  if (hit) return hit;
  const response = await fetch(request);
  const sha256 = FILES.get(url);
  if (response.ok && sha256) {
    const copy = response.clone();
    event.waitUntil((async () => {
      const bytes = await copy.arrayBuffer();
      if ((await hex(bytes)) !== sha256) return;
      const headers = { 'content-type': copy.headers.get('content-type') ?? 'application/octet-stream', 'x-wayfinder-sha256': sha256 };
      await cache.put(url, new Response(bytes, { headers }));
    })().catch(() => {}));
  }
  return response;
}
