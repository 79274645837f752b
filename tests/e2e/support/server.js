// Starts scripts/serve.py on a free 127.0.0.1 port for one test file and keeps its request
// log (`METHOD PATH STATUS` per line on stderr), so tests can audit what reached the server.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The site under test: `make site`'s dist/, or another build of it (WAYFINDER_SITE). */
export const WWW = path.resolve(process.env.WAYFINDER_SITE ?? path.join(ROOT, 'dist'));

const NEEDED = {
  'pkg/wayfinder_wasm_bg.wasm': 'make site',
  'pkg/wayfinder_embed_bg.wasm': 'make site',
  'pkg/wayfinder.js': 'make site',
  'bundle/manifest.json': 'make site',
  'model/model.onnx': 'make site',
  'model/tokenizer.json': 'make site',
};

/** Throws naming what to build when the site's generated files are missing. */
export function requireBuiltSite() {
  const missing = Object.entries(NEEDED).filter(([file]) => !existsSync(path.join(WWW, file)));
  if (missing.length) {
    throw new Error(`the site in ${WWW} is not built: missing ${missing.map(([f, how]) => `${f} (${how})`).join(', ')}; \`make test-e2e\` builds and links everything`);
  }
}

/**
 * Serves `dir` (the site by default; tests/browser serves a harness folder), under the URL
 * path `base`, with `hostDir` served at every other path of the origin when given, and `csp`
 * as the Content-Security-Policy header instead of the planner's.
 * `port` 0 picks a free port; a given one serves the same origin again after a stop.
 */
export async function startServer(dir = WWW, { base = '/', hostDir = null, csp = null, port = 0 } = {}) {
  const args = [path.join(ROOT, 'scripts/serve.py'), '--port', String(port), '--dir', dir, '--base', base];
  if (hostDir) args.push('--host-dir', hostDir);
  if (csp) args.push('--csp', csp);
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    const [method, target, status] = line.split(' ');
    if (method && target) log.push({ method, target, status: Number(status) });
    else log.push({ raw: line });
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve.py did not start within 10 s')), 10_000);
    child.once('error', reject); // no python3, for one
    child.once('exit', (code) => reject(new Error(`serve.py exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    log,
    stop: () => new Promise((resolve) => {
      // Already ended (by an exit, or by a signal: then exitCode stays null).
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

/** The BUILD object make site wrote into a built sw.js: {version, files: {path: sha256}, wasm}. */
export function readBuild(source) {
  const match = source.match(/^const BUILD = (\{[\s\S]*?\n\});$/m);
  if (!match) throw new Error('sw.js holds no BUILD: not a site built by make site');
  return JSON.parse(match[1]);
}
