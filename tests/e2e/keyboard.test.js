// The main flow with the keyboard alone: Tab and Enter reach the skip link, the goal, the
// completed-course form, a recommendation and the navigation, and focus is visible.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOAD_TIMEOUT, openApp, storedProfile, waitForRecommendations } from './support/browser.js';
import { useSite } from './support/site.js';

const site = useSite();

/** Presses Tab (or Shift+Tab) until `selector` matches the focused element. */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  assert.fail(`Tab never reached ${selector} (focus is on ${at})`);
}

const focusVisible = (page) => page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none');

test('keyboard reaches and operates the main controls', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext();
  const page = await openApp(context, site.url);
  await waitForRecommendations(page);

  await tabTo(page, 'a.skip');
  await page.keyboard.press('Enter');
  await tabTo(page, '#goal');
  assert.ok(await focusVisible(page), 'the goal field shows no focus ring');
  await page.keyboard.type('I want to build websites');
  await page.keyboard.press('Enter');

  await tabTo(page, '#add-completed');
  await page.keyboard.type('DES 100');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('ul[aria-label="Completed courses"]')?.textContent.includes('DES 100'));

  await tabTo(page, 'select.rating');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, '#add-skill');
  await page.keyboard.type('html');
  await page.keyboard.press('Enter');
  await tabTo(page, 'input[type="range"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.includes('your goal'));
  const profile = await storedProfile(page);
  assert.equal(profile.goalText, 'I want to build websites');
  assert.deepEqual(profile.completed, ['DES 100']);
  assert.ok(profile.skills.html > 0.5, JSON.stringify(profile.skills));

  // A recommendation opens its course page, whose heading takes focus.
  await tabTo(page, '#next-list a');
  assert.ok(await focusVisible(page), 'links show no focus ring');
  const id = await page.evaluate(() => document.activeElement.querySelector('.course-id').textContent);
  await page.keyboard.press('Enter');
  await page.waitForFunction((want) => decodeURIComponent(location.hash) === `#/course/${want}`, id);
  await page.waitForFunction(() => document.activeElement?.matches('#view-course h1'));

  // Back up to the navigation and open the learning path.
  await tabTo(page, 'nav a[data-route="path"]', { back: true });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.matches('#path-title'));
  await page.waitForSelector('#path-result svg a', { timeout: 60_000 });
  await tabTo(page, '#path-result svg a');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.startsWith('#/course/'));
  assert.deepEqual(page.errors, []);
  await context.close();
});
