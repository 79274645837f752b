//! `wayfinder`: the native command line. It reads files, calls the core, and prints;
//! every rule lives in the core.

use clap::{Parser, Subcommand};

mod eval;

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
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(cmd) => eval::run(cmd),
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(1);
    }
}
