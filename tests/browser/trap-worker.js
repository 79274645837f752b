// The browser module's own worker, with one change for the recovery test: `recommend` with
// k = 777 fails as a Rust panic does in wasm32, with a WebAssembly.RuntimeError from a dead
// instance. The real worker's message handler reports it (worker.js), so the test sees what
// the page-side Recommender does after a trap: a new worker, loaded again.
import '/pkg/worker.js';
import { Engine } from '/pkg/wayfinder_wasm.js';

const recommend = Engine.prototype.recommend;
Engine.prototype.recommend = function (query) {
  if (query?.k === 777) throw new WebAssembly.RuntimeError('unreachable executed');
  return recommend.call(this, query);
};
