//! Text embeddings with all-MiniLM-L6-v2: text in, 384-dimensional unit vector out.
//!
//! The same code embeds course descriptions in the native pipeline and a learner's goal or
//! search in the browser, so the two sides agree to float rounding. Like the rest of the core
//! it does no I/O: [`Embedder::from_bytes`] takes the model and tokenizer files' bytes, which
//! the CLI reads from `model/` and the browser fetches.
//!
//! For each text:
//! 1. **Tokenize** with the model's `tokenizer.json` (BERT uncased WordPiece), as
//!    `[CLS] pieces [SEP]`, cut to [`MAX_TOKENS`] (reported in [`Embedding::truncated`]);
//! 2. **Encode** with the ONNX model on tract, which gives one 384-wide state per token;
//! 3. **Pool**: average the states of the text's tokens (padding excluded), then scale the
//!    average to unit length, so a dot product of two embeddings is their cosine.
//!
//! An empty or whitespace-only text has no word pieces and is embedded as `[CLS] [SEP]`, as
//! sentence-transformers does: a valid unit vector, the same for all such texts, and not an
//! error.
//!
//! The model file needs one preparation, done in [`Embedder::from_bytes`]: its embedding
//! tables are int8 and dequantized before the lookup, which the loader rewrites to look up
//! first (see `rewrite.rs`); tract then folds the other weights' dequantization into f32
//! constants once, at load.

mod batch;
mod model;
mod pool;
mod rewrite;
mod tokenize;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use tokenize::{Tokens, MAX_TOKENS};

use crate::bundle::{sha256_hex, EmbedderInfo};

use crate::{Error, Result};

/// The graph rewrites alone on a model file's bytes, for the fuzz target (`fuzz/`); not part
/// of the API. Returns how many lookups, scaled products and folded weights each of two passes
/// rewrote.
///
/// # Errors
/// [`Error::EmbedModel`] when the bytes are not an ONNX model with a graph.
#[doc(hidden)]
pub fn rewrite_for_fuzzing(model: &[u8]) -> Result<[usize; 6]> {
    rewrite::rewrite_bytes(model)
}

/// Length of every embedding (MiniLM-L6's hidden size).
pub const DIM: usize = 384;

/// The name of Wayfinder's own matrix-product kernel when an edge registered one that runs
/// here (`wayfinder-kernels`: the browser module registers its wasm kernel where a timed probe
/// finds it faster than tract's, the CLI the AVX-512 and AMX ones), as it appears in tract's
/// plan descriptions; `None` where tract's own run.
pub fn matmul_kernel() -> Option<&'static str> {
    wayfinder_kernels::active().map(|k| k.name)
}

/// Whether the registered kernel (AMX) wants each product's weights as the model's int8
/// integers with the scale applied after (`rewrite::scale_after_matmul`).
pub(crate) fn wants_integer_weights() -> bool {
    wayfinder_kernels::active().is_some_and(|k| k.integer_weights)
}

/// One text's embedding, with how much of the text it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// [`DIM`] floats of unit length.
    pub vector: Vec<f32>,
    /// Tokens the model saw, `[CLS]` and `[SEP]` included (2 for an empty text).
    pub tokens: usize,
    /// True when the text was longer than [`MAX_TOKENS`] tokens and only its start was used.
    pub truncated: bool,
}

/// MiniLM sentence embedder: a tokenizer and a prepared tract plan. Loading takes a while
/// (parsing and optimising the graph), embedding is then cheap; load once and share it:
/// it is `Send + Sync` and every method takes `&self`.
pub struct Embedder {
    tokenizer: tokenize::WordPiece,
    encoder: model::Encoder,
    model_sha256: String,
    tokenizer_sha256: String,
}

impl Embedder {
    /// Loads the ONNX model (`model/model.onnx`) and its `tokenizer.json` from their bytes.
    ///
    /// The tokenizer is set to truncate at [`MAX_TOKENS`] and not to pad, whatever the file
    /// says (MiniLM's says 128 and pads to 128).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] when the tokenizer JSON cannot be loaded; [`Error::EmbedModel`] when
    /// the bytes are not an ONNX model tract can run with `input_ids`, `attention_mask` and
    /// `token_type_ids` inputs; [`Error::Dimension`] when its token states are not [`DIM`] wide.
    ///
    /// # Example
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use wayfinder::embed::Embedder;
    ///
    /// let model = std::fs::read("model/model.onnx")?;
    /// let tokenizer = std::fs::read("model/tokenizer.json")?;
    /// let embedder = Embedder::from_bytes(&model, &tokenizer)?;
    /// let a = embedder.embed("intro to machine learning")?;
    /// let b = embedder.embed("Introduction to Machine Learning")?;
    /// let cosine: f32 = a.vector.iter().zip(&b.vector).map(|(x, y)| x * y).sum();
    /// assert!(cosine > 0.8);
    /// # Ok(()) }
    /// ```
    pub fn from_bytes(model: &[u8], tokenizer: &[u8]) -> Result<Self> {
        Self::parse(model, tokenizer, sha256_hex(model), sha256_hex(tokenizer))
    }

