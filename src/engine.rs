//! The one facade every edge calls: a loaded bundle, its ranking defaults, and (optionally)
//! the embedder for goal text and search. The browser module and the CLI convert their
//! inputs, call [`crate::api`] with an [`Engine`], and convert the answers; neither decides
//! anything, so the two edges cannot give different answers to the same request.
//!
//! Rules that live here: how a bundle becomes a recommender (its prerequisite graph, its
//! collaborative models), which defaults a query falls back to (the bundle's, chosen by the
//! pipeline on validation data), and the goal-text policy (trimmed; empty text, or a bundle
//! without embeddings, means no goal; goal text without an embedder is an error naming
//! `goalText`).

use crate::bundle::{Bundle, Manifest};
#[cfg(feature = "embed")]
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::graph::{GraphOptions, PrereqGraph};
use crate::rank::{RankDefaults, Recommender};

/// The longest goal or search text, in UTF-8 bytes: far beyond the 256 word pieces the model
/// reads (`embed::MAX_TOKENS`), and small enough that tokenizing it allocates little.
pub const MAX_QUERY_TEXT_BYTES: usize = 16 * 1024;

/// What turns goal and search text into a vector in the model's space: the [`Embedder`] of a
/// build with `embed`, or one an edge supplies. The browser's engine module has no model in it;
/// it calls the embedder module, a second wasm module in the same worker, through the worker's
/// JavaScript (`crates/wasm`).
pub trait TextEncoder {
    /// The text's unit-length embedding.
    ///
    /// # Errors
    /// Whatever the encoder meets (tokenizer and model errors, an [`Error::Encoder`] from the
    /// other module).
    fn encode(&self, text: &str) -> Result<Vec<f32>>;
}

#[cfg(feature = "embed")]
impl TextEncoder for Embedder {
    fn encode(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed(text)?.vector)
    }
}

/// A bundle ready to answer requests. Immutable; it keeps no learner data between calls.
pub struct Engine {
    recommender: Recommender,
    defaults: RankDefaults,
    manifest: Option<Manifest>,
    encoder: Option<Box<dyn TextEncoder>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Engine");
        d.field("courses", &self.recommender.catalog().len()).field("defaults", &self.defaults);
        d.field("encoder", &self.encoder.is_some());
        d.finish_non_exhaustive()
    }
}

