// Shared by the browser-module tests: the site tests' 127.0.0.1 static server (scripts/serve.py,
// here serving a folder the test names) and Debian's Chromium through playwright-core (never a
// downloaded browser). One copy of each, in tests/e2e/support/.
export { launch } from '../e2e/support/browser.js';
export { startServer } from '../e2e/support/server.js';
