// Times the phases of the worker's `load` without changing the library: wraps the globals it
// calls and adds the times (epoch ms, as the worker's clock differs from the page's) to the
// load's reply as `timings`.
const now = () => performance.timeOrigin + performance.now();
const t = {};

const realFetch = self.fetch.bind(self);
self.fetch = (url, ...rest) => {
  t[String(url).endsWith('.wasm') ? 'wasmFetch' : 'filesStart'] ??= now();
  return realFetch(url, ...rest);
};

// wasm-bindgen's init uses instantiateStreaming when the server sends application/wasm.
const instantiate = WebAssembly.instantiateStreaming;
WebAssembly.instantiateStreaming = async (...args) => {
  const result = await instantiate(...args);
  t.wasmReady = now();
  return result;
};

// The files phase ends with the last byte read or the last Cache API write, whichever is later.
const put = Cache.prototype.put;
Cache.prototype.put = async function (...args) {
  await put.apply(this, args);
  t.ioEnd = Math.max(t.ioEnd ?? 0, now());
};

const post = self.postMessage.bind(self);
self.postMessage = (message) => {
  if (message.progress) t.ioEnd = Math.max(t.ioEnd ?? 0, now());
  else if (message.result?.cacheKey) message.result.timings = { ...t, reply: now() };
  post(message);
};