impl Engine {
    /// Loads and validates a bundle from its manifest and a way to get each file's bytes
    /// (the CLI reads a directory, the worker fetches URLs).
    ///
    /// # Errors
    /// Every [`Bundle::from_files`] error, and [`Error::InvalidParameter`] for ranking
    /// defaults out of range in the manifest.
    pub fn from_files<'a>(manifest: &[u8], file: impl Fn(&str) -> Option<&'a [u8]>) -> Result<Engine> {
        Engine::from_bundle(Bundle::from_files(manifest, file)?)
    }

    /// An engine over a loaded bundle.
    ///
    /// # Errors
    /// As [`Engine::from_files`], past loading.
    pub fn from_bundle(bundle: Bundle) -> Result<Engine> {
        let defaults = bundle.manifest.ranking.unwrap_or_else(RankDefaults::fallback);
        defaults.validate()?;
        let graph = PrereqGraph::new(&bundle.catalog, GraphOptions::default());
        let recommender = Recommender::new(bundle.catalog, graph, bundle.model, bundle.embeddings, bundle.taxonomy)?
            .with_neighbours(bundle.neighbours)?;
        Ok(Engine { recommender, defaults, manifest: Some(bundle.manifest), encoder: None })
    }

    /// An engine over a recommender built in memory (the evaluation and the pipeline's tuning
    /// rank with exactly the code a bundle's engine runs).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for defaults out of range.
    pub fn new(recommender: Recommender, defaults: RankDefaults) -> Result<Engine> {
        defaults.validate()?;
        Ok(Engine { recommender, defaults, manifest: None, encoder: None })
    }

    /// Loads the embedder from the model and tokenizer files' bytes and attaches it. With a
    /// bundle, their hashes are checked against the manifest before either is parsed
    /// ([`Embedder::from_expected_bytes`]): what the browser fetched is never parsed unless it
    /// is the model the catalog was embedded with.
    ///
    /// # Errors
    /// [`Error::BundleManifest`] when the bundle records no embedder, [`Error::EmbedderMismatch`],
    /// and the embedder's loading errors.
    #[cfg(feature = "embed")]
    pub fn with_embedder_bytes(mut self, model: &[u8], tokenizer: &[u8]) -> Result<Engine> {
        self.attach_embedder_bytes(model, tokenizer)?;
        Ok(self)
    }

    /// [`Engine::with_embedder_bytes`] on an engine already answering: the browser loads the
    /// model after the bundle, so the first answers need no model. On error the engine is
    /// unchanged.
    ///
    /// # Errors
    /// As [`Engine::with_embedder_bytes`].
    #[cfg(feature = "embed")]
    pub fn attach_embedder_bytes(&mut self, model: &[u8], tokenizer: &[u8]) -> Result<()> {
        let embedder = match &self.manifest {
            Some(m) => Embedder::from_expected_bytes(model, tokenizer, m.embedder_info()?)?,
            None => Embedder::from_bytes(model, tokenizer)?,
        };
        self.set_embedder(embedder)
    }

    /// Attaches the embedder for goal text and search, after checking that it is the one that
    /// embedded the catalog.
    ///
    /// # Errors
    /// [`Error::EmbedderMismatch`] naming the model or tokenizer whose hash differs.
    #[cfg(feature = "embed")]
    pub fn with_embedder(mut self, embedder: Embedder) -> Result<Engine> {
        self.set_embedder(embedder)?;
        Ok(self)
    }

    #[cfg(feature = "embed")]
    fn set_embedder(&mut self, embedder: Embedder) -> Result<()> {
        let (model, tokenizer) = (embedder.model_sha256().to_owned(), embedder.tokenizer_sha256().to_owned());
        self.attach_encoder(Box::new(embedder), &model, &tokenizer)
    }

    /// Attaches an encoder for goal text and search that runs the model and tokenizer with
    /// these sha256 hashes, after checking that they are the ones that embedded the catalog.
    /// On error the engine is unchanged.
    ///
    /// # Errors
    /// [`Error::BundleManifest`] when the bundle records no embedder, [`Error::EmbedderMismatch`]
    /// naming the model or tokenizer whose hash differs.
    pub fn attach_encoder(
        &mut self,
        encoder: Box<dyn TextEncoder>,
        model_sha256: &str,
        tokenizer_sha256: &str,
    ) -> Result<()> {
        if let Some(m) = &self.manifest {
            m.embedder_info()?.check(model_sha256, tokenizer_sha256)?;
        }
        self.encoder = Some(encoder);
        Ok(())
    }

    /// Replaces the ranking defaults (the pipeline tries several on one engine).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for defaults out of range.
    pub fn set_defaults(&mut self, defaults: RankDefaults) -> Result<()> {
        defaults.validate()?;
        self.defaults = defaults;
        Ok(())
    }

    pub fn recommender(&self) -> &Recommender {
        &self.recommender
    }
    pub fn defaults(&self) -> &RankDefaults {
        &self.defaults
    }
    /// The bundle's manifest (`None` for an engine built in memory).
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// The goal text a query will use: trimmed, and `None` when empty or when the bundle has
    /// no course embeddings to compare it with.
    pub fn goal_text<'q>(&self, text: Option<&'q str>) -> Option<&'q str> {
        text.map(str::trim).filter(|t| !t.is_empty() && self.recommender.embeddings().is_some())
    }

    /// Whether answering a query with this goal text needs the embedder (the CLI loads the
    /// model only then).
    pub fn needs_embedder(&self, goal_text: Option<&str>) -> bool {
        self.goal_text(goal_text).is_some()
    }

    /// Embeds a text with the attached embedder.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `field` for a text longer than [`MAX_QUERY_TEXT_BYTES`]
    /// (checked before the tokenizer allocates for it), [`Error::NoEmbedder`] naming `field`
    /// when no embedder is attached (or this build has none), and embedding errors.
    pub fn embed(&self, field: &'static str, text: &str) -> Result<Vec<f32>> {
        if text.len() > MAX_QUERY_TEXT_BYTES {
            return Err(Error::param(
                field,
                format!("is {} bytes, more than the {MAX_QUERY_TEXT_BYTES} a goal or search text may have", text.len()),
            ));
        }
        let encoder = self.encoder.as_ref().ok_or(Error::NoEmbedder { field })?;
        let vector = encoder.encode(text)?;
        // A catalog stored in fewer dimensions takes queries through its projection.
        match self.recommender.embeddings() {
            Some(courses) => courses.query(vector),
            None => Ok(vector),
        }
    }

    /// The goal text's embedding under the goal-text policy.
    ///
    /// # Errors
    /// As [`Engine::embed`], naming `goalText`.
    pub fn goal_embedding(&self, goal_text: Option<&str>) -> Result<Option<Vec<f32>>> {
        self.goal_text(goal_text).map(|t| self.embed("goalText", t)).transpose()
    }
}
