//! Wayfinder's core: a course catalog, its prerequisite graph, learning paths, knowledge gaps,
//! matrix-factorization models, content similarity, hybrid ranking with explanations, and
//! offline evaluation.
//!
//! The core does no I/O: it takes bytes and values and returns values, and builds for native
//! targets and for `wasm32-unknown-unknown` alike.
//!
//! It has no `unsafe` code but one documented exception: fold-in's solves compiled a second
//! time for AVX2 (`mf/foldin.rs`), chosen at run time. The matrix-product kernels live in
//! `crates/kernels`, registered by the edges that want them.
#![deny(unsafe_code)]

pub mod api;
pub mod bundle;
pub mod catalog;
#[cfg(feature = "embed")]
pub mod embed;
pub mod engine;
pub mod error;
pub mod eval;
pub mod gaps;
pub mod graph;
pub mod import;
pub mod interactions;
pub mod mf;
pub mod neighbours;
pub mod path;
#[cfg(feature = "train")]
pub mod pipeline;
pub mod rank;
pub mod similarity;
pub mod skills;

pub use catalog::{Catalog, Course, CourseIx, Strictness};
pub use error::{Error, Result};
