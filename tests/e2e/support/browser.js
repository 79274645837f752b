// Debian's Chromium driven by playwright-core (which never downloads a browser), and the
// steps a learner takes that several tests share.

import { chromium } from 'playwright-core';

// CHROMIUM is the name tests/browser read before they shared this module.
export const CHROMIUM = process.env.WAYFINDER_CHROMIUM ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Loading the model in wasm takes seconds on a busy 2-core machine. */
export const LOAD_TIMEOUT = 180_000;

// Playwright reports a service worker's own requests only with this set when the browser
// starts; the privacy audit needs them.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A browser with a profile on disk (installability is not judged in incognito contexts). */
export function launchPersistent(dir) {
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A new page that records uncaught errors and console errors in `errors`. */
export async function newPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(`console: ${msg.text()}`); });
  return page;
}

/** Opens the planner at `url` and waits until it has loaded (or shown a failure). */
export async function openApp(context, url) {
  const page = await newPage(context);
  await page.goto(url);
  await page.waitForSelector('body[data-state]', { timeout: LOAD_TIMEOUT });
  return page;
}

/** Waits until the recommendations for the current profile are shown. */
export async function waitForRecommendations(page) {
  await page.waitForFunction(() => document.querySelectorAll('#next-list[aria-busy="false"] > li').length > 0, null, { timeout: 60_000 });
}

/** The learner's session: a goal, three completed courses, a rating and two skills. */
export const LEARNER = {
  goal: 'I want to become a data engineer',
  completed: ['CS 101', 'MATH 100', 'STAT 100'],
  rating: ['CS 101', '5'],
  skills: ['python', 'spreadsheets'],
};

export async function enterProfile(page) {
  await page.goto(new URL('#/plan', page.url()).href);
  await page.fill('#goal', LEARNER.goal);
  await page.press('#goal', 'Enter');
  for (const id of LEARNER.completed) {
    await page.fill('#add-completed', id);
    await page.press('#add-completed', 'Enter');
  }
  await page.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Completed courses"] > li').length === n, LEARNER.completed.length);
  await page.getByLabel(`Your rating of ${LEARNER.rating[0]}`).selectOption(LEARNER.rating[1]);
  for (const skill of LEARNER.skills) {
    await page.fill('#add-skill', skill);
    await page.press('#add-skill', 'Enter');
  }
  const slider = page.getByRole('slider', { name: LEARNER.skills[0] });
  await slider.focus();
  for (let i = 0; i < 3; i += 1) await slider.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('#next-status')?.textContent.includes('your goal'));
  // Saved: the rating, the slider's level and the target skills derived from the goal.
  await page.waitForFunction(`(${readStoredProfile})().then((p) => Boolean(p && p.skills.python === 0.8 && Object.keys(p.ratings).length === 1 && p.targetSkills.length > 0))`);
}

/**
 * Reads the stored profile in the page (the planner's schema: `{rev, profile}` under `profile`
 * in the `learner` store) without creating the database when there is none, and closes its
 * connection so that an erase is never blocked by it. Passed to the page as source (the
 * page's CSP allows no eval, and Playwright's own evaluation is not subject to it).
 */
export function readStoredProfile() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('wayfinder');
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('learner')) { db.close(); resolve(null); return; }
      const get = db.transaction('learner').objectStore('learner').get('profile');
      get.onsuccess = () => { db.close(); resolve(get.result?.profile ?? null); };
      get.onerror = () => { db.close(); reject(get.error); };
    };
  });
}

/** The profile as IndexedDB holds it (null when there is none). */
export function storedProfile(page) {
  return page.evaluate(readStoredProfile);
}

/**
 * The <wayfinder-next> widget's frame on `page` (it sits in a closed shadow root, so only the
 * browser's frame tree reaches it), once it shows its list.
 */
export async function widgetFrame(page, timeout = LOAD_TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = page.frames().find((f) => f.url().includes('/embed/frame.html'));
    if (frame) {
      await frame.waitForSelector('body[data-state]', { timeout: Math.max(1, deadline - Date.now()) });
      if ((await frame.getAttribute('body', 'data-state')) !== 'ready') throw new Error(`the widget failed: ${await frame.textContent('#status')}`);
      return frame;
    }
    if (Date.now() > deadline) throw new Error('no widget frame on the page');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
