// Renders the main views with a learner's profile and saves them to docs/screenshots/ for
// the README; each view must render without errors.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { LOAD_TIMEOUT, enterProfile, launch, newPage, openApp, waitForRecommendations } from './support/browser.js';
import { ROOT, requireBuiltSite, startServer } from './support/server.js';

const OUT = path.join(ROOT, 'docs/screenshots');
const VIEWPORT = { width: 1200, height: 820 };

let server;
let browser;

before(async () => {
  requireBuiltSite();
  await mkdir(OUT, { recursive: true });
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const shoot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

test('the loading view shows per-file progress', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: 'block' });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await context.route('**/model/model.onnx', async (route) => { await held; await route.continue(); });
  const page = await newPage(context);
  await page.goto(server.url);
  await page.waitForFunction(() => [...document.querySelectorAll('#loading-files .file')].some((n) => n.textContent === 'tensors.safetensors'));
  await shoot(page, 'loading');
  release();
  await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  await context.close();
});

test('main views', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await openApp(context, server.url);
  await enterProfile(page);
  await waitForRecommendations(page);
  await page.evaluate(() => document.activeElement?.blur());
  await shoot(page, 'plan');

  await page.goto(new URL('#/catalog', server.url).href);
  await page.fill('#catalog-search', 'learn to build websites');
  await page.press('#catalog-search', 'Enter');
  await page.waitForFunction(() => document.querySelector('#catalog-status')?.textContent.includes('closest in meaning'));
  await shoot(page, 'search');

  await page.goto(new URL(`#/course/${encodeURIComponent('DS 210')}`, server.url).href);
  await page.waitForSelector('#view-course .groups');
  await shoot(page, 'course');

  await page.goto(new URL('#/path', server.url).href);
  await page.waitForSelector('#path-result svg', { timeout: 60_000 });
  await page.waitForSelector('#gaps table');
  await shoot(page, 'path');

  await page.goto(new URL('#/data', server.url).href);
  await page.waitForSelector('#data-summary li');
  await shoot(page, 'data');

  const embed = await newPage(context);
  await embed.setViewportSize({ width: 1000, height: 560 });
  await embed.goto(new URL('embed/example.html', server.url).href);
  await embed.waitForFunction(() => document.querySelector('wayfinder-next')?.shadowRoot?.querySelectorAll('li').length > 0, null, { timeout: LOAD_TIMEOUT });
  await shoot(embed, 'embed');

  const phone = await newPage(context);
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(server.url);
  await phone.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  await waitForRecommendations(phone);
  await shoot(phone, 'phone');
  assert.deepEqual([...page.errors, ...embed.errors, ...phone.errors], []);
  await context.close();
});
