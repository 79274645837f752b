// The learning path to the goal: target skills (picked by the learner, adopted from a skill
// area, or suggested from the goal text), the fewest courses that teach them with their
// prerequisites, drawn term by term, and the gap analysis beside it.

import { count, courseLink, debounce, el, fill } from './dom.js';
import { skillsForGoal } from './engine.js';
import { renderGaps } from './gaps-view.js';
import { drawPath } from './path-svg.js';
import { goalProfile } from './profile.js';
import { actions, profile, subscribe } from './state.js';

const CREDIT_CHOICES = [[null, 'No limit: show prerequisite order'], [9, '9 credits a term'], [12, '12 credits a term'], [15, '15 credits a term'], [18, '18 credits a term']];

function targetEditor({ rec, index }) {
  const chips = el('ul', { class: 'chips', 'aria-label': 'Target skills' });
  const input = el('input', { id: 'target-skill', type: 'text', list: 'target-skill-options', autocomplete: 'off' });
  const add = el('form', { class: 'stack' },
    el('label', { for: 'target-skill', text: 'Add a target skill' }),
    el('div', { class: 'row' }, input, el('button', { type: 'submit', text: 'Add' })),
    el('datalist', { id: 'target-skill-options' }, index.skills.map((s) => el('option', { value: s }))));
  add.addEventListener('submit', (event) => {
    event.preventDefault();
    const skill = input.value.trim().toLowerCase();
    if (skill && !profile().targetSkills.includes(skill)) actions.addTarget(skill);
    input.value = '';
  });
  const area = el('select', { id: 'target-area' }, el('option', { value: '', text: 'Choose an area…' }), Object.keys(index.areas).map((a) => el('option', { value: a, text: a })));
  area.addEventListener('change', () => { if (area.value) actions.setTargets([...index.areas[area.value]]); });
  const note = el('p', { class: 'hint', 'aria-live': 'polite' });
  const suggest = el('button', { type: 'button', text: 'Suggest from my goal' });
  suggest.addEventListener('click', async () => {
    const goal = profile().goalText.trim();
    if (!goal) { note.textContent = 'Set a goal on “My plan” first.'; return; }
    const skills = await skillsForGoal(rec, index, goal);
    note.textContent = `Suggested from courses that match “${goal}”.`;
    actions.setTargets(skills);
  });
  suggest.disabled = !index.hasModel;

  const box = el('div', { class: 'stack' }, el('h2', { text: 'Target skills' }), chips, add,
    Object.keys(index.areas).length ? el('div', { class: 'stack' }, el('label', { for: 'target-area', text: 'Or adopt a whole skill area' }), area) : null,
    el('div', { class: 'row' }, suggest), note);
  box.render = (p) => fill(chips, p.targetSkills.length
    ? p.targetSkills.map((s) => el('li', { class: 'chip' }, s, el('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove target skill ${s}`, text: '×', onclick: () => actions.removeTarget(s) })))
    : [el('li', { class: 'hint', text: 'No target skills yet.' })]);
  return box;
}

function creditSelect() {
  const select = el('select', { id: 'credits-per-term' }, CREDIT_CHOICES.map(([v, text]) => el('option', { value: v ?? '', text })));
  select.addEventListener('change', () => actions.setCreditsPerTerm(Number(select.value) || null));
  const box = el('div', { class: 'stack' }, el('label', { for: 'credits-per-term', text: 'Plan by term' }), select);
  box.render = (p) => { select.value = p.creditsPerTerm ? String(p.creditsPerTerm) : ''; };
  return box;
}

function reasonText(step) {
  return step.reasons.map((r) => (r.kind === 'teaches' ? `teaches ${r.skills.join(', ')}` : `needed for ${r.courses.join(', ')}`)).join('; ');
}

function pathResult(answer, p, index) {
  if (!answer.steps.length) {
    const why = answer.alreadyMet.length ? 'You already have every target skill.' : 'No course teaches these skills.';
    return [el('p', { class: 'status', text: why })];
  }
  const terms = answer.steps.every((s) => s.term != null);
  const notes = [
    answer.alreadyMet.length ? `Already met: ${answer.alreadyMet.join(', ')}.` : null,
    answer.untaught.length ? `No course teaches: ${answer.untaught.join(', ')}.` : null,
    answer.unreachable.length ? `Out of reach (a prerequisite cannot be met): ${answer.unreachable.join(', ')}.` : null,
  ].filter(Boolean);
  return [
    el('figure', { class: 'path-figure' }, el('div', { class: 'scroll' }, drawPath(answer.steps, { termLabel: terms ? 'Term' : 'Step' })),
      el('figcaption', { text: `${count(answer.steps.length, 'course')}, ${count(answer.totalCredits, 'credit')}${terms ? `, ${count(answer.terms.length, 'term')} of at most ${count(p.creditsPerTerm, 'credit')}` : ', in prerequisite order'}.` })),
    ...notes.map((n) => el('p', { class: 'hint', text: n })),
    el('h3', { text: 'The path, step by step' }),
    el('ol', { class: 'steps' }, answer.steps.map((s) => el('li', {},
      terms ? el('span', { class: 'tag', text: `Term ${s.term + 1}` }) : null,
      courseLink(s.id, s.title), el('span', { class: 'meta', text: ` — ${reasonText(s)}` })))),
  ];
}

export function mountPath(section, { rec, index }) {
  const targets = targetEditor({ rec, index });
  const credits = creditSelect();
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const result = el('div', { id: 'path-result' });
  const gaps = el('aside', { id: 'gaps', class: 'column narrow', 'aria-label': 'Knowledge gaps' });
  section.append(el('h1', { id: 'path-title', text: 'Learning path', tabindex: -1 }),
    el('div', { class: 'columns' },
      el('div', { class: 'column wide' }, el('div', { class: 'toolbar' }, targets, credits), status, result),
      gaps));

  let latest = 0;
  async function refresh() {
    const p = profile();
    targets.render(p);
    credits.render(p);
    if (section.hidden) return;
    const ticket = ++latest;
    if (!p.targetSkills.length) {
      status.textContent = 'Pick target skills, adopt an area, or set a goal to get a path.';
      fill(result);
      renderGaps(gaps, null, false);
      return;
    }
    try {
      const [answer, analysis] = await Promise.all([
        rec.learningPath({ targetSkills: p.targetSkills, completed: p.completed, skills: p.skills, maxCreditsPerTerm: p.creditsPerTerm ?? undefined }),
        rec.gaps({ skills: p.skills, goalProfile: goalProfile(p) }),
      ]);
      if (ticket !== latest) return;
      status.textContent = `Path to ${p.targetSkills.length} target skill${p.targetSkills.length === 1 ? '' : 's'}.`;
      fill(result, pathResult(answer, p, index));
      renderGaps(gaps, analysis, true);
    } catch (err) {
      if (ticket !== latest) return;
      status.textContent = `No path: ${err.message}`;
      fill(result);
    }
  }
  subscribe(debounce(refresh, 100));
  return { section, show: refresh };
}
