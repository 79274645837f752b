// <wayfinder-next>: a drop-in "recommended next" list for a catalog page. It reads the
// learner's profile from the same IndexedDB as the Wayfinder study planner (so the page must
// be on the same origin), runs the recommender in a worker on the device, and updates when
// the planner changes the profile in another tab. See www/README.md for the attributes.
//
//   <script type="module" src="/embed/wayfinder-next.js"></script>
//   <wayfinder-next k="5" course-href="/courses/{id}"></wayfinder-next>

import { el, fill } from '../js/dom.js';
import { checkProfile, emptyProfile, isEmpty, recommendQuery } from '../js/profile.js';
import { onProfileChange, readProfile } from '../js/store.js';

const SITE = new URL('../', import.meta.url);
let shared = null;

// One recommender per page, however many elements it has.
async function recommender(element) {
  const url = (attr, fallback) => new URL(element.getAttribute(attr) ?? fallback, SITE).href;
  shared ??= import(url('module', 'pkg/wayfinder.js')).then(({ Recommender }) => Recommender.load({
    bundleUrl: url('bundle', 'bundle/'),
    modelUrl: url('model', 'model/model.onnx'),
    tokenizerUrl: url('tokenizer', 'model/tokenizer.json'),
    // Under the planner's service worker the files are already kept offline.
    useCache: !navigator.serviceWorker?.controller,
  }));
  return shared;
}

class WayfinderNext extends HTMLElement {
  #status;
  #list;
  #rec = null;

  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    this.#status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', text: 'Loading recommendations…' });
    this.#list = el('ol', { class: 'list' });
    const heading = el('h2', { class: 'title', part: 'title', text: this.getAttribute('heading') ?? 'Recommended next for you' });
    root.append(el('link', { rel: 'stylesheet', href: new URL('wayfinder-next.css', import.meta.url).href }), heading, this.#status, this.#list);
    onProfileChange(() => this.refresh());
    this.refresh();
  }

  #href(id) {
    const template = this.getAttribute('course-href');
    if (template) return template.replace('{id}', encodeURIComponent(id));
    return new URL(`index.html#/course/${encodeURIComponent(id)}`, SITE).href;
  }

  async refresh() {
    try {
      this.#rec ??= await recommender(this);
      const stored = await readProfile();
      const profile = stored ? checkProfile(stored) : emptyProfile();
      const k = Math.min(20, Math.max(1, Number(this.getAttribute('k')) || 5));
      const hasModel = Boolean(this.#rec.manifestInfo.manifest.embedder);
      const answer = await this.#rec.recommend(recommendQuery(profile, { k, withText: hasModel }));
      this.#status.textContent = isEmpty(profile)
        ? 'Popular first courses. Tell the study planner what you have done for a personal list.'
        : `${answer.recommendations.length} courses you are ready to take.`;
      fill(this.#list, answer.recommendations.map((r) => el('li', {},
        el('a', { href: this.#href(r.id) }, el('strong', { text: r.id }), ` ${r.title}`),
        el('span', { class: 'why', text: r.explanation[0] ?? '' }))));
      this.dispatchEvent(new CustomEvent('wayfinder-ready', { detail: { count: answer.recommendations.length } }));
    } catch (err) {
      this.#status.textContent = `Recommendations are unavailable: ${err.message}`;
    }
  }
}

customElements.define('wayfinder-next', WayfinderNext);
