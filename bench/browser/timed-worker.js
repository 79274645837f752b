// The library's own worker (pkg/worker.js) with timing probes. Imports evaluate in order,
// so probe.js wraps the globals before worker.js and its wasm glue first use them.
import './probe.js';
import '/pkg/worker.js';
