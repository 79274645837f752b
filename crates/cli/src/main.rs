//! `wayfinder`: the native command line. It reads files, calls the core, and prints;
//! every rule lives in the core.

use clap::{Parser, Subcommand};

mod answer;
mod build;
mod embed;
mod eval;
mod files;
mod import;

#[derive(Parser)]
#[command(name = "wayfinder", version, about = "Course recommendations that stay on the learner's device")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a model offline (rating prediction or top-k ranking).
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Embed text lines from stdin as JSON arrays of 384 floats on stdout, in input order.
    Embed(embed::EmbedArgs),
    /// Print the text each course is embedded from (`title. description (tags)`), one JSON
    /// string per line in catalog order, for tools that embed the same texts.
    Texts(embed::TextsArgs),
    /// Convert another catalog format to Wayfinder's JSON.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Build a bundle: validate, infer skills and prerequisites, train, embed, write.
    Build(build::BuildArgs),
    /// Recommend what to take next, from a bundle.
    Recommend(answer::RecommendArgs),
    /// Plan a learning path to target skills, from a bundle.
    Path(answer::PathArgs),
    /// Print the prerequisite graph of a bundle (explicit and inferred edges, cycles).
    Graph(answer::GraphArgs),
}

fn main() {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(cmd) => eval::run(cmd),
        Command::Embed(args) => embed::run(args),
        Command::Texts(args) => embed::texts(args),
        Command::Import(cmd) => import::run(cmd),
        Command::Build(args) => build::run(args),
        Command::Recommend(args) => answer::recommend(args),
        Command::Path(args) => answer::path(args),
        Command::Graph(args) => answer::graph(args),
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(1);
    }
}

/// Ends the process quietly when a reader of stdout goes away (`wayfinder graph --json | head`),
/// as `cat` and `grep` do. Rust ignores SIGPIPE, so every `println!` after the reader left
/// would fail with EPIPE and panic; with the default action the process ends at the first one.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
