// Which build of the embedder module this browser runs (the engine module has one build). Where
// the browser has relaxed SIMD (Chromium's among them) the matrix kernels use fused
// multiply-add and queries run faster; elsewhere (Safari) the plain SIMD build runs. The test module is one relaxed-SIMD instruction
// (i8x16.relaxed_swizzle), as wasm-feature-detect checks it.
// A classic script, so the module worker and a classic service worker can both load it.
self.WAYFINDER_WASM = WebAssembly.validate(new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0,
  65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11,
])) ? 'wayfinder_embed_relaxed_bg.wasm' : 'wayfinder_embed_bg.wasm';
