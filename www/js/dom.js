// Element builders. Every piece of text, and above all course text from the bundle, goes in
// through text nodes or attributes: nothing here parses HTML, so a course titled
// `<img src=x onerror=alert(1)>` shows those characters and runs nothing.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'min', 'max', 'step']);

function apply(node, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.setAttribute('class', value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key) && key in node) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

/** `el('a', {href, class, text}, ...children)`: children are nodes or strings (as text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  apply(node, props);
  node.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return node;
}

/** `count(1, 'credit')` is "1 credit", `count(3, 'credit')` "3 credits". */
export function count(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, props = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, props);
  node.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return node;
}

/** Replaces a container's children. */
export function fill(container, ...children) {
  container.replaceChildren(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return container;
}

/** The hash link of a course page. */
export function courseHref(id) {
  return `#/course/${encodeURIComponent(id)}`;
}

export function courseLink(id, title) {
  return el('a', { href: courseHref(id), class: 'course-link' }, el('span', { class: 'course-id', text: id }), title ? ` ${title}` : '');
}

let uid = 0;
/** A fresh id for label/control pairs. */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

export function formatBytes(n) {
  if (!n) return '0 MB';
  return n < 100_000 ? `${(n / 1000).toFixed(0)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}

/** Calls `fn` once calls have paused for `ms`. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Makes `container`'s children one element per key, in order, reusing the element already
 * there for a key (so a focused slider or select keeps focus while the list updates).
 * `create(key)` builds a new element; `update(element, key)` refreshes one.
 */
export function syncList(container, keys, create, update = () => {}) {
  const existing = new Map([...container.children].map((child) => [child.dataset.key, child]));
  const wanted = keys.map((key) => {
    const node = existing.get(key) ?? create(key);
    node.dataset.key = key;
    update(node, key);
    return node;
  });
  const keep = new Set(wanted);
  for (const child of [...container.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
  });
}
