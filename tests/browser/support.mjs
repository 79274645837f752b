// Shared by the browser-module tests: a 127.0.0.1 static server (scripts/serve.py) and
// Debian's Chromium through playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');

export function startServer(dir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [resolve(root, 'scripts/serve.py'), '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`serve.py exited with ${code}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      const url = line.match(/http:\/\/127\.0\.0\.1:\d+\/?/)?.[0];
      if (!url) return reject(new Error(`serve.py said: ${line}`));
      resolvePromise({ url: url.endsWith('/') ? url : `${url}/`, stop: () => child.kill() });
    });
  });
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
