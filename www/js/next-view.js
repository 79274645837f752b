// "What to take next": the recommender's ranked, diversified list for the current profile,
// each course with its reasons. Only ready, untaken courses come back from the engine, so
// everything listed here can be taken now.

import { count, courseLink, debounce, el, fill } from './dom.js';
import { recommendQuery } from './profile.js';
import { actions, profile, subscribe } from './state.js';

function card(rec, rank) {
  return el('li', { class: 'card next-card' },
    el('div', { class: 'card-head' },
      el('span', { class: 'rank', 'aria-hidden': 'true', text: String(rank) }),
      el('h3', {}, courseLink(rec.id, rec.title)),
      el('span', { class: 'meta', text: count(rec.credits, 'credit') })),
    el('ul', { class: 'reasons', 'aria-label': `Why ${rec.id}` }, rec.explanation.map((reason) => el('li', { text: reason }))),
    el('button', { type: 'button', class: 'quiet', text: 'I have completed this', 'aria-label': `Mark ${rec.id} completed`, onclick: () => actions.toggleCompleted(rec.id) }));
}

function summary(p, answer, withText) {
  const parts = [];
  if (p.completed.length) parts.push(`${p.completed.length} completed course${p.completed.length === 1 ? '' : 's'}`);
  const skills = Object.keys(p.skills).length;
  if (skills) parts.push(`${skills} skill${skills === 1 ? '' : 's'}`);
  if (p.goalText.trim() && withText) parts.push('your goal');
  const basis = parts.length ? `Based on ${parts.join(', ')}` : 'Popular first courses; add what you have done for a personal list';
  const waiting = p.goalText.trim() && !withText ? ' The goal in your words counts once the language model has loaded.' : '';
  return `${basis}. ${answer.recommendations.length} shown of ${count(answer.candidates, 'course')} you are ready to take.${waiting}`;
}

export function mountNext(container, { rec, index, model }) {
  const status = el('p', { id: 'next-status', class: 'status', role: 'status', 'aria-live': 'polite', text: 'Ranking courses…' });
  const list = el('ol', { id: 'next-list', class: 'cards', 'aria-labelledby': 'next-title', 'aria-busy': 'true' });
  container.append(el('h2', { id: 'next-title', text: 'What to take next', tabindex: -1 }), status, list);

  let latest = 0;
  async function refresh() {
    const ticket = ++latest;
    const p = profile();
    try {
      // The goal in words needs the language model, which loads after the bundle: until it
      // is ready the list ranks without it, then again with it.
      const withText = index.hasModel && model.ready();
      const answer = await rec.recommend(recommendQuery(p, { k: 8, withText }));
      if (ticket !== latest) return;
      status.textContent = summary(p, answer, withText);
      fill(list, answer.recommendations.map((r, i) => card(r, i + 1)));
    } catch (err) {
      if (ticket !== latest) return;
      status.textContent = `Recommendations are unavailable: ${err.message}`;
      fill(list);
    }
    list.setAttribute('aria-busy', 'false');
  }
  // Busy from the change until the new list is in: assistive technology (and the tests)
  // then never read a list that belongs to an older profile.
  const later = debounce(refresh, 150);
  subscribe(() => {
    list.setAttribute('aria-busy', 'true');
    later();
  });
  let wasReady = model.ready();
  model.subscribe(({ state }) => {
    if (state === 'ready' && !wasReady && profile().goalText.trim()) refresh();
    wasReady = state === 'ready';
  });
  return refresh();
}
