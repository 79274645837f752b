// Browse the catalog by subject, or search it by meaning: the query is embedded on the
// device and compared with every course, so "learn to build websites" finds the web courses
// whatever words they use.

import { count, courseLink, el, fill } from './dom.js';
import { actions, profile, subscribe } from './state.js';

export function completedToggle(id) {
  const button = el('button', { type: 'button', class: 'toggle', onclick: () => actions.toggleCompleted(id) });
  const render = () => {
    const done = profile().completed.includes(id);
    button.setAttribute('aria-pressed', String(done));
    button.textContent = done ? '✓ Completed' : 'Mark completed';
    button.setAttribute('aria-label', done ? `${id} completed (press to undo)` : `Mark ${id} completed`);
  };
  render();
  button.refresh = render;
  return button;
}

function courseCard(course) {
  const meta = [count(course.credits, 'credit'), course.level ? `level ${course.level}` : null, ...course.tags].filter(Boolean).join(' · ');
  return el('li', { class: 'card' },
    el('h3', {}, courseLink(course.id, course.title)),
    el('p', { class: 'meta', text: meta }),
    completedToggle(course.id));
}

export function mountCatalog(section, { rec, index }) {
  const input = el('input', { id: 'catalog-search', type: 'search', autocomplete: 'off', placeholder: 'learn to build websites' });
  const subject = el('select', { id: 'catalog-subject' }, el('option', { value: '', text: 'All subjects' }), index.subjects.map((s) => el('option', { value: s, text: s })));
  const form = el('form', { class: 'toolbar', role: 'search' },
    el('div', { class: 'stack grow' }, el('label', { for: 'catalog-search', text: 'Search by meaning' }), el('div', { class: 'row' }, input, el('button', { type: 'submit', text: 'Search' }))),
    el('div', { class: 'stack' }, el('label', { for: 'catalog-subject', text: 'Subject' }), subject));
  const status = el('p', { id: 'catalog-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const clear = el('button', { type: 'button', class: 'quiet', text: 'Show all courses', hidden: true });
  const list = el('ul', { id: 'catalog-list', class: 'cards grid', 'aria-labelledby': 'catalog-title' });
  section.append(el('h1', { id: 'catalog-title', text: 'Catalog', tabindex: -1 }), form, el('div', { class: 'row between' }, status, clear), list);

  let results = null;
  function render() {
    const wanted = subject.value;
    const shown = (results ?? index.courses).filter((c) => !wanted || c.id.startsWith(`${wanted} `));
    fill(list, shown.map(courseCard));
    clear.hidden = !results;
    status.textContent = results
      ? `${count(shown.length, 'course')} closest in meaning to “${input.value.trim()}”, best first.`
      : `${count(shown.length, 'course')}${wanted ? ` in ${wanted}` : ''}.`;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { results = null; render(); return; }
    status.textContent = 'Searching…';
    try {
      const hits = await rec.search(text, 12);
      results = hits.map((h) => index.byId.get(h.id)).filter(Boolean);
    } catch (err) {
      results = null;
      status.textContent = `Search is unavailable: ${err.message}`;
      return;
    }
    render();
  });
  subject.addEventListener('change', render);
  clear.addEventListener('click', () => { input.value = ''; results = null; render(); input.focus(); });
  subscribe(() => list.querySelectorAll('.toggle').forEach((b) => b.refresh()));
  render();
  return { section, show: () => {} };
}
