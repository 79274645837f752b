//! `wayfinder embed`: one text per stdin line in, one JSON array of floats per stdout line out,
//! in the same order. The core does the embedding; this reads the files and streams.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::embed::MAX_TOKENS;

use crate::files;

/// Lines embedded between two writes to stdout and two progress updates.
const CHUNK: usize = 512;

#[derive(Args)]
pub struct EmbedArgs {
    /// Directory holding model.onnx and tokenizer.json (`make model` fetches them there).
    #[arg(long, default_value = "model")]
    model: PathBuf,
    /// Texts per model run (runs go to every core); see `wayfinder build --batch`.
    #[arg(long, default_value_t = 1)]
    batch: usize,
}

#[derive(Args)]
pub struct TextsArgs {
    /// The catalog JSON.
    #[arg(long)]
    catalog: PathBuf,
    /// Keep prerequisites naming courses the catalog does not hold, as `build --lenient` does.
    #[arg(long)]
    lenient: bool,
}

/// `wayfinder texts`: the core's course texts ([`wayfinder::pipeline::course_text`]), so a
/// baseline embeds exactly what `build` embeds without restating the rule.
pub fn texts(args: TextsArgs) -> Result<()> {
    let strictness = if args.lenient { Strictness::Lenient } else { Strictness::Strict };
    let (catalog, _) = Catalog::from_json(&files::read(&args.catalog)?, strictness)
        .with_context(|| format!("catalog {}", args.catalog.display()))?;
    let mut out = BufWriter::new(io::stdout().lock());
    for course in catalog.courses() {
        serde_json::to_writer(&mut out, &wayfinder::pipeline::course_text(course))?;
        out.write_all(b"\n").context("writing texts to stdout")?;
    }
    out.flush().context("writing texts to stdout")?;
    Ok(())
}

pub fn run(args: EmbedArgs) -> Result<()> {
    let embedder = files::embedder(&args.model)?;
    let lines: Vec<String> =
        io::stdin().lock().lines().collect::<io::Result<_>>().context("reading texts from stdin")?;

    let progress = ProgressBar::new(lines.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} texts, {per_sec}, eta {eta}")
            .expect("the progress template is valid"),
    );
    let mut out = BufWriter::new(io::stdout().lock());
    let mut truncated = 0;
    for (k, chunk) in lines.chunks(CHUNK).enumerate() {
        let first = k * CHUNK + 1;
        let embeddings = embedder
            .embed_batch(chunk, args.batch)
            .with_context(|| format!("embedding stdin lines {first} to {}", first + chunk.len() - 1))?;
        for embedding in embeddings {
            truncated += usize::from(embedding.truncated);
            serde_json::to_writer(&mut out, &embedding.vector)?;
            out.write_all(b"\n").context("writing vectors to stdout")?;
        }
        progress.inc(chunk.len() as u64);
    }
    out.flush().context("writing vectors to stdout")?;
    progress.finish_and_clear();
    if truncated > 0 {
        eprintln!(
            "note: {truncated} of {} texts had more than {MAX_TOKENS} tokens; only their start was embedded",
            lines.len()
        );
    }
    Ok(())
}
