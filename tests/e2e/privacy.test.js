// The privacy audit: during a whole session in which a learner enters completions, ratings,
// skills and a goal, searches, plans a path, exports and opens the embeddable element, every
// request the browser makes (page, worker and service worker) goes to the site's own origin,
// is a GET of a static file, and carries none of the learner's data. The server's own log
// must agree. The Content-Security-Policy is checked too, as meta tag and as header.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LEARNER, LOAD_TIMEOUT, enterProfile, newPage, openApp, waitForRecommendations, widgetFrame } from './support/browser.js';
import { WWW } from './support/server.js';
import { useSite } from './support/site.js';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const SEARCH = 'learn to build websites';

const site = useSite();

function isStaticFile(pathname) {
  let rel = decodeURIComponent(pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(WWW, rel);
  if (!file.startsWith(WWW)) return false;
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function frameOf(request) {
  try {
    return request.frame().url();
  } catch {
    return 'a worker';
  }
}

// Every way the learner's words could appear in a URL or a header.
function secrets() {
  const words = [LEARNER.goal, SEARCH, ...LEARNER.completed, ...LEARNER.skills, 'data engineer'];
  const forms = new Set();
  for (const w of words) {
    for (const v of [w, encodeURIComponent(w), w.replaceAll(' ', '+'), w.replaceAll(' ', '')]) forms.add(v.toLowerCase());
  }
  return [...forms];
}

function leaks(text) {
  const lower = String(text ?? '').toLowerCase();
  return secrets().filter((s) => lower.includes(s));
}

test('a whole session sends nothing but GETs of static files to the own origin', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext({ acceptDownloads: true });
  const requests = [];
  context.on('request', (request) => requests.push(request));
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  const page = await openApp(context, site.url);
  await waitForRecommendations(page);
  await enterProfile(page);
  await page.goto(new URL('#/catalog', site.url).href);
  await page.fill('#catalog-search', SEARCH);
  await page.press('#catalog-search', 'Enter');
  await page.waitForFunction(() => document.querySelector('#catalog-status')?.textContent.includes('closest in meaning'));
  await page.click('#catalog-list a');
  await page.waitForSelector('#view-course h1');
  await page.goto(new URL('#/path', site.url).href);
  await page.waitForSelector('#path-result svg', { timeout: 60_000 });
  await page.goto(new URL('#/data', site.url).href);
  await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const violations = await page.evaluate(() => window.__violations);

  const embed = await newPage(context);
  await embed.goto(new URL('embed/example.html', site.url).href);
  await widgetFrame(embed);
  await page.waitForTimeout(1000); // let the service worker finish its background refreshes

  assert.ok(requests.length > 10, `only ${requests.length} requests were seen`);
  const problems = [];
  for (const request of requests) {
    const url = new URL(request.url());
    const who = request.serviceWorker() ? 'service worker' : frameOf(request);
    const label = `${request.method()} ${request.url()} (from ${who})`;
    if (url.protocol === 'blob:' && request.url().startsWith(`blob:${site.origin}/`)) continue; // the export, made on the page
    if (url.origin !== site.origin) problems.push(`third party: ${label}`);
    if (request.method() !== 'GET') problems.push(`not a GET: ${label}`);
    if (request.postData() !== null) problems.push(`has a body: ${label}`);
    if (url.search) problems.push(`has a query string: ${label}`);
    if (!isStaticFile(url.pathname)) problems.push(`not a static file: ${label}`);
    const found = [...leaks(request.url()), ...leaks(JSON.stringify(await request.allHeaders().catch(() => ({}))))];
    if (found.length) problems.push(`carries ${found.join(', ')}: ${label}`);
  }
  for (const entry of site.log) {
    if (!entry.method) continue;
    const label = `${entry.method} ${entry.target} ${entry.status}`;
    if (entry.method !== 'GET') problems.push(`server saw: ${label}`);
    if (![200, 304].includes(entry.status)) problems.push(`server answered: ${label}`);
    if (entry.target.includes('?') || leaks(entry.target).length) problems.push(`server saw data: ${label}`);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(violations, []);
  assert.deepEqual([...page.errors, ...embed.errors], []);
  // The service worker's and the worker's requests were part of the audit.
  assert.ok(requests.some((r) => r.url().endsWith('/model/model.onnx')), 'the model download was not seen');
  await context.close();
});

test('every page and the server carry the same Content-Security-Policy', async () => {
  for (const file of ['', 'embed/example.html', 'embed/frame.html']) {
    const response = await fetch(new URL(file, site.url));
    assert.equal(response.headers.get('content-security-policy'), CSP);
    const html = await response.text();
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`), `${file || 'index.html'} has no CSP meta tag`);
  }
  const wasm = await fetch(new URL('pkg/wayfinder_wasm_bg.wasm', site.url));
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const post = await fetch(site.url, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});