    /// As [`Embedder::from_bytes`], for files that must be the ones a bundle names: both hashes
    /// are checked against `expected` before either file is parsed, so a model that is not the
    /// bundle's never reaches the ONNX parser or the graph rewrite.
    ///
    /// # Errors
    /// [`Error::EmbedderMismatch`] naming the file whose hash differs; then as
    /// [`Embedder::from_bytes`].
    pub fn from_expected_bytes(model: &[u8], tokenizer: &[u8], expected: &EmbedderInfo) -> Result<Self> {
        let (model_sha256, tokenizer_sha256) = (sha256_hex(model), sha256_hex(tokenizer));
        expected.check(&model_sha256, &tokenizer_sha256)?;
        Self::parse(model, tokenizer, model_sha256, tokenizer_sha256)
    }

    fn parse(model: &[u8], tokenizer: &[u8], model_sha256: String, tokenizer_sha256: String) -> Result<Self> {
        let tokenizer = tokenize::WordPiece::from_bytes(tokenizer)?;
        let encoder = model::Encoder::from_bytes(model)?;
        if encoder.dim() != DIM {
            return Err(Error::Dimension { what: "embedding model token states", expected: DIM, got: encoder.dim() });
        }
        Ok(Embedder { tokenizer, encoder, model_sha256, tokenizer_sha256 })
    }

    /// Lowercase hex SHA-256 of the model bytes this embedder was loaded from; a bundle records
    /// it so that vectors from different models are never compared.
    pub fn model_sha256(&self) -> &str {
        &self.model_sha256
    }

    /// Lowercase hex SHA-256 of the tokenizer JSON this embedder was loaded from.
    pub fn tokenizer_sha256(&self) -> &str {
        &self.tokenizer_sha256
    }

    /// The token ids the model would see for `text`.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the tokenizer fails on the text.
    pub fn tokenize(&self, text: &str) -> Result<Tokens> {
        self.tokenizer.encode(text)
    }

    /// Embeds one text as fast as possible: no padding, one model run. This is the browser's
    /// path for a learner's query.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] or [`Error::EmbedModel`] if tokenizing or inference fails.
    pub fn embed(&self, text: &str) -> Result<Embedding> {
        let tokens = self.tokenizer.encode(text)?;
        Ok(Embedding { vector: self.run_one(&tokens)?, tokens: tokens.ids.len(), truncated: tokens.truncated })
    }

    /// One text's vector from its tokens, on the single-text plan.
    fn run_one(&self, tokens: &Tokens) -> Result<Vec<f32>> {
        let n = tokens.ids.len();
        let ids = tokens.ids.iter().map(|&id| i64::from(id)).collect();
        let states = self.encoder.run(&model::Batch { rows: 1, len: n, ids, mask: vec![1; n] })?;
        pool::mean_normalized(&states, DIM, n)
    }

    /// Embeds many texts for throughput: texts are sorted by token count and run
    /// `batch_size` at a time, so each batch pads little; padding is masked out of attention
    /// and pooling, so each result matches [`Embedder::embed`] to float rounding. Results are
    /// in input order. On native targets batches run on all available cores; on wasm32, in
    /// the calling thread, one text at a time (the browser keeps only the single-text plan).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `batch_size` is 0; otherwise as [`Embedder::embed`].
    pub fn embed_batch<S: AsRef<str>>(&self, texts: &[S], batch_size: usize) -> Result<Vec<Embedding>> {
        if batch_size == 0 {
            return Err(Error::param("batch_size", "must be at least 1"));
        }
        let tokens = texts.iter().map(|t| self.tokenizer.encode(t.as_ref())).collect::<Result<Vec<_>>>()?;
        let batches = batch::by_length(&tokens, batch_size);
        let vectors = self.run_batches(&tokens, &batches)?;
        let mut out: Vec<Option<Embedding>> = vec![None; texts.len()];
        for (members, vectors) in batches.iter().zip(vectors) {
            for (&i, vector) in members.iter().zip(vectors) {
                out[i] = Some(Embedding { vector, tokens: tokens[i].ids.len(), truncated: tokens[i].truncated });
            }
        }
        Ok(out.into_iter().map(|e| e.expect("every text is in one batch")).collect())
    }

    /// Runs every batch, on as many threads as there are cores (one where threads are not
    /// available, as on wasm32), and returns each batch's vectors in its members' order.
    fn run_batches(&self, tokens: &[Tokens], batches: &[Vec<usize>]) -> Result<Vec<Vec<Vec<f32>>>> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(batches.len());
        if workers <= 1 {
            return batches.iter().map(|members| self.run_batch(tokens, members)).collect();
        }
        let next = AtomicUsize::new(0);
        let mut done: Vec<(usize, Result<Vec<Vec<f32>>>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = vec![];
                        loop {
                            let b = next.fetch_add(1, Ordering::Relaxed);
                            let Some(members) = batches.get(b) else { break mine };
                            mine.push((b, self.run_batch(tokens, members)));
                        }
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("an embedding worker panicked")).collect()
        });
        done.sort_by_key(|(b, _)| *b);
        done.into_iter().map(|(_, vectors)| vectors).collect()
    }

    fn run_batch(&self, tokens: &[Tokens], members: &[usize]) -> Result<Vec<Vec<f32>>> {
        if members.len() == 1 || !self.encoder.plans_batches() {
            return members.iter().map(|&i| self.run_one(&tokens[i])).collect();
        }
        let batch = batch::padded(tokens, members);
        let states = self.encoder.run(&batch)?;
        let row = batch.len * DIM;
        members
            .iter()
            .enumerate()
            .map(|(r, &i)| pool::mean_normalized(&states[r * row..(r + 1) * row], DIM, tokens[i].ids.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Embedder>();
    }
}
