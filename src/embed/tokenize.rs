//! Text to token ids, exactly as the Python `tokenizers` package does it for MiniLM.

use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::{Error, Result};

/// The most tokens a text is given, `[CLS]` and `[SEP]` included; the rest is cut off.
///
/// MiniLM was trained on sequences of at most 256 word pieces (sentence-transformers'
/// `max_seq_length`). The shipped `tokenizer.json` says 128, which would cut descriptions short.
pub const MAX_TOKENS: usize = 256;

/// The token ids of one text, with whether its end was cut off at [`MAX_TOKENS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// `[CLS]`, the word pieces, `[SEP]`: never empty, at most [`MAX_TOKENS`] long.
    pub ids: Vec<u32>,
    /// True when the text had more word pieces than fit, and the tail was dropped.
    pub truncated: bool,
}

/// BERT uncased WordPiece from a `tokenizer.json`, set to truncate at [`MAX_TOKENS`] and never
/// pad (padding is the batch path's job, where it is masked out).
pub(crate) struct WordPiece {
    inner: Tokenizer,
}

impl WordPiece {
    pub(crate) fn from_bytes(json: &[u8]) -> Result<Self> {
        let mut inner =
            Tokenizer::from_bytes(json).map_err(|e| Error::Tokenizer(format!("invalid tokenizer.json: {e}")))?;
        let truncation = TruncationParams {
            max_length: MAX_TOKENS,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
            direction: TruncationDirection::Right,
        };
        inner
            .with_truncation(Some(truncation))
            .map_err(|e| Error::Tokenizer(format!("cannot truncate at {MAX_TOKENS} tokens: {e}")))?;
        inner.with_padding(None);
        Ok(WordPiece { inner })
    }

    pub(crate) fn encode(&self, text: &str) -> Result<Tokens> {
        let encoding = self
            .inner
            .encode(text, true)
            .map_err(|e| Error::Tokenizer(format!("cannot encode a text of {} bytes: {e}", text.len())))?;
        let truncated = !encoding.get_overflowing().is_empty();
        let ids = encoding.get_ids().to_vec();
        if ids.is_empty() {
            // Only a tokenizer.json without the [CLS] ... [SEP] template gets here.
            return Err(Error::Tokenizer("the tokenizer adds no [CLS]/[SEP] tokens; it is not MiniLM's".into()));
        }
        Ok(Tokens { ids, truncated })
    }
}
