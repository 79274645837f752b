// The main flow in a real headless Chromium: the first visit reaches recommendations with a
// progress display, every recommended course is ready, the profile survives a reload, and
// export followed by import restores the same profile.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { LEARNER, LOAD_TIMEOUT, enterProfile, openApp, storedProfile, waitForRecommendations } from './support/browser.js';
import { useSite } from './support/site.js';

const site = useSite();

test('first visit shows download progress, then explained recommendations', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext();
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  // The worker reported progress for every bundle file it downloaded.
  const files = await page.$$eval('#loading-files .file', (nodes) => nodes.map((n) => n.textContent));
  for (const file of ['manifest.json', 'catalog.json', 'tensors.safetensors']) assert.ok(files.includes(file), `no progress for ${file}: ${files}`);
  await waitForRecommendations(page);
  const cards = await page.$$eval('#next-list > li', (items) => items.map((li) => ({ link: li.querySelector('a').textContent, reasons: li.querySelectorAll('.reasons li').length })));
  assert.ok(cards.length >= 3, `only ${cards.length} recommendations`);
  for (const card of cards) assert.ok(card.reasons > 0, `${card.link} has no explanation`);
  // The language model loads after the bundle, in the background.
  await page.waitForSelector('#model-status[data-state="ready"]', { state: 'attached', timeout: LOAD_TIMEOUT });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the first answers need no model: it loads after them, and a goal in words counts once it has', { timeout: LOAD_TIMEOUT }, async () => {
  // No service worker here, so that the route below sees the worker's own requests.
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked = false;
  await context.route('**/model/model.onnx', async (route) => { asked = true; await held; await route.continue(); });
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await waitForRecommendations(page);
  // Recommendations, a course page and a learning path, all while the model is held back.
  await page.goto(new URL(`#/course/${encodeURIComponent('DS 210')}`, site.url).href);
  await page.waitForSelector('#view-course .groups');
  assert.ok(asked, 'the model was never asked for');
  assert.equal(await page.getAttribute('#model-status', 'data-state'), 'loading');
  assert.match(await page.textContent('#model-status'), /Loading the language model/);
  // A goal typed now: the list ranks without it and says so, then with it once the model is in.
  await page.goto(new URL('#/plan', site.url).href);
  await page.fill('#goal', LEARNER.goal);
  await page.press('#goal', 'Enter');
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.includes('counts once the language model has loaded'));
  release();
  await page.waitForSelector('#model-status[data-state="ready"]', { state: 'attached', timeout: LOAD_TIMEOUT });
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.includes('your goal'), null, { timeout: 60_000 });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a model that cannot be fetched leaves everything else working, and says why goals in words are unavailable', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  await context.route('**/model/model.onnx', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await waitForRecommendations(page);
  await page.waitForSelector('#model-status[data-state="failed"]', { timeout: LOAD_TIMEOUT });
  assert.match(await page.textContent('#model-status'), /unavailable: .*model\.onnx.*404/);
  await context.close();
});

test('recommendations follow the profile, are all ready, and survive a reload', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext();
  const page = await openApp(context, site.url);
  await enterProfile(page);
  await waitForRecommendations(page);
  const ids = await page.$$eval('#next-list > li .course-id', (nodes) => nodes.map((n) => n.textContent));
  for (const id of LEARNER.completed) assert.ok(!ids.includes(id), `completed ${id} recommended again`);
  // Nothing unready is shown as ready: every prerequisite group of every recommended course
  // has a completed member (the course page marks such groups as met).
  for (const id of ids) {
    await page.goto(new URL(`#/course/${encodeURIComponent(id)}`, site.url).href);
    await page.waitForFunction((want) => document.querySelector('#view-course h1 .course-id')?.textContent === want, id);
    const unmet = await page.$$eval('#view-course .group:not(.met)', (groups) => groups.map((g) => g.textContent));
    assert.deepEqual(unmet, [], `${id} is recommended with unmet prerequisites`);
  }
  await page.reload();
  await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  const profile = await storedProfile(page);
  assert.deepEqual(profile.completed, LEARNER.completed);
  assert.equal(profile.goalText, LEARNER.goal);
  assert.equal(profile.ratings[LEARNER.rating[0]], Number(LEARNER.rating[1]));
  assert.equal(profile.skills.python, 0.8);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('export then import gives the same profile', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext({ acceptDownloads: true });
  const page = await openApp(context, site.url);
  await enterProfile(page);
  const before = await storedProfile(page);
  assert.ok(before.targetSkills.length > 0, 'the goal gave no target skills');

  await page.click('a[data-route="data"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = await download.path();
  const exported = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(exported.format, 'wayfinder-profile');
  assert.deepEqual(exported.profile, before);

  await page.click('#erase');
  await page.click('#erase-confirm');
  await page.waitForFunction(() => document.querySelector('#data-message').textContent.includes('erased'));
  assert.equal(await storedProfile(page), null);
  assert.match(await page.textContent('#data-summary'), /0 completed courses/);

  await page.setInputFiles('#import-file', file);
  await page.waitForFunction(() => document.querySelector('#data-message').textContent.startsWith('Imported'));
  assert.deepEqual(await storedProfile(page), before);
  assert.match(await page.textContent('#data-summary'), /3 completed courses \(1 rated\)/);

  // A file that is not a profile is refused and changes nothing.
  await page.setInputFiles('#import-file', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"wayfinder-profile","version":1,"profile":{"skills":{"sql":7}}}') });
  await page.waitForFunction(() => document.querySelector('#data-message').textContent.startsWith('Could not import'));
  assert.match(await page.textContent('#data-message'), /skills\.sql/);
  assert.deepEqual(await storedProfile(page), before);

  // So is a file past the size a profile can have, before it is read.
  const huge = Buffer.from(JSON.stringify({ format: 'wayfinder-profile', version: 1, profile: { goalText: 'x'.repeat(2 << 20) } }));
  await page.setInputFiles('#import-file', { name: 'huge.json', mimeType: 'application/json', buffer: huge });
  await page.waitForFunction(() => document.querySelector('#data-message').textContent.startsWith('Could not import huge.json'));
  assert.match(await page.textContent('#data-message'), /more than the 1024 KB a profile can be/);
  assert.deepEqual(await storedProfile(page), before);
  assert.deepEqual(page.errors, []);
  await context.close();
});
