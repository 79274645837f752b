// The service worker minds the planner's own files only, and updates as one set: a host's
// pages on the same origin stay the host's after the planner was visited (at a sub-path and at
// the root); a new deploy in the middle of a session installs completely while the open page
// keeps working on the old version, takes over when the learner accepts it, and works offline.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { LOAD_TIMEOUT, launch, openApp, waitForRecommendations } from './support/browser.js';
import { WWW, readBuild, requireBuiltSite, startServer } from './support/server.js';

let browser;
let scratch;
const servers = [];

before(async () => {
  requireBuiltSite();
  browser = await launch();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'wayfinder-sw-'));
});

after(async () => {
  await browser?.close();
  for (const server of servers) await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function serve(dir, options) {
  const server = await startServer(dir, options);
  servers.push(server);
  return server;
}

/** A copy of the built site that a test may change, as a new deploy would. */
async function siteCopy(name) {
  const dir = path.join(scratch, name);
  await cp(WWW, dir, { recursive: true });
  return dir;
}

/** A host site: its own front page and a course page. */
async function hostSite() {
  const dir = path.join(scratch, 'host');
  await mkdir(dir);
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Host catalog</title><h1 id="host">The host catalog</h1>');
  await writeFile(path.join(dir, 'course.html'), '<!doctype html><title>Host course</title><h1 id="host">A host course page</h1>');
  return dir;
}

async function visitAndKeep(context, url) {
  const page = await openApp(context, url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await page.waitForSelector('#offline-ready[data-ready="true"]', { timeout: 60_000 });
  return page;
}

test('a host page on the same origin stays the host page after the planner was visited', { timeout: LOAD_TIMEOUT }, async () => {
  const server = await serve(WWW, { base: '/planner/', hostDir: await hostSite() });
  assert.match(server.url, /\/planner\/$/);
  const context = await browser.newContext();
  const page = await visitAndKeep(context, server.url);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
  assert.equal(scope, server.url, 'the service worker is not scoped to the app');

  for (const host of ['/', '/course.html']) {
    await page.goto(new URL(host, server.origin).href);
    assert.match(await page.textContent('#host'), /host/, `${host} is not the host's page`);
  }
  // Offline, the host's pages are simply unavailable: never the planner's index.html.
  await context.setOffline(true);
  const offline = await page.goto(new URL('/course.html', server.origin).href).catch((err) => err);
  assert.ok(offline instanceof Error, 'an offline host page was answered by the planner');
  await context.setOffline(false);
  // Nothing outside the app was kept (the host's page shares the origin's caches).
  await page.goto(new URL('/', server.origin).href);
  const kept = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) urls.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
    return urls;
  });
  assert.ok(kept.length > 10, `only ${kept.length} files kept`);
  assert.deepEqual(kept.filter((u) => !u.startsWith(server.url)), []);
  await context.close();
});

test('at the origin root, pages that are not the app are left to the network', { timeout: LOAD_TIMEOUT }, async () => {
  const server = await serve(WWW);
  const context = await browser.newContext();
  const page = await visitAndKeep(context, server.url);
  const response = await page.goto(new URL('/catalog/cs-101.html', server.origin).href);
  assert.equal(response.status(), 404, 'a page outside the app was answered by the service worker');
  assert.equal(await page.$('#main'), null, "the planner's index.html answered another page");
  await context.close();
});

/** Deploys a new version into `dir`: a changed stylesheet, and sw.js listing its new hash. */
async function deployNewVersion(dir) {
  const css = path.join(dir, 'styles.css');
  const bytes = Buffer.concat([await readFile(css), Buffer.from('\n/* version 2 */\n')]);
  await writeFile(css, bytes);
  const swPath = path.join(dir, 'sw.js');
  const source = await readFile(swPath, 'utf8');
  const build = readBuild(source);
  build.files['styles.css'] = createHash('sha256').update(bytes).digest('hex');
  build.version = createHash('sha256').update(JSON.stringify(build.files)).digest('hex').slice(0, 16);
  await writeFile(swPath, source.replace(/^const BUILD = \{[\s\S]*?\n\};$/m, `const BUILD = ${JSON.stringify(build, null, 1)};`));
  return build;
}

const cacheNames = (page) => page.evaluate(() => caches.keys());

test('an update in the middle of a session installs whole, waits, then works offline', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const dir = await siteCopy('update');
  const server = await serve(dir);
  const context = await browser.newContext();
  const page = await visitAndKeep(context, server.url);
  const first = readBuild(await readFile(path.join(dir, 'sw.js'), 'utf8'));
  assert.deepEqual(await cacheNames(page), [`wayfinder-site-${first.version}`]);

  const second = await deployNewVersion(dir);
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await page.waitForSelector('#update:not([hidden])', { timeout: 60_000 });
  // The new set is complete before it may take over; the old one still serves this page.
  const [oldKept, newKept] = await page.evaluate(async (names) => Promise.all(names.map(async (n) => (await (await caches.open(n)).keys()).length)),
    [`wayfinder-site-${first.version}`, `wayfinder-site-${second.version}`]);
  const expected = Object.keys(second.files).length - 1; // one of the two module builds
  assert.equal(newKept, expected, 'the update did not save the whole new set');
  assert.equal(oldKept, expected, 'the old set was touched before the update took over');
  await page.fill('#add-completed', 'CS 101');
  await page.press('#add-completed', 'Enter');
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.startsWith('Based on 1 completed course'));

  // Accepting it reloads on the new version and drops the old set.
  await Promise.all([page.waitForEvent('load'), page.click('#update-accept')]);
  await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  assert.deepEqual(await cacheNames(page), [`wayfinder-site-${second.version}`]);
  const css = await page.evaluate(async () => (await fetch('styles.css')).text());
  assert.match(css, /version 2/);

  // Offline after the update: everything still comes from the new set.
  await context.setOffline(true);
  await server.stop();
  await page.reload();
  await page.waitForSelector('body[data-state]', { timeout: LOAD_TIMEOUT });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await waitForRecommendations(page);
  assert.match(await page.textContent('#next-status'), /^Based on 1 completed course/);
  assert.deepEqual(page.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)), []);
  await context.close();
});
