// The knowledge-gap analysis beside the path: how ready the learner is for the goal, and
// which skills are missing, most important first (foundational skills weigh more).

import { el, fill } from './dom.js';

function pct(x) {
  return `${Math.round(x * 100)}%`;
}

function gapRow(g) {
  return el('tr', {},
    el('th', { scope: 'row' }, g.skill, g.foundational ? el('span', { class: 'tag', text: 'foundational' }) : null),
    el('td', {},
      el('meter', { min: 0, max: 1, value: g.current, 'aria-label': `${g.skill}: you have ${pct(g.current)} of ${pct(g.required)}` }),
      el('span', { class: 'meta', text: ` ${pct(g.current)} of ${pct(g.required)}` })));
}

export function renderGaps(container, analysis, hasTargets) {
  if (!hasTargets) {
    fill(container, el('h2', { text: 'Knowledge gaps' }), el('p', { class: 'hint', text: 'Choose target skills to see what you are missing.' }));
    return;
  }
  const { gaps, strengths, readiness, estimatedCourses } = analysis;
  fill(container,
    el('h2', { text: 'Knowledge gaps' }),
    el('p', { class: 'readiness' },
      el('label', { for: 'readiness-meter', text: 'Readiness for your goal ' }),
      el('meter', { id: 'readiness-meter', min: 0, max: 1, low: 0.4, high: 0.8, optimum: 1, value: readiness }),
      ` ${pct(readiness)}`),
    el('p', { text: estimatedCourses ? `About ${estimatedCourses} course${estimatedCourses === 1 ? '' : 's'} to close the gaps.` : 'No gaps: you have every target skill.' }),
    gaps.length
      ? el('table', { class: 'gaps' },
        el('caption', { class: 'visually-hidden', text: 'Skill gaps, most important first' }),
        el('thead', {}, el('tr', {}, ['Skill', 'You have, of needed'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, gaps.map(gapRow)))
      : null,
    strengths.length
      ? el('div', {}, el('h3', { text: 'Your strengths' }), el('ul', { class: 'chips' }, strengths.map((s) => el('li', { class: 'chip', text: `${s.skill} ${pct(s.level)}` }))))
      : null);
}
