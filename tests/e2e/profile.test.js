// The learner's profile survives: two tabs editing at once keep both edits, an erase in one
// tab empties the others and is not undone by their next edit, a stored profile that fails
// its checks is kept aside and reported, a database of the previous schema is migrated, and
// erase removes the database and Wayfinder's caches (the planner's own files are then saved
// again, so it still opens offline).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOAD_TIMEOUT, openApp, readStoredProfile, storedProfile } from './support/browser.js';
import { useSite } from './support/site.js';

const site = useSite();

async function addCompleted(page, id) {
  await page.goto(new URL('#/plan', page.url()).href);
  await page.fill('#add-completed', id);
  await page.press('#add-completed', 'Enter');
}

async function addSkill(page, skill) {
  await page.goto(new URL('#/plan', page.url()).href);
  await page.fill('#add-skill', skill);
  await page.press('#add-skill', 'Enter');
}

/** Waits until the page's profile editor lists exactly these completed courses and skills. */
async function shows(page, completed, skills) {
  await page.goto(new URL('#/plan', page.url()).href);
  await page.waitForFunction(([c, s]) => {
    const list = (label) => [...document.querySelectorAll(`ul[aria-label="${label}"] > li`)].map((li) => li.textContent);
    const courses = list('Completed courses');
    const levels = [...document.querySelectorAll('button[aria-label^="Remove skill "]')].map((b) => b.getAttribute('aria-label').slice('Remove skill '.length));
    return courses.length === c.length && c.every((id) => courses.some((t) => t.includes(id))) && levels.length === s.length && s.every((k) => levels.includes(k));
  }, [completed, skills], { timeout: 30_000 });
}

/** Writes the `wayfinder` database as schema `version` holds it, before the app opens it. */
function writeDatabase(page, version, stores, record) {
  return page.evaluate(([v, names, value]) => new Promise((resolve, reject) => {
    const open = indexedDB.open('wayfinder', v);
    open.onupgradeneeded = () => {
      for (const [name, options] of names) open.result.createObjectStore(name, options);
      open.transaction.objectStore('learner').put(value, 'profile');
    };
    open.onsuccess = () => { open.result.close(); resolve(); };
    open.onerror = () => reject(open.error);
  }), [version, stores, record]);
}

function readAside(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('wayfinder');
    open.onsuccess = () => {
      const get = open.result.transaction('aside').objectStore('aside').getAll();
      get.onsuccess = () => { open.result.close(); resolve(get.result); };
      get.onerror = () => reject(get.error);
    };
    open.onerror = () => reject(open.error);
  }));
}

test('two tabs editing at once keep both edits, and an erase in one empties the other for good', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext();
  const a = await openApp(context, site.url);
  const b = await openApp(context, site.url);
  for (const page of [a, b]) assert.equal(await page.getAttribute('body', 'data-state'), 'ready');
  await Promise.all([addCompleted(a, 'CS 101'), addSkill(b, 'sql')]);
  // Each tab shows the other's edit as well as its own, and both are stored.
  await shows(a, ['CS 101'], ['sql']);
  await shows(b, ['CS 101'], ['sql']);
  const stored = await storedProfile(a);
  assert.deepEqual(stored.completed, ['CS 101']);
  assert.deepEqual(Object.keys(stored.skills), ['sql']);

  await a.goto(new URL('#/data', site.url).href);
  await a.click('#erase');
  await a.click('#erase-confirm');
  await a.waitForFunction(() => document.querySelector('#data-message').textContent.includes('erased'));
  await shows(b, [], []);
  // The next edit in the other tab starts from the erased profile: nothing comes back.
  await addSkill(b, 'statistics');
  await shows(b, [], ['statistics']);
  await b.waitForFunction(`(${readStoredProfile})().then((p) => p && Object.keys(p.skills).join() === 'statistics')`);
  const after = await storedProfile(a);
  assert.deepEqual([after.completed, after.skills], [[], { statistics: 0.5 }]);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test('erase removes the database and every Wayfinder cache, then the planner is saved again and opens offline', { timeout: LOAD_TIMEOUT * 2 }, async () => {
  const context = await site.browser.newContext();
  const page = await openApp(context, site.url);
  await addSkill(page, 'sql');
  await page.waitForFunction(`(${readStoredProfile})().then((p) => p && 'sql' in p.skills)`);
  // The service worker keeps the app and the data under wayfinder-site-*, the module's worker
  // the bundle under wayfinder-v*. A mark in each: the erase must take every cache with it.
  await page.waitForSelector('#offline-ready[data-ready="true"]', { timeout: 120_000 });
  const marked = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('wayfinder'));
    for (const name of names) await (await caches.open(name)).put('/erase-mark', new Response('mark'));
    return names;
  });
  assert.ok(marked.some((n) => n.startsWith('wayfinder-site-')), `caches: ${marked}`);
  await page.goto(new URL('#/data', site.url).href);
  await page.click('#erase');
  await page.click('#erase-confirm');
  await page.waitForFunction(() => document.querySelector('#data-message').textContent.includes('erased'));
  const left = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('wayfinder'));
    const marks = await Promise.all(names.map(async (n) => (await (await caches.open(n)).match('/erase-mark')) !== undefined));
    return {
      databases: (await indexedDB.databases()).map((d) => d.name),
      marked: names.filter((_, i) => marks[i]),
      ready: document.querySelector('#offline-ready').dataset.ready,
    };
  });
  assert.deepEqual(left.databases.filter((n) => n === 'wayfinder'), []);
  assert.deepEqual(left.marked, []);
  assert.equal(left.ready, 'false', 'the page still says it is saved for offline use');
  assert.equal(await storedProfile(page), null);
  // The service worker saves the planner's files again: with the network gone, it opens.
  await page.waitForSelector('#offline-ready[data-ready="true"]', { timeout: 120_000 });
  await context.setOffline(true);
  await page.goto('about:blank');
  await page.goto(site.url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: LOAD_TIMEOUT });
  await context.close();
});

