// Every view read as a learner reads it: for a learner with history, ratings, skills and a
// goal, the visible text of the plan, the catalog, a course, the learning path, the data page
// and the widget holds no `[object`, `undefined` or `NaN`, no "1 credits", and no
// heading with nothing under it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOAD_TIMEOUT, enterProfile, openApp, waitForRecommendations, widgetFrame } from './support/browser.js';
import { useSite } from './support/site.js';

const site = useSite();

const BROKEN = [/\[object/, /\bundefined\b/, /\bNaN\b/, /(^|[^\d.])1 (credits|courses|terms|skills)\b/];

/** The visible text of `root` (a view, or the widget's shadow root) and its empty sections. */
function readView(root) {
  const visible = (node) => node.getClientRects().length > 0;
  const headings = [...root.querySelectorAll('h1, h2, h3')].filter(visible);
  // A heading's section is what follows it up to the next heading; a heading that ends its
  // container (a title whose content sits beside it) has none to judge.
  const empty = headings.filter((h) => {
    const section = [];
    for (let next = h.nextElementSibling; next && !/^H[1-3]$/.test(next.tagName); next = next.nextElementSibling) section.push(next);
    return section.length > 0 && !section.some((node) => visible(node) && node.textContent.trim());
  }).map((h) => h.textContent);
  const text = root.innerText ?? [...root.children].map((c) => c.innerText).join('\n');
  return { text, empty };
}

function check(name, { text, empty }) {
  assert.ok(text.trim().length > 40, `${name}: almost no text: ${JSON.stringify(text)}`);
  for (const pattern of BROKEN) {
    const line = text.split('\n').find((l) => pattern.test(l));
    assert.equal(line, undefined, `${name} shows ${pattern}: ${JSON.stringify(line)}`);
  }
  assert.deepEqual(empty, [], `${name}: headings with nothing under them`);
}

test('every view reads as text, with no broken values', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext({ serviceWorkers: 'block' });
  const page = await openApp(context, site.url);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#failure-message'));
  await enterProfile(page);
  await waitForRecommendations(page);
  check('plan', await page.evaluate(`(${readView})(document.querySelector('#view-plan'))`));

  await page.goto(new URL('#/catalog', site.url).href);
  await page.waitForFunction(() => document.querySelectorAll('#catalog-list > li').length > 0);
  check('catalog', await page.evaluate(`(${readView})(document.querySelector('#view-catalog'))`));

  const first = await page.textContent('#catalog-list > li .course-id');
  await page.goto(new URL(`#/course/${encodeURIComponent(first)}`, site.url).href);
  await page.waitForFunction((id) => document.querySelector('#view-course h1 .course-id')?.textContent === id, first);
  check('course', await page.evaluate(`(${readView})(document.querySelector('#view-course'))`));

  await page.goto(new URL('#/path', site.url).href);
  await page.waitForSelector('#view-path figure figcaption', { timeout: 60_000 });
  check('path', await page.evaluate(`(${readView})(document.querySelector('#view-path'))`));

  await page.goto(new URL('#/data', site.url).href);
  await page.waitForFunction(() => document.querySelector('#view-data')?.innerText.trim().length > 0);
  check('data', await page.evaluate(`(${readView})(document.querySelector('#view-data'))`));
  assert.deepEqual(page.errors, []);

  // The widget on the example host page, for the same learner.
  const host = await context.newPage();
  await host.goto(new URL('embed/example.html', site.url).href);
  const widget = await widgetFrame(host);
  check('widget', await widget.evaluate(`(${readView})(document.body)`));
  await context.close();
});
