// One course: its description, what it teaches and requires, its prerequisite groups
// (explicit and inferred from skills), the courses it unlocks and the ones most like it.

import { count, courseLink, el, fill } from './dom.js';
import { completedToggle } from './catalog-view.js';
import { profile, subscribe } from './state.js';

function chips(label, items) {
  if (!items.length) return null;
  return el('div', { class: 'chips-block' }, el('h2', { text: label }), el('ul', { class: 'chips' }, items.map((s) => el('li', { class: 'chip', text: s }))));
}

function group(g, index) {
  const done = new Set(profile().completed);
  const met = g.anyOf.some((id) => done.has(id));
  const members = g.anyOf.map((id) => el('li', {}, courseLink(id, index.byId.get(id)?.title), done.has(id) ? el('span', { class: 'done', text: ' ✓ completed' }) : null));
  const notes = [
    g.anyOf.length > 1 ? 'One of:' : 'Requires:',
    g.inferredFrom
      ? `(inferred: these courses teach ${g.inferredFrom})`
      : g.inferred ? '(inferred from the course descriptions, not listed by the school)' : null,
    g.notInCatalog?.length ? `(also ${g.notInCatalog.join(', ')}, not in this catalog)` : null,
    g.concurrent ? '(may be taken in the same term)' : null,
  ].filter(Boolean).join(' ');
  return el('li', { class: met ? 'group met' : 'group' }, el('p', { text: notes }), el('ul', {}, members));
}

function prerequisites(course, index) {
  return course.prerequisites.length
    ? el('ol', { class: 'groups prerequisites' }, course.prerequisites.map((g) => group(g, index)))
    : el('p', { class: 'hint prerequisites', text: 'None: anyone can take it.' });
}

function courseList(title, items, empty) {
  return el('div', {}, el('h2', { text: title }), items.length ? el('ul', { class: 'plain' }, items) : el('p', { class: 'hint', text: empty }));
}

export function mountCourse(section, { rec, index }) {
  let currentId = null;
  async function show(id) {
    currentId = id;
    const course = index.byId.get(id);
    if (!course) {
      fill(section, el('h1', { tabindex: -1, text: 'Course not found' }), el('p', { text: `No course in this catalog has the id “${id}”.` }), el('a', { href: '#/catalog', text: 'Back to the catalog' }));
      return;
    }
    const similar = await rec.similar(id, 5).catch(() => []);
    if (currentId !== id) return;
    const meta = [count(course.credits, 'credit'), course.level ? `level ${course.level}` : null, ...course.tags].filter(Boolean).join(' · ');
    fill(section,
      el('p', {}, el('a', { href: '#/catalog', text: '← Catalog' })),
      el('h1', { tabindex: -1 }, el('span', { class: 'course-id', text: course.id }), ` ${course.title}`),
      el('p', { class: 'meta', text: meta }),
      el('div', { class: 'row' }, completedToggle(course.id)),
      el('p', { class: 'description', text: course.description || 'No description.' }),
      el('div', { class: 'columns' },
        el('div', { class: 'column' },
          chips('Teaches', course.teaches),
          chips('Requires skills', course.requires),
          el('h2', { text: 'Prerequisites' }),
          prerequisites(course, index)),
        el('div', { class: 'column' },
          courseList('Unlocks', course.unlocks.map((u) => el('li', {}, courseLink(u, index.byId.get(u)?.title))), 'No course lists it as a prerequisite.'),
          courseList('Similar courses', similar.map((s) => el('li', {}, courseLink(s.id, s.title))), 'None found.'))));
  }
  // A completion changes the check marks and toggles, not the page: keep focus where it is.
  subscribe(() => {
    if (section.hidden || !index.byId.has(currentId)) return;
    section.querySelectorAll('.toggle').forEach((b) => b.refresh());
    section.querySelector('.prerequisites')?.replaceWith(prerequisites(index.byId.get(currentId), index));
  });
  return { section, show };
}
