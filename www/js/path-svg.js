// Draws a learning path as SVG: one column per term (or, without a credit limit, per
// prerequisite depth), one box per course, an arrow from each course to those that come
// after it. Boxes are links to the course pages. All text is set as text content.

import { count, courseHref, svg } from './dom.js';

const BOX_W = 184;
const BOX_H = 52;
const COL_GAP = 64;
const ROW_GAP = 14;
const HEAD = 34;
const PAD = 10;

/** Column of every step: its term when the plan has terms, else its depth in the `after` graph. */
export function columnsOf(steps) {
  if (steps.length && steps.every((s) => s.term != null)) return new Map(steps.map((s) => [s.id, s.term]));
  // Steps come in prerequisite order, so one pass sees every course's predecessors first.
  const depth = new Map();
  for (const s of steps) depth.set(s.id, Math.max(-1, ...s.after.map((a) => depth.get(a) ?? -1)) + 1);
  return depth;
}

// Orders each column by the mean row of the boxes pointing into it, which removes most
// crossings for graphs of this size.
function place(steps, column) {
  const columns = Math.max(0, ...column.values()) + 1;
  const cols = Array.from({ length: columns }, () => []);
  for (const s of steps) cols[column.get(s.id)].push(s);
  const row = new Map();
  cols.forEach((list) => {
    const key = (s) => {
      const rows = s.after.filter((a) => row.has(a)).map((a) => row.get(a));
      return rows.length ? rows.reduce((x, y) => x + y, 0) / rows.length : Infinity;
    };
    list.sort((a, b) => key(a) - key(b));
    list.forEach((s, i) => row.set(s.id, i));
  });
  return { cols, row };
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function drawPath(steps, { termLabel = 'Term' } = {}) {
  const column = columnsOf(steps);
  const { cols, row } = place(steps, column);
  const x = (id) => PAD + column.get(id) * (BOX_W + COL_GAP);
  const y = (id) => HEAD + row.get(id) * (BOX_H + ROW_GAP);
  const width = PAD * 2 + cols.length * BOX_W + (cols.length - 1) * COL_GAP;
  const height = HEAD + Math.max(...cols.map((c) => c.length)) * (BOX_H + ROW_GAP) + PAD;

  const edges = [];
  for (const s of steps) {
    for (const a of s.after.filter((id) => column.has(id))) {
      const sameColumn = column.get(a) === column.get(s.id);
      const [x1, y1] = sameColumn ? [x(a), y(a) + BOX_H / 2] : [x(a) + BOX_W, y(a) + BOX_H / 2];
      const [x2, y2] = [x(s.id), y(s.id) + BOX_H / 2];
      const bend = sameColumn ? -28 : COL_GAP / 2;
      const d = `M${x1},${y1} C${x1 + bend},${y1} ${x2 - Math.abs(bend)},${y2} ${x2 - 2},${y2}`;
      edges.push(svg('path', { class: 'path-edge', d, 'marker-end': 'url(#wf-arrow)' }));
    }
  }

  const heads = cols.map((_, c) => svg('text', { class: 'path-head', x: PAD + c * (BOX_W + COL_GAP) + BOX_W / 2, y: 20, 'text-anchor': 'middle', text: `${termLabel} ${c + 1}` }));
  const boxes = steps.map((s) => svg('a', { href: courseHref(s.id), class: 'path-node' },
    svg('title', { text: `${s.id} ${s.title}` }),
    svg('rect', { x: x(s.id), y: y(s.id), width: BOX_W, height: BOX_H, rx: 8 }),
    svg('text', { class: 'path-id', x: x(s.id) + 10, y: y(s.id) + 21, text: s.id }),
    svg('text', { class: 'path-title', x: x(s.id) + 10, y: y(s.id) + 40, text: truncate(s.title, 26) })));

  return svg('svg', { class: 'path-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `Learning path drawing: ${count(steps.length, 'course')} in ${count(cols.length, termLabel.toLowerCase())}` },
    svg('defs', {}, svg('marker', { id: 'wf-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { class: 'path-arrow', d: 'M0,0 L10,5 L0,10 z' }))),
    heads, edges, boxes);
}
