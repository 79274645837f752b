// "Your data": what is stored and where, and the learner's controls over it: export to a
// JSON file, import it back (checked before it replaces anything), erase everything.

import { count, el, fill } from './dom.js';
import { LIMITS, exportFile, importFile } from './profile.js';
import { erase, lastSaveError, profile, profileSetAside, replace, subscribe } from './state.js';

function download(name, data) {
  // A blob: URL is local to this page; saving it sends nothing anywhere.
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function summary(p) {
  const rated = Object.keys(p.ratings).length;
  return [
    `${p.completed.length} completed course${p.completed.length === 1 ? '' : 's'} (${rated} rated)`,
    `${Object.keys(p.skills).length} skill level${Object.keys(p.skills).length === 1 ? '' : 's'}`,
    `${p.targetSkills.length} target skill${p.targetSkills.length === 1 ? '' : 's'}`,
    p.goalText ? `goal: “${p.goalText}”` : 'no goal',
  ];
}

export function mountData(section, { index }) {
  const list = el('ul', { id: 'data-summary' });
  const message = el('p', { id: 'data-message', class: 'status', role: 'status', 'aria-live': 'polite' });
  const fileInput = el('input', { id: 'import-file', type: 'file', accept: 'application/json,.json' });
  const confirmBox = el('div', { class: 'confirm', hidden: true },
    el('p', { text: 'Erase your courses, ratings, skills and goal from this browser? This cannot be undone unless you exported them.' }),
    el('div', { class: 'row' },
      el('button', { type: 'button', id: 'erase-confirm', class: 'danger', text: 'Yes, erase everything', onclick: async () => {
        await erase();
        confirmBox.hidden = true;
        message.textContent = 'Your data was erased from this browser, in every tab, with the files Wayfinder kept for offline use; it is saving those again so the planner still opens offline.';
      } }),
      el('button', { type: 'button', text: 'Cancel', onclick: () => { confirmBox.hidden = true; message.textContent = 'Nothing was erased.'; } })));

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    if (!file) return;
    try {
      // Refused before it is read: a file can be any size.
      if (file.size > LIMITS.importBytes) throw new Error(`the file is ${Math.ceil(file.size / 1024)} KB, more than the ${LIMITS.importBytes / 1024} KB a profile can be`);
      const imported = importFile(await file.text());
      await replace(imported);
      message.textContent = `Imported ${file.name}: ${summary(imported).join(', ')}.`;
    } catch (err) {
      message.textContent = `Could not import ${file.name}: ${err.message}. Your data was not changed.`;
    }
    fileInput.value = '';
  });

  const m = index.manifest;
  section.append(
    el('h1', { id: 'data-title', text: 'Your data', tabindex: -1 }),
    el('p', { text: 'Everything you enter stays in this browser (IndexedDB on this device). Wayfinder has no server that receives it: recommendations, paths and searches are computed here, in a background worker.' }),
    el('h2', { text: 'What is stored' }), list,
    el('h2', { text: 'Export, import, erase' }),
    el('div', { class: 'row wrap' },
      el('button', { type: 'button', id: 'export', text: 'Export to a file', onclick: () => {
        download('wayfinder-profile.json', exportFile(profile()));
        message.textContent = 'Saved wayfinder-profile.json to your downloads.';
      } }),
      el('span', { class: 'file-field' }, el('label', { for: 'import-file', text: 'Import a file' }), fileInput),
      el('button', { type: 'button', id: 'erase', class: 'danger', text: 'Erase my data', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } })),
    confirmBox, message,
    el('h2', { text: 'About the course data' }),
    el('p', { class: 'meta', text: `${count(m.counts.courses, 'course')}, bundle format ${m.format} v${m.version}, built ${m.created}. Embeddings ${m.embedding_storage}${m.embedder ? `, model ${m.embedder.name}` : ''}.` }));

  const render = (p) => {
    const err = lastSaveError();
    const aside = profileSetAside();
    fill(list, summary(p).map((s) => el('li', { text: s })),
      err ? el('li', { class: 'failure', text: `This browser did not save the profile (${err.message}); it lasts until you close the page.` }) : null,
      aside ? el('li', { id: 'profile-aside', class: 'failure', text: `The profile stored here could not be read (${aside}); it was kept aside, unchanged, and you started with an empty one.` }) : null);
  };
  subscribe(render);
  render(profile());
  return { section, show: () => render(profile()) };
}
