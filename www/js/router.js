// Hash routes (#/plan, #/catalog, #/course/CS%20225, #/path, #/data). A fragment is never
// sent to a server, so even the course a learner is looking at stays on the device.

const DEFAULT = 'plan';

function parse(hash) {
  const [name, ...rest] = hash.replace(/^#\/?/, '').split('/');
  return { name: name || DEFAULT, arg: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

/** `views` maps a route name to {section, show(arg)}; returns a function that re-renders. */
export function startRouter(views) {
  let first = true;
  async function route(event) {
    // An in-page anchor such as the skip link (#main) is not a route: leave the view alone.
    if (event && location.hash && !location.hash.startsWith('#/')) return;
    let { name, arg } = parse(location.hash);
    if (!views[name]) name = DEFAULT;
    for (const [key, view] of Object.entries(views)) view.section.hidden = key !== name;
    for (const link of document.querySelectorAll('nav [data-route]')) {
      const here = link.dataset.route === name || (name === 'course' && link.dataset.route === 'catalog');
      if (here) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    await views[name].show(arg);
    // After a navigation, move focus to the new view's heading so keyboard and screen-reader
    // users start reading there; on the first load leave focus where the browser put it.
    if (!first) views[name].section.querySelector('h1, h2')?.focus();
    first = false;
  }
  addEventListener('hashchange', route);
  return () => route();
}
