// After one visit the service worker holds the site, the wasm module, the model and the
// bundle: with the network off and the server stopped, a reload still loads, recommends
// and searches by meaning.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LOAD_TIMEOUT, launchPersistent, openApp, waitForRecommendations } from './support/browser.js';
import { WWW, readBuild } from './support/server.js';
import { useSite } from './support/site.js';

const site = useSite();

test('the site is installable as an app', { timeout: LOAD_TIMEOUT }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wayfinder-profile-'));
  const context = await launchPersistent(dir);
  try {
    const page = await openApp(context, site.url);
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
    const cdp = await context.newCDPSession(page);
    const { errors } = await cdp.send('Page.getAppManifest');
    assert.deepEqual(errors, []);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an offline reload still recommends and searches', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext();
  const page = await openApp(context, site.url);
  await waitForRecommendations(page);
  assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'no service worker controls the page');
  await page.waitForSelector('#offline-ready[data-ready="true"]', { timeout: 60_000 });
  const caches = await page.evaluate(() => caches.keys());
  assert.deepEqual(caches, [`wayfinder-site-${readBuild(await readFile(path.join(WWW, 'sw.js'), 'utf8')).version}`]);

  await page.fill('#add-completed', 'CS 101');
  await page.press('#add-completed', 'Enter');
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.startsWith('Based on 1 completed course'));

  // The network off, and the server gone too, so nothing can be fetched by anyone.
  await context.setOffline(true);
  await site.stopServer();
  await page.reload();
  await page.waitForSelector('body[data-state]', { timeout: LOAD_TIMEOUT });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await waitForRecommendations(page);
  assert.match(await page.textContent('#next-status'), /^Based on 1 completed course/);
  assert.match(await page.textContent('#net-status'), /Offline/);

  await page.goto(new URL('#/catalog', site.url).href);
  await page.fill('#catalog-search', 'learn to build websites');
  await page.press('#catalog-search', 'Enter');
  await page.waitForFunction(() => document.querySelector('#catalog-status')?.textContent.includes('closest in meaning'));
  const top = await page.$$eval('#catalog-list .course-id', (nodes) => nodes.slice(0, 3).map((n) => n.textContent));
  assert.ok(top.some((id) => id.startsWith('WEB ')), `no web course in the top 3: ${top}`);
  assert.deepEqual(page.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)), []);
  await context.close();
});

// make site writes the list of the app's files into sw.js with their hashes; a file missing
// from it would be missing offline, a stale hash would fail the install.
test("the built service worker lists every file of the site with its hash", async () => {
  const build = readBuild(await readFile(path.join(WWW, 'sw.js'), 'utf8'));
  const ours = (await readdir(WWW, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(WWW, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .filter((f) => !['sw.js', '_headers', '.wayfinder-site'].includes(f) && !f.startsWith('embed/example'));
  assert.deepEqual(ours.sort(), Object.keys(build.files).sort());
  for (const [file, sha256] of Object.entries(build.files)) {
    assert.equal(createHash('sha256').update(await readFile(path.join(WWW, file))).digest('hex'), sha256, `${file}: stale hash`);
  }
  assert.match(build.version, /^[0-9a-f]{16}$/);
});
