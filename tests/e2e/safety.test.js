// Hostile and broken data. A catalog whose text is HTML shows that text literally and runs
// nothing; a corrupt or mismatched bundle shows a message naming the problem, not a blank
// page. The bundle requests are answered by the test (Playwright routes), with the service
// worker blocked so that every request reaches the routes.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { LOAD_TIMEOUT, openApp } from './support/browser.js';
import { WWW } from './support/server.js';
import { useSite } from './support/site.js';

const XSS_TITLE = '<img src=x onerror=alert(1)>';
const XSS_TEXT = '<script>window.__pwned = true</script><b>bold?</b>';

const site = useSite();

const bundleFile = (name) => readFile(path.join(WWW, 'bundle', name));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A context whose bundle files come from `files` (name -> Buffer) where given. */
async function contextWithBundle(files) {
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  await context.route('**/bundle/*', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    if (files[name]) await route.fulfill({ status: 200, body: files[name], contentType: 'application/octet-stream' });
    else await route.continue();
  });
  return context;
}

// The demo catalog with its first course's text replaced by markup, and a manifest whose
// hashes match, so the bundle is valid and only its text is hostile.
async function hostileBundle() {
  const catalog = JSON.parse(await bundleFile('catalog.json'));
  const victim = catalog.courses[0];
  Object.assign(victim, { title: XSS_TITLE, description: XSS_TEXT, tags: [XSS_TITLE] });
  const catalogBytes = Buffer.from(JSON.stringify(catalog));
  const manifest = JSON.parse(await bundleFile('manifest.json'));
  manifest.files['catalog.json'] = { sha256: sha256(catalogBytes), bytes: catalogBytes.length };
  return { id: victim.id, files: { 'catalog.json': catalogBytes, 'manifest.json': Buffer.from(JSON.stringify(manifest)) } };
}

test('course text is shown as text and never run', { timeout: LOAD_TIMEOUT }, async () => {
  const { id, files } = await hostileBundle();
  const context = await contextWithBundle(files);
  const dialogs = [];
  const requested = [];
  context.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const page = await openApp(context, new URL('#/catalog', site.url).href);
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));

  await page.locator('#catalog-list').getByText(XSS_TITLE).first().waitFor();
  await page.goto(new URL(`#/course/${encodeURIComponent(id)}`, site.url).href);
  await page.waitForFunction((t) => document.querySelector('#view-course h1')?.textContent.includes(t), XSS_TITLE);
  assert.equal(await page.textContent('#view-course .description'), XSS_TEXT);
  // Mark it completed so the title is also rendered in the profile editor.
  await page.click('#view-course button.toggle');
  await page.goto(new URL('#/plan', site.url).href);
  await page.waitForFunction((t) => document.querySelector('#profile-editor')?.textContent.includes(t), XSS_TITLE);

  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"], script:not([src]), b').length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(dialogs, []);
  assert.ok(!requested.includes('/x'), 'the injected <img> was loaded');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a corrupt tensor file shows an error naming the file', { timeout: LOAD_TIMEOUT }, async () => {
  const tensors = Buffer.from(await bundleFile('tensors.safetensors'));
  for (let i = tensors.length - 64; i < tensors.length; i += 1) tensors[i] ^= 0xff;
  const context = await contextWithBundle({ 'tensors.safetensors': tensors });
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
  assert.ok(await page.isVisible('#failure'));
  assert.match(await page.textContent('#failure-message'), /tensors\.safetensors/);
  assert.match(await page.textContent('#failure-hint'), /damaged|does not match/);
  await context.close();
});

test('a bundle of another format version shows an error naming the version', { timeout: LOAD_TIMEOUT }, async () => {
  const manifest = JSON.parse(await bundleFile('manifest.json'));
  manifest.version = 99;
  const context = await contextWithBundle({ 'manifest.json': Buffer.from(JSON.stringify(manifest)) });
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
  assert.match(await page.textContent('#failure-message'), /version/i);
  // The hint follows the error's code (BUNDLE_VERSION), not its wording.
  assert.match(await page.textContent('#failure-hint'), /does not match this version/);
  await context.close();
});

test('a missing bundle file shows an error naming it', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  await context.route('**/bundle/catalog.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
  assert.match(await page.textContent('#failure-message'), /catalog\.json: HTTP 404/);
  // The hint follows the error's HTTP status (404), not its wording.
  assert.match(await page.textContent('#failure-hint'), /missing on the server/);
  await context.close();
});

test('a browser without WebAssembly SIMD is told what it lacks', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  // As in a browser whose WebAssembly has no SIMD: the SIMD probe does not validate.
  await context.addInitScript(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => (new Uint8Array(bytes).includes(253) ? false : validate(bytes));
  });
  try {
    const page = await openApp(context, site.url);
    assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
    assert.match(await page.textContent('#failure-message'), /no WebAssembly SIMD/);
    assert.match(await page.textContent('#failure-hint'), /current version of Firefox, Chrome, Edge or Safari/);
  } finally {
    await context.close();
  }
});
