// Wayfinder's service worker: keeps the site, the browser module, the model and the course
// bundle on the device, so that after one visit everything works with the network off.
//
// Two caches. `wf-shell-v<SHELL_VERSION>` holds the pages, scripts, styles, icons and the
// wasm module, answered from the cache and refreshed in the background. `wf-data-<key>`
// holds the bundle and the model; its key is derived from the bundle manifest (the sha256 of
// every bundle file and of the model and tokenizer), so a new bundle gets a new cache and the
// old one is deleted. Data files are stored only when their bytes match the manifest's hash.

// The browser module comes in two builds; cache the one this browser runs (see wasm-file.js).
importScripts('pkg/wasm-file.js');

const SHELL_VERSION = 2; // bump when SHELL changes
const SHELL_CACHE = `wf-shell-v${SHELL_VERSION}`;
const DATA_PREFIX = 'wf-data-';
const SHELL = [
  './', 'index.html', 'app.js', 'styles.css', 'manifest.webmanifest',
  'icons/icon.svg', 'icons/icon-192.png', 'icons/icon-512.png',
  'js/catalog-view.js', 'js/course-view.js', 'js/data-view.js', 'js/dom.js', 'js/engine.js',
  'js/gaps-view.js', 'js/next-view.js', 'js/offline.js', 'js/path-svg.js', 'js/path-view.js',
  'js/profile-view.js', 'js/profile.js', 'js/progress.js', 'js/router.js', 'js/state.js', 'js/store.js',
  'pkg/wayfinder.js', 'pkg/worker.js', 'pkg/wasm-file.js', 'pkg/wayfinder_wasm.js',
  'embed/wayfinder-next.js', 'embed/wayfinder-next.css', 'embed/example.html', 'embed/example.css',
];
// The wasm build this browser runs, beside the shell.
const WASM = `pkg/${self.WAYFINDER_WASM}`;
const SCOPE = new URL(self.registration.scope);
const at = (path) => new URL(path, SCOPE).href;
const MANIFEST_URL = at('bundle/manifest.json');
const MODEL = { [at('model/model.onnx')]: 'model_sha256', [at('model/tokenizer.json')]: 'tokenizer_sha256' };

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll([...SHELL, WASM])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('wf-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE.origin)) return;
  const url = request.url.split(/[?#]/)[0];
  if (url === MANIFEST_URL) event.respondWith(manifestFirst(request));
  else if (url.startsWith(at('bundle/')) || url in MODEL) event.respondWith(dataFile(event, request, url));
  else event.respondWith(shellFile(event, request));
});

async function hex(bytes) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// The data state: the current manifest's cache and the expected hash of every data URL.
let data = null;

async function adopt(manifestBytes) {
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  const hashes = {};
  for (const [name, entry] of Object.entries(manifest.files ?? {})) hashes[at(`bundle/${name}`)] = entry.sha256;
  for (const [url, field] of Object.entries(MODEL)) if (manifest.embedder?.[field]) hashes[url] = manifest.embedder[field];
  const key = (await hex(new TextEncoder().encode(Object.entries(hashes).sort().join('\n')))).slice(0, 16);
  const name = `${DATA_PREFIX}${key}`;
  const cache = await caches.open(name);
  await cache.put(MANIFEST_URL, new Response(manifestBytes, { headers: { 'content-type': 'application/json' } }));
  // The old bundle's files cannot serve the new manifest: drop them.
  for (const other of await caches.keys()) {
    if (other.startsWith(DATA_PREFIX) && other !== name) await caches.delete(other);
  }
  data = { name, hashes };
  return data;
}

// After a restart the worker has no state: take it from the data cache's manifest.
async function currentData() {
  if (data) return data;
  for (const name of await caches.keys()) {
    if (!name.startsWith(DATA_PREFIX)) continue;
    const stored = await (await caches.open(name)).match(MANIFEST_URL);
    if (stored) return adopt(await stored.arrayBuffer());
  }
  return null;
}

// The manifest names the current version, so it comes from the network when it can.
async function manifestFirst(request) {
  try {
    const response = await fetch(request, { cache: 'no-store' });
    if (response.ok) {
      try {
        await adopt(await response.clone().arrayBuffer());
      } catch {
        // A malformed manifest is reported by the page's loader; keep the old data.
      }
    }
    return response;
  } catch (err) {
    const state = await currentData();
    const cached = state && (await (await caches.open(state.name)).match(MANIFEST_URL));
    if (cached) return cached;
    throw err;
  }
}

async function dataFile(event, request, url) {
  const state = await currentData();
  const cache = state && (await caches.open(state.name));
  const hit = cache && (await cache.match(url));
  if (hit) return hit;
  const response = await fetch(request);
  const expected = state?.hashes[url];
  if (response.ok && expected) {
    const copy = response.clone();
    event.waitUntil((async () => {
      const bytes = await copy.arrayBuffer();
      if ((await hex(bytes)) === expected) await cache.put(url, new Response(bytes, { headers: copy.headers }));
    })().catch(() => {}));
  }
  return response;
}

// Stale while revalidate: the saved copy answers at once, the network refreshes it.
async function shellFile(event, request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = (await cache.match(request, { ignoreSearch: true }))
    ?? (request.mode === 'navigate' ? await cache.match(at('index.html')) : undefined);
  const network = fetch(request);
  // Registered before the page reads the body, so the copy is taken first.
  const refresh = network.then((response) => (response.ok && response.type === 'basic' ? cache.put(request, response.clone()) : null));
  event.waitUntil(refresh.catch(() => {}));
  return hit ?? network;
}
