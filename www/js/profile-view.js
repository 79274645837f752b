// The learner's side of "My plan": the goal, the completed courses with their ratings, and
// skill levels on sliders. Every change is saved at once (see state.js).

import { courseLink, el, nextId, syncList } from './dom.js';
import { actions, profile, subscribe } from './state.js';

function goalForm() {
  const input = el('input', { id: 'goal', type: 'text', autocomplete: 'off', placeholder: 'I want to become a data engineer', maxlength: 500 });
  const form = el('form', { class: 'stack', 'aria-describedby': 'goal-help' },
    el('label', { for: 'goal', text: 'Your goal, in your own words' }),
    el('div', { class: 'row' }, input, el('button', { type: 'submit', text: 'Set goal' })),
    el('p', { id: 'goal-help', class: 'hint', text: 'Used for ranking and to pick the skills of your learning path. It is read on this device only.' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.setGoal(input.value.trim());
  });
  return { form, input };
}

// A text box with suggestions; `resolve(text)` turns what was typed into a value or null.
function addForm({ id, label, button, options, resolve, add, message }) {
  const listId = `${id}-options`;
  const input = el('input', { id, type: 'text', list: listId, autocomplete: 'off' });
  const datalist = el('datalist', { id: listId }, options.map(([value, text]) => el('option', { value, text })));
  const note = el('p', { class: 'hint', 'aria-live': 'polite' });
  const form = el('form', { class: 'stack' }, el('label', { for: id, text: label }), el('div', { class: 'row' }, input, el('button', { type: 'submit', text: button })), datalist, note);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = resolve(input.value.trim());
    if (!value) {
      note.textContent = message(input.value.trim());
      return;
    }
    note.textContent = '';
    input.value = '';
    add(value);
  });
  return form;
}

function ratingSelect(id) {
  const selectId = nextId('rating');
  const select = el('select', { id: selectId, class: 'rating' },
    el('option', { value: '', text: 'not rated' }),
    [5, 4, 3, 2, 1].map((r) => el('option', { value: r, text: `${'★'.repeat(r)}${'☆'.repeat(5 - r)} ${r}` })));
  select.addEventListener('change', () => actions.setRating(id, Number(select.value) || null));
  return el('span', { class: 'rating-field' }, el('label', { for: selectId, class: 'visually-hidden', text: `Your rating of ${id}` }), select);
}

function completedRow(index, id) {
  const course = index.byId.get(id);
  return el('li', { class: 'item' },
    courseLink(id, course?.title ?? '(not in this catalog)'),
    el('span', { class: 'actions' }, ratingSelect(id),
      el('button', { type: 'button', class: 'quiet', 'aria-label': `Remove ${id} from completed courses`, text: 'Remove', onclick: () => actions.removeCompleted(id) })));
}

function skillRow(skill) {
  const id = nextId('skill');
  const slider = el('input', { id, type: 'range', min: 0, max: 1, step: 0.1, 'aria-describedby': `${id}-value` });
  const output = el('output', { id: `${id}-value`, for: id });
  slider.addEventListener('input', () => { output.textContent = describeLevel(Number(slider.value)); });
  slider.addEventListener('change', () => actions.setSkill(skill, Number(slider.value)));
  const row = el('li', { class: 'item skill' },
    el('label', { for: id, text: skill }), slider, output,
    el('button', { type: 'button', class: 'quiet', 'aria-label': `Remove skill ${skill}`, text: 'Remove', onclick: () => actions.removeSkill(skill) }));
  row.slider = slider;
  row.output = output;
  return row;
}

export function describeLevel(level) {
  const words = level >= 0.8 ? 'strong' : level >= 0.5 ? 'working' : level > 0 ? 'beginner' : 'none';
  return `${level.toFixed(1)} ${words}`;
}

export function mountProfileEditor(container, { index }) {
  const goal = goalForm();
  const completedList = el('ul', { class: 'list', 'aria-label': 'Completed courses' });
  const completedEmpty = el('p', { class: 'hint', text: 'No completed courses yet. Add them here or from the catalog.' });
  const skillList = el('ul', { class: 'list', 'aria-label': 'Your skills' });
  const skillEmpty = el('p', { class: 'hint', text: 'Add skills you already have and set how strong they are.' });
  const byTitle = new Map(index.courses.map((c) => [c.title.toLowerCase(), c.id]));
  const byLowerId = new Map(index.courses.map((c) => [c.id.toLowerCase(), c.id]));

  container.append(
    el('h2', { text: 'About you', tabindex: -1 }),
    goal.form,
    el('h3', { text: 'Courses you have completed' }),
    addForm({
      id: 'add-completed', label: 'Add a completed course (id or title)', button: 'Add course',
      options: index.courses.map((c) => [c.id, c.title]),
      resolve: (t) => byLowerId.get(t.toLowerCase()) ?? byTitle.get(t.toLowerCase()) ?? null,
      add: (id) => { if (!profile().completed.includes(id)) actions.addCompleted(id); },
      message: (t) => `No course in the catalog is called “${t}”.`,
    }),
    completedEmpty, completedList,
    el('h3', { text: 'Your skills' }),
    addForm({
      id: 'add-skill', label: 'Add a skill', button: 'Add skill',
      options: index.skills.map((s) => [s, '']),
      resolve: (t) => index.skills.find((s) => s === t.toLowerCase()) ?? (t ? t.toLowerCase() : null),
      add: (skill) => { if (!(skill in profile().skills)) actions.setSkill(skill, 0.5); },
      message: () => 'Type a skill name.',
    }),
    skillEmpty, skillList);

  function render(p) {
    if (document.activeElement !== goal.input) goal.input.value = p.goalText;
    completedEmpty.hidden = p.completed.length > 0;
    syncList(completedList, p.completed, (id) => completedRow(index, id), (row, id) => {
      row.querySelector('select').value = p.ratings[id] ? String(p.ratings[id]) : '';
    });
    const skills = Object.keys(p.skills).sort();
    skillEmpty.hidden = skills.length > 0;
    syncList(skillList, skills, skillRow, (row, skill) => {
      row.slider.value = String(p.skills[skill]);
      row.output.textContent = describeLevel(p.skills[skill]);
    });
  }
  subscribe(render);
  render(profile());
}
