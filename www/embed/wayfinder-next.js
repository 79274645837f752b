// <wayfinder-next>: a "recommended next" list for any catalog page, on any site. The list is
// computed in a frame served by the planner (embed/frame.html), from the learner's profile in
// the planner's own storage: no script of the host page (analytics included) can read the
// profile, the frame's DOM or its storage. This file runs on the host page and holds nothing of
// the learner's; it imports nothing and no attribute names code to load. It passes the host's
// context to the frame and turns the frame's messages into events (docs/embed.md). A classic
// script, so a host on another origin loads it without any CORS set-up on the planner's side.
//
//   <script src="https://planner.example.edu/embed/wayfinder-next.js" defer></script>
//   <wayfinder-next k="5" course="CS 225" course-href="/courses/{id}"></wayfinder-next>
//
// Attributes: k (1-20), course (the course being viewed), course-href (link template, http(s)
// or relative, with {id}), heading, goal-text (present: rank by the learner's goal too, which
// downloads the 23 MB language model). Events: `wayfinder-ready` {count}, and a cancelable
// `wayfinder-choose` {course, href}, after which the element follows href unless cancelled.

(() => {
const FRAME = new URL('frame.html', document.currentScript.src);
const PROTOCOL = 1;
const MARK = 'wayfinder-course-id';

/** The link template as an absolute http(s) URL, or null: `javascript:` and the like are refused. */
function absoluteTemplate(template) {
  if (!template?.includes('{id}')) return null;
  try {
    const url = new URL(template.replaceAll('{id}', MARK), document.baseURI);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.replaceAll(MARK, '{id}') : null;
  } catch {
    return null;
  }
}

class WayfinderNext extends HTMLElement {
  static observedAttributes = ['k', 'course', 'course-href', 'heading', 'goal-text'];
  #frame = null;
  #ready = false;

  connectedCallback() {
    if (this.#frame) return;
    const frame = document.createElement('iframe');
    frame.src = FRAME.href;
    frame.title = this.getAttribute('heading') ?? 'Recommended next for you';
    // Set through the CSS object model, which a host's style-src policy allows.
    Object.assign(frame.style, { display: 'block', width: '100%', height: '12rem', border: '1px solid #cbd5e1', borderRadius: '10px' });
    this.attachShadow({ mode: 'closed' }).append(frame);
    this.#frame = frame;
    addEventListener('message', this.#onMessage);
  }

  disconnectedCallback() {
    removeEventListener('message', this.#onMessage);
    this.#frame?.remove();
    this.#frame = null;
    this.#ready = false;
  }

  attributeChangedCallback() {
    if (this.#ready) this.#send();
  }

  #send() {
    this.#frame.contentWindow.postMessage({
      type: 'wayfinder:context',
      version: PROTOCOL,
      k: this.getAttribute('k'),
      course: this.getAttribute('course'),
      courseHref: absoluteTemplate(this.getAttribute('course-href')),
      heading: this.getAttribute('heading'),
      goalText: this.hasAttribute('goal-text'),
    }, FRAME.origin);
  }

  #onMessage = (event) => {
    if (!this.#frame || event.source !== this.#frame.contentWindow || event.origin !== FRAME.origin) return;
    const data = event.data ?? {};
    if (data.version !== PROTOCOL) return;
    if (data.type === 'wayfinder:ready') {
      this.#ready = true;
      this.#send();
    } else if (data.type === 'wayfinder:height' && Number.isFinite(data.height)) {
      this.#frame.style.height = `${Math.min(2000, Math.max(48, data.height))}px`;
    } else if (data.type === 'wayfinder:shown') {
      this.dispatchEvent(new CustomEvent('wayfinder-ready', { detail: { count: Number(data.count) || 0 } }));
    } else if (data.type === 'wayfinder:choose' && typeof data.course === 'string') {
      const href = absoluteTemplate(this.getAttribute('course-href'))?.replaceAll('{id}', encodeURIComponent(data.course)) ?? null;
      const go = this.dispatchEvent(new CustomEvent('wayfinder-choose', { detail: { course: data.course, href }, cancelable: true, bubbles: true }));
      if (go && href) location.assign(href);
    }
  };
}

if (!customElements.get('wayfinder-next')) customElements.define('wayfinder-next', WayfinderNext);
})();
