// The widget on somebody else's page: a host on another origin (another port) embeds
// <wayfinder-next> with the snippet and Content-Security-Policy of docs/embed.md. The widget
// shows the learner's personal list, while a script on the host that tries to read the
// learner's data (storage, the widget's DOM, the messages it posts) gets nothing; the host's
// context (the course being viewed, k, a link template) is honoured, `javascript:` links are
// refused, a chosen course reaches the host as an event, no model is downloaded, and every
// request the browser makes meanwhile is a GET to the host or the planner that carries no
// learner value in any form (support/leaks.js, shared with the privacy audit). On a host
// of another site the browser partitions the frame's storage, and the widget shows the
// popular list instead.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { LEARNER, LOAD_TIMEOUT, enterProfile, launch, newPage, openApp, widgetFrame } from './support/browser.js';
import { learnerValuesIn } from './support/leaks.js';
import { WWW, requireBuiltSite, startServer } from './support/server.js';

let browser;
let planner;
let host;
let hostDir;

/** The snippet of docs/embed.md, on a catalog page of the host. */
function hostPage(plannerUrl) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host catalog: DATA 301</title>
<script src="${plannerUrl}embed/wayfinder-next.js" defer></script></head>
<body><h1>DATA 301 on the host's catalog</h1>
<wayfinder-next k="4" course="DATA 301" course-href="/courses/{id}"></wayfinder-next></body></html>`;
}

before(async () => {
  requireBuiltSite();
  browser = await launch();
  planner = await startServer(WWW);
  hostDir = await mkdtemp(path.join(os.tmpdir(), 'wayfinder-host-'));
  await writeFile(path.join(hostDir, 'index.html'), hostPage(planner.url));
  await writeFile(path.join(hostDir, 'favicon.ico'), '');
  // The policy docs/embed.md gives a host: its own files, plus the planner's script and frame.
  const csp = `default-src 'self'; script-src 'self' ${planner.origin}; frame-src ${planner.origin}; style-src 'self'; object-src 'none'`;
  host = await startServer(hostDir, { csp });
});

after(async () => {
  await browser?.close();
  await planner?.stop();
  await host?.stop();
  await rm(hostDir, { recursive: true, force: true });
});

/** Everything a host script can try to read of the learner's data. */
function hostReads() {
  return (async () => {
    const element = document.querySelector('wayfinder-next');
    let frameDocument = 'none';
    try {
      frameDocument = window.frames[0]?.document?.body?.innerText ?? 'none';
    } catch (err) {
      frameDocument = `refused: ${err.name}`;
    }
    const databases = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
    return {
      shadowRoot: element.shadowRoot === null ? null : 'open',
      frameDocument,
      databases,
      localStorage: localStorage.length,
      sessionStorage: sessionStorage.length,
      cookie: document.cookie,
      text: document.body.innerText,
      messages: JSON.stringify(window.__messages),
    };
  })();
}

test('a host on another origin shows the personal list and can read none of it', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await browser.newContext();
  const learner = await openApp(context, planner.url);
  await enterProfile(learner);
  const seen = planner.log.length;
  // Every request from here on (the host page, the widget's frame and its worker).
  const requests = [];
  context.on('request', (request) => requests.push(request));

  await context.addInitScript((hostOrigin) => {
    if (location.origin !== hostOrigin) return;
    window.__messages = [];
    window.__chosen = [];
    addEventListener('message', (event) => window.__messages.push(event.data));
    addEventListener('wayfinder-choose', (event) => {
      window.__chosen.push(event.detail);
      event.preventDefault();
    });
  }, host.origin);
  const page = await newPage(context);
  await page.goto(host.url);
  const widget = await widgetFrame(page);

  // The learner's own list: ready courses, none completed, not the course being viewed.
  assert.match(await widget.textContent('#status'), /you are ready to take/);
  const ids = await widget.$$eval('#list strong', (nodes) => nodes.map((n) => n.textContent));
  assert.equal(ids.length, 4);
  for (const id of [...LEARNER.completed, 'DATA 301']) assert.ok(!ids.includes(id), `${id} is listed`);
  const hrefs = await widget.$$eval('#list a', (links) => links.map((a) => a.href));
  assert.deepEqual(hrefs, ids.map((id) => `${host.origin}/courses/${encodeURIComponent(id)}`));

  const reads = await page.evaluate(hostReads);
  assert.equal(reads.shadowRoot, null);
  assert.match(reads.frameDocument, /^refused: SecurityError|^none$/);
  assert.deepEqual(reads.databases, []);
  assert.equal(reads.localStorage + reads.sessionStorage, 0);
  assert.equal(reads.cookie, '');
  for (const value of [...LEARNER.completed, ...LEARNER.skills, ...LEARNER.goal.split(' ').filter((w) => w.length > 5)]) {
    assert.ok(!reads.text.includes(value), `the host page's text holds ${value}`);
    assert.ok(!reads.messages.includes(value), `a message to the host holds ${value}: ${reads.messages}`);
  }
  const types = new Set(JSON.parse(reads.messages).map((m) => m.type));
  assert.deepEqual([...types].sort(), ['wayfinder:height', 'wayfinder:ready', 'wayfinder:shown']);

  // A chosen course reaches the host as a cancelable event with the host's own link.
  await widget.click('#list a');
  await page.waitForFunction(() => window.__chosen.length === 1);
  assert.deepEqual(await page.evaluate(() => window.__chosen), [{ course: ids[0], href: hrefs[0] }]);
  assert.equal(new URL(page.url()).pathname, '/', 'the host page navigated although the event was cancelled');

  // A script link is refused: the links fall back to the planner's own course pages.
  await page.evaluate(() => document.querySelector('wayfinder-next').setAttribute('course-href', 'javascript:alert(1)//{id}'));
  await widget.waitForFunction(() => document.querySelector('#list a')?.href.startsWith(location.origin));
  for (const href of await widget.$$eval('#list a', (links) => links.map((a) => a.href))) assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/index\.html#\/course\//);

  // What the browser sent while the widget ran on the host: GETs to the host or the planner,
  // none carrying a learner value in any form (plain, URL-encoded, base64) in its URL,
  // headers or body.
  assert.ok(requests.some((r) => r.url().endsWith('/embed/frame.html')), `the frame's request was not seen: ${requests.map((r) => r.url())}`);
  for (const request of requests) {
    const label = `${request.method()} ${request.url()}`;
    assert.equal(request.method(), 'GET', label);
    assert.ok([host.origin, new URL(planner.url).origin].includes(new URL(request.url()).origin), `to another origin: ${label}`);
    const sent = [request.url(), JSON.stringify(await request.allHeaders().catch(() => ({}))), request.postData() ?? ''];
    assert.deepEqual(sent.flatMap((text) => learnerValuesIn(text)), [], `learner data in ${label}`);
  }

  // The widget ran on the bundle alone: no model was downloaded for it.
  const fetched = planner.log.slice(seen).map((e) => e.target ?? '');
  assert.ok(fetched.some((t) => t.endsWith('/embed/frame.html')), `the frame was not loaded: ${fetched}`);
  assert.deepEqual(fetched.filter((t) => t.includes('/model/')), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('on a host of another site, the partitioned frame shows the popular list', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await browser.newContext();
  const learner = await openApp(context, planner.url);
  await enterProfile(learner);
  const page = await newPage(context);
  // localhost and 127.0.0.1 are different sites: the frame gets storage of its own.
  await page.goto(host.url.replace('127.0.0.1', 'localhost'));
  const widget = await widgetFrame(page);
  assert.match(await widget.textContent('#status'), /^Popular first courses|^Courses related to DATA 301/);
  assert.equal(await widget.$$eval('#list li', (items) => items.length), 4);
  await context.close();
});
