//! `wayfinder embed`: one text per stdin line in, one JSON array of floats per stdout line out,
//! in the same order. The core does the embedding; this reads the files and streams.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
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
