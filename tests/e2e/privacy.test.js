// The privacy audit: during a whole session in which a learner enters completions, ratings,
// skills and a goal, searches, plans a path, reloads offline, exports, erases, imports again
// and opens the embeddable element, every request the browser makes (pages, the worker and
// the service worker, whose own requests Playwright reports when told to) goes to the site's
// own origin, is a GET of a static file, and carries none of the learner's values in any
// form (plain, URL-encoded, base64) in its URL, headers or body. The server's own log must
// agree, and no CSP violation is logged: the pages' own, and the module worker's and the
// service worker's, which they report to the page (checked by provoking one in each). The
// policy itself is checked from the served headers of each kind of response, directive by
// directive.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LEARNER, LOAD_TIMEOUT, enterProfile, launch, newPage, openApp, storedProfile, waitForRecommendations, widgetFrame } from './support/browser.js';
import { WWW, startServer } from './support/server.js';
import { useSite } from './support/site.js';
import { learnerValuesIn } from './support/leaks.js';

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

const leaks = (text) => learnerValuesIn(text, [SEARCH]);

test('a whole session sends nothing but GETs of static files to the own origin', { timeout: LOAD_TIMEOUT * 3 }, async () => {
  const server = await startServer(WWW);
  const browser = await launch();
  const context = await browser.newContext({ acceptDownloads: true });
  const requests = [];
  context.on('request', (request) => requests.push(request));
  const url = (hash) => new URL(hash, server.url).href;
  try {
    const page = await openApp(context, server.url);
    await waitForRecommendations(page);
    await enterProfile(page);
    await page.goto(url('#/catalog'));
    await page.fill('#catalog-search', SEARCH);
    await page.press('#catalog-search', 'Enter');
    await page.waitForFunction(() => document.querySelector('#catalog-status')?.textContent.includes('closest in meaning'));
    await page.click('#catalog-list a');
    await page.waitForSelector('#view-course h1');
    await page.goto(url('#/path'));
    await page.waitForSelector('#path-result svg', { timeout: 60_000 });
    // Offline, once everything is kept: a reload still recommends.
    await page.waitForSelector('#offline-ready[data-ready="true"]', { timeout: 60_000 });
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
    await waitForRecommendations(page);
    await context.setOffline(false);
    // Export, erase, import the file back.
    await page.goto(url('#/data'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const saved = await storedProfile(page);
    await page.click('#erase');
    await page.click('#erase-confirm');
    await page.waitForFunction(() => document.querySelector('#data-message').textContent.includes('erased'));
    await page.setInputFiles('#import-file', await download.path());
    await page.waitForFunction(() => document.querySelector('#data-message').textContent.startsWith('Imported'));
    assert.deepEqual(await storedProfile(page), saved);
    // The embeddable element, on a host page.
    const embed = await newPage(context);
    await embed.goto(url('embed/example.html'));
    await widgetFrame(embed);
    await page.waitForTimeout(1000); // let the service worker finish its background refreshes

    assert.ok(requests.length > 10, `only ${requests.length} requests were seen`);
    assert.ok(requests.some((r) => r.serviceWorker()), "no request from the service worker was seen: its own fetches went unaudited");
    const problems = [];
    for (const request of requests) {
      const target = new URL(request.url());
      const who = request.serviceWorker() ? 'service worker' : frameOf(request);
      const label = `${request.method()} ${request.url()} (from ${who})`;
      if (target.protocol === 'blob:' && request.url().startsWith(`blob:${server.origin}/`)) continue; // the export, made on the page
      if (target.origin !== server.origin) problems.push(`third party: ${label}`);
      if (request.method() !== 'GET') problems.push(`not a GET: ${label}`);
      if (request.postData() !== null) problems.push(`has a body: ${label}`);
      if (target.search) problems.push(`has a query string: ${label}`);
      if (!isStaticFile(target.pathname)) problems.push(`not a static file: ${label}`);
      const found = [...leaks(request.url()), ...leaks(JSON.stringify(await request.allHeaders().catch(() => ({})))), ...leaks(request.postData())];
      if (found.length) problems.push(`carries ${found.join(', ')}: ${label}`);
    }
    for (const entry of server.log) {
      if (!entry.method) continue;
      const label = `${entry.method} ${entry.target} ${entry.status}`;
      if (entry.method !== 'GET') problems.push(`server saw: ${label}`);
      if (![200, 304].includes(entry.status)) problems.push(`server answered: ${label}`);
      if (entry.target.includes('?') || leaks(entry.target).length) problems.push(`server saw data: ${label}`);
    }
    assert.deepEqual(problems, []);
    // A CSP violation in a page is a console error there, so it would be listed here.
    assert.deepEqual([...page.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)), ...embed.errors], []);
    // The service worker's and the worker's requests were part of the audit.
    assert.ok(requests.some((r) => r.url().endsWith('/model/model.onnx')), 'the model download was not seen');

    // Violations in the workers reach the page's console, where the check above looks: a
    // request to another origin from the module worker (refused by its guard, worker.js) and
    // from the service worker (refused by its policy, reported by sw.js).
    const elsewhere = 'http://127.0.0.1:9/probe';
    const before = page.errors.length;
    const worker = page.workers()[0];
    assert.ok(worker, 'the page has no worker');
    assert.equal(await worker.evaluate((u) => fetch(u, { mode: 'no-cors' }).then(() => 'sent', () => 'refused'), elsewhere), 'refused');
    const serviceWorker = context.serviceWorkers()[0];
    assert.ok(serviceWorker, 'no service worker runs');
    assert.equal(await serviceWorker.evaluate((u) => fetch(u, { mode: 'no-cors' }).then(() => 'sent', () => 'refused'), elsewhere), 'refused');
    await page.waitForTimeout(500);
    const reported = page.errors.slice(before).join('\n');
    assert.match(reported, /Wayfinder worker: refused connect-src to http:\/\/127\.0\.0\.1:9/, `page console: ${reported}`);
    assert.match(reported, /Wayfinder service worker: refused connect-src to http:\/\/127\.0\.0\.1:9/, `page console: ${reported}`);
    assert.ok(!requests.some((r) => r.url().startsWith(elsewhere)), 'a refused request went out');

  } finally {
    await context.close();
    await browser.close();
    await server.stop();
  }
});

