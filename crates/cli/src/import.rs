//! `wayfinder import`: other catalog formats to Wayfinder's JSON: any school's CSV (`csv`),
//! UIUC's two CSVs, and the public data sets the evaluation uses.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::files;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A catalog CSV with a header row, one course per row: id, title, description, credits,
    /// level, tags, teaches, requires (lists separated by ';'), prerequisites as text
    /// ("CS 101 or CS 102; MATH 120 (concurrent)"), same_as, no_credit_with. --columns maps
    /// other header names.
    Csv(CsvArgs),
    /// UIUC course catalog CSV plus its prerequisite-group CSV.
    Uiuc(UiucArgs),
    /// MovieLens 100k (a folder with u.item, u.genre, u.data): titles as text, genres as
    /// skills; ratings as the interactions CSV.
    Movielens(DatasetArgs),
    /// MOOCCubeX in kgat form (a folder with train.txt, test.txt, kg_final.txt): linked
    /// concepts as skills; enrolments as the interactions CSV.
    Mooccubex(DatasetArgs),
}

#[derive(Args)]
pub struct DatasetArgs {
    /// The data set's folder.
    #[arg(long)]
    dir: PathBuf,
    /// Where to write the catalog JSON.
    #[arg(long)]
    out_catalog: PathBuf,
    /// Where to write the interactions CSV.
    #[arg(long)]
    out_interactions: PathBuf,
}

fn dataset(
    args: DatasetArgs,
    parse: impl Fn(&dyn Fn(&str) -> Result<Vec<u8>>) -> Result<wayfinder::import::Dataset>,
) -> Result<()> {
    let read = |name: &str| files::read(&args.dir.join(name));
    let data = parse(&read).with_context(|| format!("importing {}", args.dir.display()))?;
    std::fs::write(&args.out_catalog, data.catalog.to_json())
        .with_context(|| format!("cannot write {}", args.out_catalog.display()))?;
    std::fs::write(&args.out_interactions, &data.interactions_csv)
        .with_context(|| format!("cannot write {}", args.out_interactions.display()))?;
    println!(
        "wrote {} courses to {} and {} interactions to {}",
        data.catalog.len(),
        args.out_catalog.display(),
        data.interactions_csv.lines().count() - 1,
        args.out_interactions.display()
    );
    Ok(())
}

#[derive(Args)]
pub struct CsvArgs {
    /// The catalog CSV.
    #[arg(long)]
    catalog: PathBuf,
    /// Where to write the catalog JSON.
    #[arg(long)]
    out: PathBuf,
    /// The file's header names for fields named otherwise, e.g. "id=Course Code,title=Name,prerequisites=Prereqs".
    #[arg(long, default_value = "")]
    columns: String,
    /// Keep going past courses the file does not hold (kept as alternatives that never
    /// satisfy their group), bad credit or level values (left out) and rows without an id
    /// (skipped), reporting each, instead of failing at the first.
    #[arg(long)]
    lenient: bool,
    /// Print the import report as JSON.
    #[arg(long)]
    json: bool,
}

fn import_csv(args: CsvArgs) -> Result<()> {
    use wayfinder::catalog::Strictness;
    use wayfinder::import::csv::{import, Columns};
    let columns = Columns::parse(&args.columns)?;
    let strictness = if args.lenient { Strictness::Lenient } else { Strictness::Strict };
    let (catalog, report) = import(&files::read(&args.catalog)?, &columns, strictness)
        .with_context(|| format!("importing {}", args.catalog.display()))?;
    std::fs::write(&args.out, catalog.to_json()).with_context(|| format!("cannot write {}", args.out.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "wrote {} courses with {} prerequisite groups to {}",
        report.courses,
        report.prerequisite_groups,
        args.out.display()
    );
    for row in &report.rows_without_id {
        println!("  row {row}: no course id; skipped");
    }
    for (row, column, value) in &report.bad_values {
        println!("  row {row}, column {column:?}: {value:?} is not a number; left out");
    }
    for (row, course, id) in &report.unknown_courses {
        println!("  row {row}: {course} names {id}, which the file does not hold; kept as a course that is not in the catalog");
    }
    if report.dropped() > 0 {
        println!("{} problem(s) reported above (--lenient)", report.dropped());
    }
    Ok(())
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
    let args = match cmd {
        ImportCommand::Csv(args) => return import_csv(args),
        ImportCommand::Uiuc(args) => args,
        ImportCommand::Movielens(args) => {
            return dataset(args, |read| {
                Ok(wayfinder::import::movielens(&read("u.item")?, &read("u.genre")?, &read("u.data")?)?)
            })
        }
        ImportCommand::Mooccubex(args) => {
            let text = |read: &dyn Fn(&str) -> Result<Vec<u8>>, name: &str| -> Result<String> {
                Ok(String::from_utf8_lossy(&read(name)?).into_owned())
            };
            return dataset(args, |read| {
                Ok(wayfinder::import::kgat(
                    &text(read, "train.txt")?,
                    &text(read, "test.txt")?,
                    &text(read, "kg_final.txt")?,
                )?)
            });
        }
    };
    let (catalog, report) = wayfinder::import::uiuc(&files::read(&args.catalog)?, &files::read(&args.prereqs)?)
        .with_context(|| format!("importing {} and {}", args.catalog.display(), args.prereqs.display()))?;
    std::fs::write(&args.out, catalog.to_json()).with_context(|| format!("cannot write {}", args.out.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("wrote {} courses to {}", report.courses, args.out.display());
        println!(
            "kept {} prerequisite groups; {} rows for courses not in the catalog skipped",
            report.groups_kept, report.rows_for_unknown_courses
        );
        for (from, to, n) in &report.renamed {
            println!("  renamed: {from} -> {to} in {n} group(s), as the catalog's own prerequisite sentences say");
        }
        if !report.not_in_catalog.is_empty() {
            println!(
                "{} group member(s) name a course the catalog does not hold; kept and marked (they never satisfy their group):",
                report.not_in_catalog.len()
            );
            for (course, member) in &report.not_in_catalog {
                println!("  {course}: {member}");
            }
        }
        if !report.unsatisfiable_groups.is_empty() {
            println!(
                "{} course(s) have a group with no member in the catalog and are never ready: {}",
                report.unsatisfiable_groups.len(),
                report.unsatisfiable_groups.join(", ")
            );
        }
        println!("{} prerequisite cycle(s):", report.cycles.len());
        for cycle in &report.cycles {
            println!("  {}", cycle.join(" -> "));
        }
    }
    Ok(())
}
