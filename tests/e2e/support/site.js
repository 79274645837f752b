// The setup every test file shares: the built site served on 127.0.0.1 and one headless
// Chromium, started before the file's tests and torn down after them.

import { after, before } from 'node:test';
import { launch } from './browser.js';
import { requireBuiltSite, startServer } from './server.js';

/**
 * Registers the file's before/after hooks and returns the site they fill in: `url`, `origin`
 * and `log` (the server's request log), `stopServer()` and `browser`. They exist once the
 * before hook has run, so tests read them from the returned object, not at import time.
 */
export function useSite() {
  const site = {};
  let server;
  before(async () => {
    requireBuiltSite();
    server = await startServer();
    Object.assign(site, { url: server.url, origin: server.origin, log: server.log, stopServer: server.stop });
    site.browser = await launch();
  });
  after(async () => {
    await site.browser?.close();
    await server?.stop();
  });
  return site;
}
