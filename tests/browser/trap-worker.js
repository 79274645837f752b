// The browser module's own worker, with three changes for the recovery tests: `recommend` with
// k = 777 fails as a Rust panic does in wasm32, with a WebAssembly.RuntimeError from a dead
// instance; the embedder module does the same for the goal text "trap the embedder"; with k = 778 the module's memory is first grown until the browser refuses more,
// so the real call (given more course ids than the allocator has free) then runs out of
// memory for real (Rust aborts on a refused allocation).
// The real worker's message handler reports each (worker.js), so the tests see what the
// page-side Recommender does after a trap: a new worker, loaded again.
import '/pkg/worker.js';
import { Engine, initSync } from '/pkg/wayfinder_wasm.js';
import { Embedder } from '/pkg/wayfinder_embed.js';

const embed = Embedder.prototype.embed;
Embedder.prototype.embed = function (text) {
  if (text === 'trap the embedder') throw new WebAssembly.RuntimeError('unreachable executed');
  return embed.call(this, text);
};

const recommend = Engine.prototype.recommend;
Engine.prototype.recommend = function (query) {
  if (query?.k === 777) throw new WebAssembly.RuntimeError('unreachable executed');
  if (query?.k === 778) {
    const { memory } = initSync(); // the instance is loaded: this returns its exports
    for (let pages = 1 << 14; pages >= 1; pages >>= 1) {
      try {
        while (true) memory.grow(pages);
      } catch {
        // no room for this many pages: try fewer
      }
    }
  }
  return recommend.call(this, query);
};
