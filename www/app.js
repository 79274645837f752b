// The study planner's entry point: starts offline support, restores the learner's profile
// from IndexedDB, loads the recommender with a progress display, then mounts the views.
// A failure to load shows its reason instead of a blank page.

import { mountCatalog } from './js/catalog-view.js';
import { mountCourse } from './js/course-view.js';
import { mountData } from './js/data-view.js';
import { formatBytes } from './js/dom.js';
import { FILES, loadEngine, skillsForGoal } from './js/engine.js';
import { mountNext } from './js/next-view.js';
import { offlineCopyErased, startServiceWorker, watchForUpdate, watchNetwork, watchOfflineReady } from './js/offline.js';
import { mountPath } from './js/path-view.js';
import { mountProfileEditor } from './js/profile-view.js';
import { progressView } from './js/progress.js';
import { startRouter } from './js/router.js';
import { actions, onErased, profile, profileSetAside, restore, subscribe } from './js/state.js';

const $ = (id) => document.getElementById(id);

// What the learner can do about a failure to load, by the error's stable code.
function hintFor(err) {
  switch (err.code) {
    case 'BUNDLE_CORRUPT':
    case 'BUNDLE_VERSION':
    case 'CATALOG_INVALID':
    case 'MODEL_INVALID':
    case 'MODEL_MISMATCH':
      return 'The course data on this site is damaged or does not match this version of Wayfinder. Nothing you entered was lost. The site needs a fresh bundle (make bundle); then try again.';
    case 'NETWORK':
      return err.status === 404
        ? 'A file is missing on the server. `make demo` builds and serves everything the site needs.'
        : 'Check the connection and try again. Nothing you entered was lost.';
    case 'UNSUPPORTED_BROWSER':
      return 'Open the planner in a current version of Firefox, Chrome, Edge or Safari.';
    case 'OUT_OF_MEMORY':
      return 'This device ran out of memory. Close other tabs and try again. Nothing you entered was lost.';
    default:
      return 'Try again. Nothing you entered was lost.';
  }
}

function showFailure(err) {
  $('loading').hidden = true;
  $('failure').hidden = false;
  $('failure-message').textContent = err.message;
  $('failure-hint').textContent = err.hint ?? hintFor(err);
  $('failure-retry').addEventListener('click', () => location.reload(), { once: true });
  document.body.dataset.state = 'failed';
  $('failure-retry').focus();
}

// When the learner states a goal and has no target skills (or only ones derived from an
// earlier goal), derive them from the goal so the path and the gap analysis follow it.
function followGoal({ rec, index }) {
  let goal = profile().goalText;
  let derived = null;
  subscribe(async (p) => {
    if (p.goalText === goal) return;
    goal = p.goalText;
    const automatic = !p.targetSkills.length || (derived && derived.join('\n') === p.targetSkills.join('\n'));
    if (!goal.trim() || !automatic || !index.hasModel) return;
    derived = await skillsForGoal(rec, index, goal);
    if (profile().goalText === goal) actions.setTargets(derived);
  });
}

// The language model (goals in words, search) loads after the bundle; the footer says how far
// it has come, and why not if it could not load. Everything else already works meanwhile.
function watchModel({ model }, target) {
  const show = ({ state, progress, message }) => {
    if (state === 'loading' && progress) {
      target.textContent = `Loading the language model for goals and search: ${formatBytes(progress.loaded)} of ${formatBytes(Math.max(progress.total, progress.loaded))}.`;
    } else if (state === 'loading') {
      target.textContent = 'Loading the language model for goals and search…';
    } else if (state === 'preparing') {
      target.textContent = 'Preparing the language model for goals and search…';
    } else if (state === 'failed') {
      target.textContent = `Goals in your words and search are unavailable: ${message}`;
    } else {
      target.textContent = '';
    }
    target.dataset.state = state;
  };
  model.subscribe(show);
}

function dataFiles(manifest) {
  const names = ['manifest.json', ...Object.keys(manifest.files)];
  return [...names.map((n) => new URL(n, FILES.bundle).href), FILES.model, FILES.tokenizer];
}

async function main() {
  watchNetwork($('net-status'));
  const progress = progressView();
  // The worker must start after the service worker controls the page, or its downloads
  // would bypass the offline copy on the first visit.
  $('loading-status').textContent = 'Saving the app on this device for offline use…';
  await Promise.all([startServiceWorker(), restore()]);
  $('loading-status').textContent = 'Starting the recommender…';
  let engine;
  try {
    engine = await loadEngine((p) => progress.update(p));
  } catch (err) {
    showFailure(err);
    return;
  }

  // A trapped module is replaced by a new worker (wayfinder.js); the learner is told, since
  // the answer they were waiting for failed.
  engine.rec.onRestart = ({ message }) => {
    $('restarted').textContent = `The recommender hit an internal error and was restarted (${message}). Nothing you entered was lost.`;
    $('restarted').hidden = false;
  };
  if (profileSetAside()) {
    $('profile-notice').textContent = `The profile stored in this browser could not be read (${profileSetAside()}). It was kept aside, unchanged; you start with an empty one.`;
    $('profile-notice').hidden = false;
  }
  watchModel(engine, $('model-status'));
  mountProfileEditor($('profile-editor'), engine);
  await mountNext($('next'), engine);
  const views = {
    plan: { section: $('view-plan'), show: () => {} },
    catalog: mountCatalog($('view-catalog'), engine),
    course: mountCourse($('view-course'), engine),
    path: mountPath($('view-path'), engine),
    data: mountData($('view-data'), engine),
  };
  followGoal(engine);
  $('loading').hidden = true;
  await startRouter(views)();
  document.body.dataset.state = 'ready';
  watchOfflineReady(dataFiles(engine.index.manifest), $('offline-ready'));
  onErased(offlineCopyErased);
  watchForUpdate((accept) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', id: 'update-accept', textContent: 'Use it now' });
    button.addEventListener('click', accept, { once: true });
    $('update').replaceChildren('A new version of Wayfinder is saved on this device. ', button);
    $('update').hidden = false;
  });
}

main().catch((err) => showFailure(err));
