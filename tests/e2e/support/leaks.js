// The privacy tests' search for the learner's values in what the browser sends: every value
// of LEARNER (support/browser.js) in plain, URL-encoded and base64 forms.

import { Buffer } from 'node:buffer';
import { LEARNER } from './browser.js';

/** `text` base64-encoded at each of the three alignments it can have inside a longer
 *  encoded string, without the characters its neighbours would change. */
function base64Forms(text) {
  const forms = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.from('\0'.repeat(shift) + text).toString('base64');
    const start = Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + Buffer.byteLength(text)) * 4) / 3);
    if (end - start >= 4) forms.push(encoded.slice(start, end));
  }
  return forms;
}

// Every learner value, and every way it could appear in a URL, a header or a body: course
// ids, a rating with its course, skill names with their levels, the goal and its words.
function secrets(extra) {
  const words = [
    LEARNER.goal, ...LEARNER.goal.split(' ').filter((w) => w.length > 4), ...extra, 'data engineer',
    ...LEARNER.completed, ...LEARNER.skills,
    `"${LEARNER.rating[0]}":${LEARNER.rating[1]}`, `${LEARNER.rating[0]}=${LEARNER.rating[1]}`,
    `"${LEARNER.skills[0]}":0.8`, `${LEARNER.skills[0]}=0.8`,
  ];
  const forms = new Set();
  for (const w of words) {
    for (const v of [w, encodeURIComponent(w), w.replaceAll(' ', '+'), w.replaceAll(' ', '')]) forms.add(v.toLowerCase());
    for (const v of base64Forms(w)) forms.add(v); // base64 is case-sensitive
  }
  return [...forms];
}

/** The learner's values (and `extra` words) found in `text`, in any of the forms above. */
export function learnerValuesIn(text, extra = []) {
  const raw = String(text ?? '');
  const lower = raw.toLowerCase();
  return secrets(extra).filter((s) => raw.includes(s) || lower.includes(s));
}
