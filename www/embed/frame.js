// The widget's own page (embed/frame.html), framed by a host page through
// embed/wayfinder-next.js. It is served from the planner's origin, so it reads the learner's
// profile from the planner's IndexedDB and ranks on the device, while no script of the host can
// reach this page, its storage or its DOM. It speaks the protocol of docs/embed.md:
//
//   host -> frame  {type: 'wayfinder:context', version: 1, k, course, courseHref, heading, goalText}
//   frame -> host  {type: 'wayfinder:ready', version: 1}
//                  {type: 'wayfinder:height', version: 1, height}
//                  {type: 'wayfinder:shown', version: 1, count}
//                  {type: 'wayfinder:choose', version: 1, course}
//
// Nothing about the learner crosses: only the frame's height, how many courses it shows and
// the course the learner clicked. Framed without the script, the query string gives the same
// context (`frame.html?k=5&course=CS%20225`).

import { count, el, fill } from '../js/dom.js';
import { checkProfile, emptyProfile, isEmpty, recommendQuery } from '../js/profile.js';
import { onProfileChange, readProfile } from '../js/store.js';

const PROTOCOL = 1;
const SITE = new URL('../', import.meta.url);
const $ = (id) => document.getElementById(id);

/**
 * A link template a host may give: absolute http(s) with `{id}` where the course id goes
 * (the host's script resolves relative templates first). Anything else is refused.
 */
export function safeTemplate(template) {
  if (typeof template !== 'string' || template.length > 500 || !template.includes('{id}')) return null;
  try {
    const url = new URL(template.replaceAll('{id}', 'id'));
    return url.protocol === 'http:' || url.protocol === 'https:' ? template : null;
  } catch {
    return null;
  }
}

/** The context with every field checked and bounded; unknown fields are dropped. */
export function checkContext(raw) {
  const text = (v, max) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);
  const k = Math.round(Number(raw.k));
  return {
    k: Number.isFinite(k) ? Math.min(20, Math.max(1, k)) : 5,
    course: text(raw.course, 64),
    courseHref: safeTemplate(raw.courseHref),
    heading: text(raw.heading, 80),
    goalText: raw.goalText === true || raw.goalText === 'true',
  };
}

const query = new URLSearchParams(location.search);
let context = checkContext({ k: query.get('k'), course: query.get('course'), courseHref: query.get('href'), heading: query.get('heading'), goalText: query.get('goal-text') });
let hostOrigin = null;
let loading = null;
let generation = 0;

function post(message) {
  if (hostOrigin) window.parent.postMessage({ ...message, version: PROTOCOL }, hostOrigin);
}

// The model (23 MB) is fetched only when the host asks for goal text: the worker loads it at
// the first call that needs it.
function recommender() {
  loading ??= import(new URL('pkg/wayfinder.js', SITE).href).then(({ Recommender }) => Recommender.load({
    bundleUrl: new URL('bundle/', SITE).href,
    modelUrl: new URL('model/model.onnx', SITE).href,
    tokenizerUrl: new URL('model/tokenizer.json', SITE).href,
    loadModel: 'on-demand',
    // Under the planner's service worker the files are already kept offline.
    useCache: !navigator.serviceWorker?.controller,
  }));
  return loading;
}

async function learner() {
  try {
    const stored = await readProfile();
    return stored ? checkProfile(stored) : emptyProfile();
  } catch {
    return emptyProfile();
  }
}

function href(id) {
  if (context.courseHref) return context.courseHref.replaceAll('{id}', encodeURIComponent(id));
  return new URL(`index.html#/course/${encodeURIComponent(id)}`, SITE).href;
}

function item(id, title, why) {
  const link = el('a', { href: href(id), target: context.courseHref ? '_top' : '_blank', rel: 'noopener' }, el('strong', { text: id }), ` ${title}`);
  // With a host that gave a link template, the host navigates (and may cancel): it hears
  // which course was chosen, never anything else.
  link.addEventListener('click', (event) => {
    if (!hostOrigin || !context.courseHref) return;
    event.preventDefault();
    post({ type: 'wayfinder:choose', course: id });
  });
  return el('li', {}, link, el('span', { class: 'why', text: why }));
}

async function related(rec, course, k) {
  try {
    return await rec.similar(course, k);
  } catch {
    return null; // a course this catalog does not hold
  }
}

async function refresh() {
  const run = ++generation;
  $('title').textContent = context.heading ?? 'Recommended next for you';
  try {
    const rec = await recommender();
    const profile = await learner();
    const { k, course } = context;
    const similar = isEmpty(profile) && course ? await related(rec, course, k) : null;
    let items;
    let status;
    if (similar?.length) {
      items = similar.map((c) => item(c.id, c.title, `Related to ${course}`));
      status = `Courses related to ${course}. Tell the study planner what you have done for a personal list.`;
    } else {
      const withText = context.goalText && Boolean(rec.manifestInfo.manifest.embedder);
      const answer = await rec.recommend(recommendQuery(profile, { k: k + 1, withText }));
      const shown = answer.recommendations.filter((r) => r.id !== course).slice(0, k);
      items = shown.map((r) => item(r.id, r.title, r.explanation[0] ?? ''));
      status = isEmpty(profile)
        ? 'Popular first courses. Tell the study planner what you have done for a personal list.'
        : `${count(shown.length, 'course')} you are ready to take.`;
    }
    if (run !== generation) return; // a newer context or profile is being shown
    $('status').textContent = status;
    fill($('list'), items);
    document.body.dataset.state = 'ready';
    post({ type: 'wayfinder:shown', count: items.length });
  } catch (err) {
    if (run !== generation) return;
    $('status').textContent = `Recommendations are unavailable: ${err.message}`;
    document.body.dataset.state = 'failed';
  }
}

addEventListener('message', (event) => {
  if (event.source !== window.parent || window.parent === window) return;
  const data = event.data;
  if (data?.type !== 'wayfinder:context' || data.version !== PROTOCOL) return;
  hostOrigin = event.origin;
  context = checkContext(data);
  refresh();
  postHeight();
});

function postHeight() {
  post({ type: 'wayfinder:height', height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
}

new ResizeObserver(postHeight).observe(document.documentElement);
onProfileChange(() => refresh());
if (window.parent !== window) window.parent.postMessage({ type: 'wayfinder:ready', version: PROTOCOL }, '*');
refresh();
