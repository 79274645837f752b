// Loads the browser module from /pkg/ against the bundle named in the page's query string
// (?bundle=/path/&model=1) and exposes it to the tests as window.rec.
import { Recommender } from '/pkg/wayfinder.js';

const params = new URLSearchParams(location.search);
const withModel = params.get('model') !== '0';
window.progress = [];
window.modelStates = [];
window.ready = Recommender.load({
  bundleUrl: params.get('bundle'),
  modelUrl: withModel ? '/model/model.onnx' : undefined,
  tokenizerUrl: withModel ? '/model/tokenizer.json' : undefined,
  useCache: params.get('cache') !== '0',
  workerUrl: params.get('worker') ?? undefined,
  loadModel: params.get('loadModel') ?? undefined,
  onProgress: (p) => window.progress.push(p),
  onModelState: (s) => window.modelStates.push(s.state),
}).then((rec) => {
  window.rec = rec;
  document.getElementById('status').textContent = 'ready';
  return true;
}, (err) => {
  document.getElementById('status').textContent = `error: ${err.message}`;
  throw err;
});
