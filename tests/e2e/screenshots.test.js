// Renders the main views with a learner's profile; each must render without errors. With
// UPDATE_SCREENSHOTS=1 the pictures replace those in docs/screenshots/ (for the READMEs);
// otherwise they go to a temporary folder, so a test run changes no tracked file.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { LOAD_TIMEOUT, enterProfile, newPage, openApp, waitForRecommendations, widgetFrame } from './support/browser.js';
import { ROOT } from './support/server.js';
import { useSite } from './support/site.js';

const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
const OUT = UPDATE ? path.join(ROOT, 'docs/screenshots') : await mkdtemp(path.join(os.tmpdir(), 'wayfinder-screenshots-'));
const VIEWPORT = { width: 1200, height: 820 };

const site = useSite();
// Hooks run in the order they are registered: the folder is removed after the browser closes.
before(() => mkdir(OUT, { recursive: true }));
after(async () => {
  if (!UPDATE) await rm(OUT, { recursive: true, force: true });
});

async function shoot(page, name) {
  await page.mouse.move(0, VIEWPORT.height - 1); // no hover effects in the picture
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

test('the loading view shows per-file progress', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await context.route('**/bundle/tensors.safetensors', async (route) => { await held; await route.continue(); });
  const page = await newPage(context);
  await page.goto(site.url);
  await page.waitForFunction(() => [...document.querySelectorAll('#loading-files .file')].some((n) => n.textContent === 'catalog.json'));
  await shoot(page, 'loading');
  release();
  await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  await context.close();
});

test('main views', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext({ viewport: VIEWPORT });
  const page = await openApp(context, site.url);
  await enterProfile(page);
  await waitForRecommendations(page);
  await page.evaluate(() => document.activeElement?.blur());
  await shoot(page, 'plan');

  await page.goto(new URL('#/catalog', site.url).href);
  await page.fill('#catalog-search', 'learn to build websites');
  await page.press('#catalog-search', 'Enter');
  await page.waitForFunction(() => document.querySelector('#catalog-status')?.textContent.includes('closest in meaning'));
  await shoot(page, 'search');

  await page.goto(new URL(`#/course/${encodeURIComponent('DS 210')}`, site.url).href);
  await page.waitForSelector('#view-course .groups');
  await shoot(page, 'course');

  await page.goto(new URL('#/path', site.url).href);
  await page.waitForSelector('#path-result svg', { timeout: 60_000 });
  await page.waitForSelector('#gaps table');
  await shoot(page, 'path');

  await page.goto(new URL('#/data', site.url).href);
  await page.waitForSelector('#data-summary li');
  await shoot(page, 'data');

  const embed = await newPage(context);
  await embed.setViewportSize({ width: 1000, height: 560 });
  await embed.goto(new URL('embed/example.html', site.url).href);
  await widgetFrame(embed);
  await shoot(embed, 'embed');

  const phone = await newPage(context);
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(site.url);
  await phone.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  await waitForRecommendations(phone);
  await shoot(phone, 'phone');
  assert.deepEqual([...page.errors, ...embed.errors, ...phone.errors], []);
  await context.close();
});
