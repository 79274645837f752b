// The first-visit progress display: one bar per bundle file the worker loads (the model and
// the tokenizer load afterwards, app.js watchModel) and a status line that a screen reader announces now and then.

import { el, formatBytes } from './dom.js';

export function progressView() {
  const list = document.getElementById('loading-files');
  const status = document.getElementById('loading-status');
  const rows = new Map();
  let announced = 0;

  function row(file) {
    if (!rows.has(file)) {
      const bar = el('progress', { 'aria-label': `${file} download`, max: 1, value: 0 });
      const size = el('span', { class: 'size' });
      list.append(el('li', {}, el('span', { class: 'file', text: file }), bar, size));
      rows.set(file, { bar, size });
    }
    return rows.get(file);
  }

  return {
    update({ file, loaded, total, fromCache }) {
      const { bar, size } = row(file);
      bar.max = Math.max(total, loaded, 1);
      bar.value = loaded;
      size.textContent = `${formatBytes(loaded)} of ${formatBytes(Math.max(total, loaded))}${fromCache ? ' (saved copy)' : ''}`;
      // Announce at most every two seconds so assistive technology is not flooded.
      const now = Date.now();
      if (now - announced > 2000 || loaded >= total) {
        announced = now;
        status.textContent = `${fromCache ? 'Reading' : 'Downloading'} ${file}: ${formatBytes(loaded)} of ${formatBytes(Math.max(total, loaded))}`;
      }
    },
  };
}
