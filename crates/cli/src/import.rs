//! `wayfinder import uiuc`: the UIUC catalog and prerequisite CSVs to Wayfinder's JSON.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::files;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// UIUC course catalog CSV plus its prerequisite-group CSV.
    Uiuc(UiucArgs),
}

#[derive(Args)]
pub struct UiucArgs {
    /// The catalog CSV (Subject, Number, Name, Description, Credit Hours, ...).
    #[arg(long)]
    catalog: PathBuf,
    /// The prerequisite CSV (CourseName, PrereqName, ConcurrentAllowed, PrereqGroupNum).
    #[arg(long)]
    prereqs: PathBuf,
    /// Where to write the catalog JSON.
    #[arg(long)]
    out: PathBuf,
    /// Print the import report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: ImportCommand) -> Result<()> {
    let ImportCommand::Uiuc(args) = cmd;
    let (catalog, report) = wayfinder::import::uiuc(&files::read(&args.catalog)?, &files::read(&args.prereqs)?)
        .with_context(|| format!("importing {} and {}", args.catalog.display(), args.prereqs.display()))?;
    std::fs::write(&args.out, catalog.to_json()).with_context(|| format!("cannot write {}", args.out.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("wrote {} courses to {}", report.courses, args.out.display());
        println!("kept {} prerequisite groups; dropped {} members naming unknown courses, {} emptied groups, {} rows for unknown courses", report.groups_kept, report.dropped_members, report.dropped_groups, report.rows_for_unknown_courses);
        println!("{} prerequisite cycle(s):", report.cycles.len());
        for cycle in &report.cycles {
            println!("  {}", cycle.join(" -> "));
        }
    }
    Ok(())
}