/** A policy's directives: name -> list of sources. */
function directives(policy) {
  return Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
}

test('every kind of response carries a strict policy, and only the widget frame can be framed', async () => {
  const kinds = {
    'index.html': '', 'a script': 'app.js', 'the module worker': 'pkg/worker.js', 'the service worker': 'sw.js',
    'the widget frame': 'embed/frame.html', 'the widget host example': 'embed/example.html', 'the bundle': 'bundle/manifest.json',
  };
  for (const [kind, file] of Object.entries(kinds)) {
    const response = await fetch(new URL(file, site.url));
    assert.equal(response.status, 200, kind);
    const policy = response.headers.get('content-security-policy');
    assert.ok(policy, `${kind} has no Content-Security-Policy header`);
    const d = directives(policy);
    // Written out here, not copied from the server: the site's origin and nothing else.
    assert.deepEqual(d['default-src'], ["'self'"], `${kind}: ${policy}`);
    assert.deepEqual(d['script-src'], ["'self'", "'wasm-unsafe-eval'"], `${kind}: ${policy}`);
    for (const name of ['connect-src', 'worker-src', 'style-src']) assert.deepEqual(d[name], ["'self'"], `${kind} ${name}: ${policy}`);
    for (const name of ['object-src', 'base-uri', 'form-action']) assert.deepEqual(d[name], ["'none'"], `${kind} ${name}: ${policy}`);
    assert.ok(!/unsafe-inline|unsafe-eval'|https?:/.test(policy.replace("'wasm-unsafe-eval'", '')), `${kind}: ${policy}`);
    assert.deepEqual(d['frame-ancestors'], file === 'embed/frame.html' ? ['*'] : ["'none'"], `${kind}: ${policy}`);
    if (file === '' || file.endsWith('.html')) {
      // The page's own <meta> policy says the same, but for frame-ancestors (which only a header can carry).
      const html = await response.text();
      const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
      assert.ok(meta, `${kind} has no CSP meta tag`);
      const { 'frame-ancestors': _, ...rest } = d;
      assert.deepEqual(directives(meta[1]), rest, kind);
    }
  }
  const wasm = await fetch(new URL('pkg/wayfinder_wasm_bg.wasm', site.url));
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const post = await fetch(site.url, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});

test('another site cannot frame the planner; the widget frame it can', { timeout: LOAD_TIMEOUT }, async () => {
  const host = await startServer(WWW, { csp: "default-src 'self'; frame-src *" });
  const context = await site.browser.newContext();
  try {
    const page = await context.newPage();
    // A page of another origin (another port) framing both.
    await page.goto(new URL('manifest.webmanifest', host.url).href);
    await page.evaluate(([planner, frame]) => {
      document.body.innerHTML = '';
      for (const src of [planner, frame]) {
        const iframe = document.createElement('iframe');
        iframe.src = src;
        document.body.append(iframe);
      }
    }, [site.url, new URL('embed/frame.html', site.url).href]);
    await page.waitForTimeout(3000);
    const loaded = await Promise.all(page.frames().slice(1).map((f) => f.evaluate(() => location.href).catch(() => 'blocked')));
    assert.equal(loaded.filter((href) => href === site.url).length, 0, `the planner loaded in a frame: ${loaded}`);
    assert.ok(loaded.some((href) => href.endsWith('/embed/frame.html')), `the widget frame did not load: ${loaded}`);
  } finally {
    await context.close();
    await host.stop();
  }
});