test('a stored profile that fails its checks is kept aside and reported, never overwritten', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL('manifest.webmanifest', site.url).href);
  const bad = { rev: 4, profile: { completed: ['CS 101'], skills: { sql: 7 } } };
  await writeDatabase(page, 2, [['learner', {}], ['aside', { autoIncrement: true }]], bad);
  const app = await openApp(context, site.url);
  assert.equal(await app.getAttribute('body', 'data-state'), 'ready');
  assert.match(await app.textContent('#profile-notice'), /could not be read \(skills\.sql: expected a number from 0 to 1\).*kept aside/);
  assert.equal(await app.isVisible('#profile-notice'), true);
  await addSkill(app, 'python');
  await app.waitForFunction(`(${readStoredProfile})().then((p) => p && 'python' in p.skills)`);
  const aside = await readAside(app);
  assert.equal(aside.length, 1);
  assert.deepEqual(aside[0].value, bad);
  assert.match(aside[0].reason, /skills\.sql/);
  assert.deepEqual((await storedProfile(app)).completed, []);
  await app.goto(new URL('#/data', site.url).href);
  assert.match(await app.textContent('#profile-aside'), /kept aside, unchanged/);
  await context.close();
});

test('a database of schema 1, as the previous version wrote it, is migrated with its profile', { timeout: LOAD_TIMEOUT }, async () => {
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL('manifest.webmanifest', site.url).href);
  const v1 = { completed: ['CS 101', 'MATH 100'], ratings: { 'CS 101': 4 }, skills: { python: 0.6 }, goalText: 'data', targetSkills: ['sql'], creditsPerTerm: 12 };
  await writeDatabase(page, 1, [['learner', {}]], v1);
  const app = await openApp(context, site.url);
  assert.equal(await app.getAttribute('body', 'data-state'), 'ready');
  await shows(app, ['CS 101', 'MATH 100'], ['python']);
  assert.deepEqual(await storedProfile(app), v1);
  const schema = await app.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('wayfinder');
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('learner').objectStore('learner').get('profile');
      get.onsuccess = () => { db.close(); resolve({ version: db.version, stores: [...db.objectStoreNames], rev: get.result.rev }); };
    };
  }));
  assert.deepEqual(schema, { version: 2, stores: ['aside', 'learner'], rev: 1 });
  // The first edit after the migration keeps everything that was there.
  await addSkill(app, 'sql');
  await app.waitForFunction(`(${readStoredProfile})().then((p) => p && 'sql' in p.skills)`);
  assert.deepEqual(await storedProfile(app), { ...v1, skills: { python: 0.6, sql: 0.5 } });
  await context.close();
});
